import { VerifierError } from '../../errors.js';
import { jumpTarget, localCallTarget } from '../../isa/cfg.js';
import type { Insn } from '../../isa/insn.js';
import { BPF_PSEUDO_FUNC, isLdImm64, lookupOpcode } from '../../isa/opcodes.js';
import { validateInsns } from '../../isa/validate.js';

/**
 * The verifier's first pass: every instruction is one the ISA has, with its unused
 * fields zero; every ld_imm64 has its second slot; every jump and call lands on an
 * instruction of the program (never inside an ld_imm64); the last instruction does not
 * fall off the end.
 */
export function checkStructure(insns: readonly Insn[]): void {
  if (insns.length === 0) throw new VerifierError('program has no instructions');
  validateInsns(insns);
  const secondSlot = new Uint8Array(insns.length);
  for (let pc = 0; pc < insns.length; pc++) {
    if (isLdImm64(insns[pc]!)) secondSlot[++pc] = 1;
  }
  let last = 0;
  for (let pc = 0; pc < insns.length; pc += secondSlot[pc + 1] ? 2 : 1) {
    const insn = insns[pc]!;
    last = pc;
    const jump = jumpTarget(insn, pc);
    if (jump !== undefined) checkTarget(jump, 'jump', pc, secondSlot);
    const call = localCallTarget(insn, pc, 'object') ?? (isLdImm64(insn) && insn.src === BPF_PSEUDO_FUNC ? pc + insn.imm + 1 : undefined);
    if (call !== undefined) checkTarget(call, 'call', pc, secondSlot);
  }
  const flow = lookupOpcode(insns[last]!)?.flow;
  if (flow !== 'exit' && flow !== 'goto') throw new VerifierError('last insn is not an exit or jmp', { pc: last });
}

function checkTarget(target: number, what: string, pc: number, secondSlot: Uint8Array): void {
  if (target < 0 || target >= secondSlot.length) throw new VerifierError(`${what} out of range from insn ${pc} to ${target}`, { pc });
  if (secondSlot[target]) throw new VerifierError(`${what} into the middle of ld_imm64 at insn ${target - 1}`, { pc });
}
