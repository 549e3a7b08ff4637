import { VerifierError } from '../../errors.js';
import type { Insn } from '../../isa/insn.js';
import { codeReferenceTarget, isExit, isLdImm64, isUnconditionalJump, jumpTarget } from '../../isa/control-flow.js';

/**
 * The verifier's first pass: every ld_imm64 has its second slot, every jump and call
 * lands on an instruction of the program (never inside an ld_imm64), and the last
 * instruction does not fall off the end.
 */
export function checkStructure(insns: readonly Insn[]): void {
  if (insns.length === 0) throw new VerifierError('program has no instructions');
  const secondSlot = new Uint8Array(insns.length);
  for (let pc = 0; pc < insns.length; pc++) {
    if (!isLdImm64(insns[pc]!)) continue;
    if (pc + 1 >= insns.length) throw new VerifierError('ld_imm64 is missing its second half', { pc });
    const next = insns[pc + 1]!;
    if (next.code !== 0 || next.dst !== 0 || next.src !== 0 || next.off !== 0) {
      throw new VerifierError('invalid second half of ld_imm64', { pc: pc + 1 });
    }
    secondSlot[pc + 1] = 1;
    pc++;
  }
  for (let pc = 0; pc < insns.length; pc++) {
    if (secondSlot[pc]) continue;
    const insn = insns[pc]!;
    const jump = jumpTarget(insn, pc);
    if (jump !== undefined) checkTarget(jump, 'jump', pc, secondSlot);
    const call = codeReferenceTarget(insn, pc);
    if (call !== undefined) checkTarget(call, 'call', pc, secondSlot);
  }
  const last = insns[insns.length - 1]!;
  if (!secondSlot[insns.length - 1] && !isExit(last) && !isUnconditionalJump(last)) {
    throw new VerifierError('last insn is not an exit or jmp', { pc: insns.length - 1 });
  }
  if (secondSlot[insns.length - 1]) throw new VerifierError('last insn is not an exit or jmp', { pc: insns.length - 1 });
}

function checkTarget(target: number, what: string, pc: number, secondSlot: Uint8Array): void {
  if (target < 0 || target >= secondSlot.length) throw new VerifierError(`${what} out of range from insn ${pc} to ${target}`, { pc });
  if (secondSlot[target]) throw new VerifierError(`${what} into the middle of ld_imm64 at insn ${target - 1}`, { pc });
}
