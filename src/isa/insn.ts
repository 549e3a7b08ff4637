/**
 * One 8-byte instruction slot, as the kernel's struct bpf_insn holds it.
 * A 64-bit immediate load (ld_imm64) takes two slots; the second slot has code 0
 * and carries the upper 32 bits of the immediate in its imm.
 * Fields are plain numbers: code 0..255, dst/src 0..15, off a signed 16-bit value,
 * imm a signed 32-bit value.
 */
export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

export const INSN_SIZE = 8;

/** The 64-bit immediate of an ld_imm64: imm below, the second slot's imm above (0 when cut off), both unsigned. */
export function imm64Of(insn: Insn, next: Insn | undefined): bigint {
  return (BigInt((next?.imm ?? 0) >>> 0) << 32n) | BigInt(insn.imm >>> 0);
}
