import { aluImm, aluReg, ja, jmpImm, movImm, movReg, neg, type Insn, isAluClass, lookupOpcode } from '../../isa/index.js';

/**
 * do_misc_fixups' guards around division and modulo, so that no divisor the verifier
 * cannot rule out traps at run time: by a register, `x / 0` is 0 and `x % 0` is x; for
 * the signed forms (off 1) also `MIN / -1` is MIN and `x % -1` is 0; `sdiv`/`smod` by an
 * immediate -1 become a negation or a zero. The code is the kernel's, instruction for
 * instruction, so `prog dump xlated` shows what the kernel's does. BPF_REG_AX (r11) is
 * the kernel's scratch register: only rewritten code names it.
 */
export const BPF_REG_AX = 11;

/** Whether the kernel guards this instruction. */
export function isGuardedDivision(insn: Insn): boolean {
  const row = lookupOpcode(insn);
  if (!row || !isAluClass(row.cls) || (row.op !== 'div' && row.op !== 'mod')) return false;
  if (row.source === 'X') return true;
  return row.signed === true && insn.imm === -1;
}

export function guardDivision(insn: Insn): Insn[] {
  const row = lookupOpcode(insn)!;
  const width = row.width!;
  const is64 = width === 64;
  const isDiv = row.op === 'div';
  const skip = ja(1);
  const mov32Self = movReg(32, insn.dst, insn.dst);
  if (row.source === 'K') {
    // By the immediate -1: a negation (MIN stays MIN), or zero.
    return [isDiv ? neg(width, insn.dst) : movImm(32, insn.dst, 0)];
  }
  if (!row.signed) {
    if (isDiv) return [jmpImm(width, 'jne', insn.src, 0, 2), aluReg(32, 'xor', insn.dst, insn.dst), skip, { ...insn }];
    const mod = [jmpImm(width, 'jeq', insn.src, 0, is64 ? 1 : 2), { ...insn }, skip, mov32Self];
    return is64 ? mod.slice(0, 2) : mod;
  }
  // AX = divisor + 1: above 1 (unsigned) is an ordinary divisor; 0 was -1; 1 was 0.
  const probe = [movReg(64, BPF_REG_AX, insn.src), aluImm(width, 'add', BPF_REG_AX, 1)];
  if (isDiv) {
    return [
      ...probe,
      jmpImm(width, 'jgt', BPF_REG_AX, 1, 4),
      jmpImm(width, 'jeq', BPF_REG_AX, 0, 1),
      movImm(width, insn.dst, 0),
      neg(width, insn.dst),
      skip,
      { ...insn },
    ];
  }
  const smod = [
    ...probe,
    jmpImm(width, 'jgt', BPF_REG_AX, 1, 3),
    jmpImm(width, 'jeq', BPF_REG_AX, 1, is64 ? 3 : 4),
    movImm(32, insn.dst, 0),
    skip,
    { ...insn },
    skip,
    mov32Self,
  ];
  return is64 ? smod.slice(0, smod.length - 2) : smod;
}
