import { VerifierError } from '../../errors.js';
import { type Insn, lookupOpcode, callbackTarget, forEachInsn, jumpTarget, localCallTarget, secondSlots, validateInsns } from '../../isa/index.js';

/**
 * The verifier's first pass: every instruction is one the ISA has, with its unused
 * fields zero; every ld_imm64 has its second slot; every jump and call lands on an
 * instruction of the program (never inside an ld_imm64); the last instruction does not
 * fall off the end.
 */
export function checkStructure(insns: readonly Insn[]): void {
  if (insns.length === 0) throw new VerifierError('program has no instructions');
  validateInsns(insns);
  const second = secondSlots(insns);
  let last = 0;
  forEachInsn(insns, (insn, pc) => {
    last = pc;
    const jump = jumpTarget(insn, pc);
    if (jump !== undefined) checkTarget(jump, 'jump', pc, insns.length, second);
    const call = localCallTarget(insn, pc, 'object') ?? callbackTarget(insn, pc);
    if (call !== undefined) checkTarget(call, 'call', pc, insns.length, second);
  });
  const flow = lookupOpcode(insns[last]!)?.flow;
  if (flow !== 'exit' && flow !== 'goto') throw new VerifierError('last insn is not an exit or jmp', { pc: last });
}

function checkTarget(target: number, what: string, pc: number, length: number, second: ReadonlySet<number>): void {
  if (target < 0 || target >= length) throw new VerifierError(`${what} out of range from insn ${pc} to ${target}`, { pc });
  if (second.has(target)) throw new VerifierError(`${what} into the middle of ld_imm64 at insn ${target - 1}`, { pc });
}
