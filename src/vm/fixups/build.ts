import type { Insn } from '../../isa/insn.js';

/** Instruction builders for the code the kernel emits in place of what it rewrites. */
export type Size = 1 | 2 | 4 | 8;

const SIZE_CODE: Record<Size, number> = { 4: 0x00, 2: 0x08, 1: 0x10, 8: 0x18 };

export function sizeOf(insn: Insn): Size {
  return ([4, 2, 1, 8] as const)[(insn.code >> 3) & 3]!;
}

export const ldx = (size: Size, dst: number, src: number, off: number): Insn => ({ code: 0x61 | SIZE_CODE[size], dst, src, off, imm: 0 });

/** A store of the same kind as `like` (register or immediate), at another size and offset. */
export function storeLike(like: Insn, size: Size, off: number): Insn {
  return { code: (like.code & 7) | 0x60 | SIZE_CODE[size], dst: like.dst, src: like.src, off, imm: like.imm };
}

export const alu32Imm = (op: number, dst: number, imm: number): Insn => ({ code: 0x04 | op, dst, src: 0, off: 0, imm });
export const alu64Imm = (op: number, dst: number, imm: number): Insn => ({ code: 0x07 | op, dst, src: 0, off: 0, imm });
export const mov64Reg = (dst: number, src: number): Insn => ({ code: 0xbf, dst, src, off: 0, imm: 0 });
export const jmpImm = (op: number, dst: number, imm: number, off: number): Insn => ({ code: 0x05 | op, dst, src: 0, off, imm });
export const call = (imm: number): Insn => ({ code: 0x85, dst: 0, src: 0, off: 0, imm });
export const exit = (): Insn => ({ code: 0x95, dst: 0, src: 0, off: 0, imm: 0 });
export const xor32Reg = (dst: number, src: number): Insn => ({ code: 0xac, dst, src, off: 0, imm: 0 });

export const OP = { add: 0x00, and: 0x50, rsh: 0x70, mov: 0xb0, jeq: 0x10, jsge: 0x70 } as const;
