/** Byte helpers shared by the map families. */

/** Rounded up to a multiple of 8, as the kernel lays out per-CPU values and array slots. */
export function round8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/**
 * The first `size` bytes as a string usable as a JS Map key: one UTF-16 unit per byte,
 * so equal bytes give equal strings and nothing is lost.
 */
export function keyString(key: Uint8Array, size: number): string {
  let s = '';
  for (let i = 0; i < size; i += 4096) {
    s += String.fromCharCode(...key.subarray(i, Math.min(size, i + 4096)));
  }
  return s;
}

export function readU32(bytes: Uint8Array, littleEndian: boolean, offset = 0): number {
  return new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0, littleEndian);
}

export function u32Bytes(n: number, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n >>> 0, littleEndian);
  return out;
}

/** Throws when a program-side argument is shorter than the map says (the verifier would have refused it). */
export function need(bytes: Uint8Array, size: number, what: string): void {
  if (bytes.length < size) throw new RangeError(`${what} has ${bytes.length} bytes, the map needs ${size}`);
}
