import type { Insn } from '../../isa/insn.js';

/**
 * do_misc_fixups' guards around division and modulo, so that no divisor the verifier
 * cannot rule out traps at run time: by a register, `x / 0` is 0 and `x % 0` is x; for
 * the signed forms (off 1) also `MIN / -1` is MIN and `x % -1` is 0; `sdiv`/`smod` by an
 * immediate -1 become a negation or a zero. The code is the kernel's, instruction for
 * instruction, so `prog dump xlated` shows what the kernel's does. BPF_REG_AX (r11) is
 * the kernel's scratch register: only rewritten code names it.
 */
export const BPF_REG_AX = 11;

const CLASS = { alu: 0x04, jmp: 0x05, jmp32: 0x06, alu64: 0x07 } as const;
const OPS = { add: 0x00, jeq: 0x10, jgt: 0x20, div: 0x30, jne: 0x50, neg: 0x80, mod: 0x90, xor: 0xa0, mov: 0xb0, ja: 0x00 } as const;
const SRC_REG = 0x08;

const raw = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });

/** Whether the kernel guards this instruction. */
export function isGuardedDivision(insn: Insn): boolean {
  const cls = insn.code & 7;
  const op = insn.code & 0xf0;
  if ((cls !== CLASS.alu && cls !== CLASS.alu64) || (op !== OPS.div && op !== OPS.mod)) return false;
  if (insn.code & SRC_REG) return true;
  return insn.off === 1 && insn.imm === -1;
}

export function guardDivision(insn: Insn): Insn[] {
  const is64 = (insn.code & 7) === CLASS.alu64;
  const alu = is64 ? CLASS.alu64 : CLASS.alu;
  const jmp = is64 ? CLASS.jmp : CLASS.jmp32;
  const isDiv = (insn.code & 0xf0) === OPS.div;
  const signed = insn.off === 1;
  const ja = raw(CLASS.jmp | OPS.ja, 0, 0, 1, 0);
  const mov32Self = raw(CLASS.alu | OPS.mov | SRC_REG, insn.dst, insn.dst, 0, 0);
  if (!(insn.code & SRC_REG)) {
    // By the immediate -1: a negation (MIN stays MIN), or zero.
    return [isDiv ? raw(alu | OPS.neg, insn.dst, 0, 0, 0) : raw(CLASS.alu | OPS.mov, insn.dst, 0, 0, 0)];
  }
  if (!signed) {
    if (isDiv) return [raw(jmp | OPS.jne, insn.src, 0, 2, 0), raw(CLASS.alu | OPS.xor | SRC_REG, insn.dst, insn.dst, 0, 0), ja, { ...insn }];
    const mod = [raw(jmp | OPS.jeq, insn.src, 0, is64 ? 1 : 2, 0), { ...insn }, ja, mov32Self];
    return is64 ? mod.slice(0, 2) : mod;
  }
  // AX = divisor + 1: above 1 (unsigned) is an ordinary divisor; 0 was -1; 1 was 0.
  const probe = [raw(CLASS.alu64 | OPS.mov | SRC_REG, BPF_REG_AX, insn.src, 0, 0), raw(alu | OPS.add, BPF_REG_AX, 0, 0, 1)];
  if (isDiv) {
    return [
      ...probe,
      raw(jmp | OPS.jgt, BPF_REG_AX, 0, 4, 1),
      raw(jmp | OPS.jeq, BPF_REG_AX, 0, 1, 0),
      raw(alu | OPS.mov, insn.dst, 0, 0, 0),
      raw(alu | OPS.neg, insn.dst, 0, 0, 0),
      ja,
      { ...insn },
    ];
  }
  const smod = [
    ...probe,
    raw(jmp | OPS.jgt, BPF_REG_AX, 0, 3, 1),
    raw(jmp | OPS.jeq, BPF_REG_AX, 0, is64 ? 3 : 4, 1),
    raw(CLASS.alu | OPS.mov, insn.dst, 0, 0, 0),
    ja,
    { ...insn },
    ja,
    mov32Self,
  ];
  return is64 ? smod.slice(0, smod.length - 2) : smod;
}
