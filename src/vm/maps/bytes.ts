import { ENOENT } from '../../errno.js';

/** Byte helpers shared by the map families. */

/** Rounded up to a multiple of 8, as the kernel lays out per-CPU values and array slots. */
export function round8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/**
 * The first `size` bytes as a JS Map key: equal bytes give equal keys and nothing is
 * lost. Keys of up to 6 bytes (most: u32 indexes, pids, ports) become one number, exact
 * below 2^48 and far faster to build and hash than a string; longer keys a string of
 * one UTF-16 unit per byte.
 */
export function keyString(key: Uint8Array, size: number): string | number {
  if (size <= 6) {
    let n = 0;
    for (let i = size - 1; i >= 0; i--) n = n * 256 + key[i]!;
    return n;
  }
  let s = '';
  for (let i = 0; i < size; i += 4096) {
    s += String.fromCharCode(...key.subarray(i, Math.min(size, i + 4096)));
  }
  return s;
}

/*
 * Byte arithmetic rather than a DataView: reading `.buffer` of a small Uint8Array makes
 * V8 move it off its heap, which made each map operation on a short key cost microseconds.
 */

export function readU32(bytes: Uint8Array, littleEndian: boolean, offset = 0): number {
  const [a, b, c, d] = [bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!];
  return (littleEndian ? a | (b << 8) | (c << 16) | (d << 24) : d | (c << 8) | (b << 16) | (a << 24)) >>> 0;
}

export function u32Bytes(n: number, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(4);
  writeU32(out, n, littleEndian);
  return out;
}

export function writeU32(out: Uint8Array, n: number, littleEndian: boolean, offset = 0): void {
  for (let i = 0; i < 4; i++) out[offset + (littleEndian ? i : 3 - i)] = (n >>> (8 * i)) & 0xff;
}

/**
 * The key after `key` in an array-like map (u32 indexes): the first index for no key or
 * one out of range, -ENOENT after the last, as the kernel's array_map_get_next_key.
 */
export function nextArrayKey(key: Uint8Array | undefined, maxEntries: number, littleEndian: boolean): Uint8Array | number {
  const index = key === undefined ? 0xffffffff : readU32(key, littleEndian);
  if (index >= maxEntries) return u32Bytes(0, littleEndian);
  if (index === maxEntries - 1) return -ENOENT;
  return u32Bytes(index + 1, littleEndian);
}

/** Throws when a program-side argument is shorter than the map says (the verifier would have refused it). */
export function need(bytes: Uint8Array, size: number, what: string): void {
  if (bytes.length < size) throw new RangeError(`${what} has ${bytes.length} bytes, the map needs ${size}`);
}
