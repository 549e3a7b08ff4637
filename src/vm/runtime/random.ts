import { randomBytes } from 'node:crypto';

/**
 * bpf_get_prandom_u32's generator: the kernel's Tausworthe generator (prandom_u32_state,
 * four 32-bit LFSR components) seeded as prandom_seed_state seeds it. With a seed the
 * sequence repeats from run to run; without one the seed is random, as the kernel's is.
 */
export function seededRandom(seed?: number | bigint): () => number {
  const s64 = BigInt.asUintN(64, BigInt(seed ?? randomBytes(8).readBigUInt64LE()));
  const i = Number(BigInt.asUintN(32, (s64 >> 32n) ^ (s64 << 10n) ^ s64));
  const atLeast = (x: number, m: number) => (x < m ? x + m : x) >>> 0;
  let s1 = atLeast(i, 2);
  let s2 = atLeast(i, 8);
  let s3 = atLeast(i, 16);
  let s4 = atLeast(i, 128);
  const step = (s: number, a: number, b: number, c: number, d: number) => ((((s & c) >>> 0) << d) ^ ((((s << a) ^ s) >>> 0) >>> b)) >>> 0;
  return () => {
    s1 = step(s1, 6, 13, 4294967294, 18);
    s2 = step(s2, 2, 27, 4294967288, 2);
    s3 = step(s3, 13, 21, 4294967280, 7);
    s4 = step(s4, 3, 12, 4294967168, 13);
    return (s1 ^ s2 ^ s3 ^ s4) >>> 0;
  };
}
