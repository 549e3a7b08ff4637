/**
 * Bob Jenkins' lookup3 hash (public domain), in the two forms the kernel's BPF maps use:
 * over bytes (jhash, lookup3's hashlittle) and over 32-bit words (jhash2, hashword).
 * Hash maps pick a bucket with it and bloom filters their bits, both seeded with a
 * random number unless the map has BPF_F_ZERO_SEED; with the same seed, the same
 * buckets and bits come out here as in the kernel.
 */

const INITVAL = 0xdeadbeef;

function rol(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The state (a, b, c) as an array so that mix and final can work in place. */
type State = [number, number, number];

function mix(s: State): void {
  let [a, b, c] = s;
  a = (a - c) | 0; a ^= rol(c, 4); c = (c + b) | 0;
  b = (b - a) | 0; b ^= rol(a, 6); a = (a + c) | 0;
  c = (c - b) | 0; c ^= rol(b, 8); b = (b + a) | 0;
  a = (a - c) | 0; a ^= rol(c, 16); c = (c + b) | 0;
  b = (b - a) | 0; b ^= rol(a, 19); a = (a + c) | 0;
  c = (c - b) | 0; c ^= rol(b, 4); b = (b + a) | 0;
  s[0] = a; s[1] = b; s[2] = c;
}

function final(s: State): void {
  let [a, b, c] = s;
  c ^= b; c = (c - rol(b, 14)) | 0;
  a ^= c; a = (a - rol(c, 11)) | 0;
  b ^= a; b = (b - rol(a, 25)) | 0;
  c ^= b; c = (c - rol(b, 16)) | 0;
  a ^= c; a = (a - rol(c, 4)) | 0;
  b ^= a; b = (b - rol(a, 14)) | 0;
  c ^= b; c = (c - rol(b, 24)) | 0;
  s[0] = a; s[1] = b; s[2] = c;
}

function u32le(k: Uint8Array, i: number): number {
  return k[i]! | (k[i + 1]! << 8) | (k[i + 2]! << 16) | (k[i + 3]! << 24);
}

/** jhash: `length` bytes, read as little-endian words the way an x86 kernel reads them. */
export function jhash(k: Uint8Array, length: number, initval: number): number {
  const v = (INITVAL + length + initval) | 0;
  const s: State = [v, v, v];
  let i = 0;
  for (; length > 12; length -= 12, i += 12) {
    s[0] = (s[0] + u32le(k, i)) | 0;
    s[1] = (s[1] + u32le(k, i + 4)) | 0;
    s[2] = (s[2] + u32le(k, i + 8)) | 0;
    mix(s);
  }
  if (length === 0) return s[2] >>> 0;
  // The last 1..12 bytes, each at its place in a, b or c.
  for (let j = length - 1; j >= 0; j--) {
    const word = j >> 2;
    s[word as 0 | 1 | 2] = (s[word as 0 | 1 | 2] + (k[i + j]! << ((j & 3) * 8))) | 0;
  }
  final(s);
  return s[2] >>> 0;
}

/** jhash2: `words` 32-bit words (little-endian here). */
export function jhash2(k: Uint8Array, words: number, initval: number): number {
  const v = (INITVAL + (words << 2) + initval) | 0;
  const s: State = [v, v, v];
  let i = 0;
  for (; words > 3; words -= 3, i += 12) {
    s[0] = (s[0] + u32le(k, i)) | 0;
    s[1] = (s[1] + u32le(k, i + 4)) | 0;
    s[2] = (s[2] + u32le(k, i + 8)) | 0;
    mix(s);
  }
  if (words === 0) return s[2] >>> 0;
  for (let w = 0; w < words; w++) s[w as 0 | 1 | 2] = (s[w as 0 | 1 | 2] + u32le(k, i + 4 * w)) | 0;
  final(s);
  return s[2] >>> 0;
}

/** What hash maps and bloom filters hash with: words when the size allows, bytes otherwise. */
export function mapHash(k: Uint8Array, size: number, seed: number): number {
  return size % 4 === 0 ? jhash2(k, size / 4, seed) : jhash(k, size, seed);
}
