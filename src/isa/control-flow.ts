import type { Insn } from './insn.js';

/** Instruction-class facts that control flow depends on (the low 3 bits of the opcode). */
const BPF_JMP = 0x05;
const BPF_JMP32 = 0x06;
const BPF_JA = 0x00;
const BPF_CALL = 0x80;
const BPF_EXIT = 0x90;
const BPF_PSEUDO_CALL = 1;
const BPF_PSEUDO_FUNC = 4;

export const LD_IMM64_CODE = 0x18;

export function isLdImm64(insn: Insn): boolean {
  return insn.code === LD_IMM64_CODE;
}

function isJumpClass(insn: Insn): boolean {
  const cls = insn.code & 0x07;
  return cls === BPF_JMP || cls === BPF_JMP32;
}

export function isExit(insn: Insn): boolean {
  return isJumpClass(insn) && (insn.code & 0xf0) === BPF_EXIT;
}

export function isCall(insn: Insn): boolean {
  return isJumpClass(insn) && (insn.code & 0xf0) === BPF_CALL;
}

export function isSubprogramCall(insn: Insn): boolean {
  return isCall(insn) && insn.src === BPF_PSEUDO_CALL;
}

/** Unconditional jump: `ja` uses off; JMP32 `gotol` uses imm. */
export function isUnconditionalJump(insn: Insn): boolean {
  return isJumpClass(insn) && (insn.code & 0xf0) === BPF_JA;
}

/** Where a jump goes, or undefined for an instruction that does not jump. */
export function jumpTarget(insn: Insn, pc: number): number | undefined {
  if (!isJumpClass(insn) || isCall(insn) || isExit(insn)) return undefined;
  const gotol = (insn.code & 0x07) === BPF_JMP32 && (insn.code & 0xf0) === BPF_JA;
  return pc + (gotol ? insn.imm : insn.off) + 1;
}

/** Where a bpf-to-bpf call or a callback address (ld_imm64 src 4) points, if it is one. */
export function codeReferenceTarget(insn: Insn, pc: number): number | undefined {
  if (isSubprogramCall(insn)) return pc + insn.imm + 1;
  if (isLdImm64(insn) && insn.src === BPF_PSEUDO_FUNC) return pc + insn.imm + 1;
  return undefined;
}
