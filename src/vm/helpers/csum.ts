import type { RuntimeHelper } from './env.js';
import { u32 } from './memory.js';

/** csum_partial: the ones' complement sum of the bytes as 16-bit words in memory order (little-endian), plus the seed, folded to 32 bits. */
function csumPartial(bytes: Uint8Array, seed: number): number {
  let sum = seed >>> 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += bytes[i]! | (bytes[i + 1]! << 8);
  if (bytes.length & 1) sum += bytes[bytes.length - 1]!;
  while (sum > 0xffffffff) sum = (sum % 2 ** 32) + Math.floor(sum / 2 ** 32);
  return sum;
}

/** csum_add with the end-around carry. */
function csumAdd(a: number, b: number): number {
  const r = (a + b) % 2 ** 32;
  return (r + (r < b ? 1 : 0)) >>> 0;
}

/** csum_from32to16: the 32-bit sum folded to 16 bits. */
function from32to16(sum: number): number {
  const rotated = ((sum >>> 16) | (sum << 16)) >>> 0;
  return (((sum + rotated) % 2 ** 32) >>> 16) & 0xffff;
}

/**
 * bpf_csum_diff(from, from_size, to, to_size, seed) as Linux 6.13 and later compute it:
 * the checksum of `to` less that of `from`, seeded, folded to 16 bits, any sizes (older
 * kernels wanted multiples of 4, at most 512 bytes in all, and returned an unfolded,
 * architecture-dependent 32-bit sum); neither given returns the seed.
 */
export const csumDiff: RuntimeHelper = {
  name: 'bpf_csum_diff',
  call(regs, _vm, env) {
    const fromSize = u32(regs.get(2));
    const toSize = u32(regs.get(4));
    const seed = u32(regs.get(5));
    const from = fromSize ? env.memory.read(regs.get(1), fromSize) : new Uint8Array(0);
    const to = toSize ? env.memory.read(regs.get(3), toSize) : new Uint8Array(0);
    if (fromSize && toSize) return BigInt(from32to16(csumAdd(csumPartial(to, seed), ~csumPartial(from, 0) >>> 0)));
    if (toSize) return BigInt(from32to16(csumPartial(to, seed)));
    if (fromSize) return BigInt(from32to16(~csumPartial(from, ~seed >>> 0) >>> 0));
    return BigInt(seed);
  },
};
