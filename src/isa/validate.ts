import { InsnError } from '../errors.js';
import type { Insn } from './insn.js';
import { lookupOpcode, opcodeRows, type InsnField, type OpcodeSpec } from './opcodes.js';
import { isSecondSlot } from './slots.js';

/** r0-r9 and the read-only frame pointer r10; r11 exists only inside the kernel. */
const MAX_REG = 10;

const FIELDS: readonly InsnField[] = ['dst', 'src', 'off', 'imm'];

/**
 * Checks that the instruction at pc is well formed by the table: a known opcode, fields
 * it does not use left zero, registers in r0-r10, an ld_imm64 followed by its second
 * slot. Returns the row, so that callers need not look it up again. Whether the program
 * makes sense (jump targets, register states) is the verifier's business, not this.
 */
export function validateInsn(insns: readonly Insn[], pc: number): OpcodeSpec {
  const insn = insns[pc];
  if (insn === undefined) throw new InsnError('no instruction here', { pc });
  const spec = lookupOpcode(insn);
  if (spec === undefined) throw new InsnError(`unknown opcode 0x${hex2(insn.code)}${selectorHint(insn)}`, { pc });
  for (const field of FIELDS) {
    if (insn[field] !== 0 && !spec.uses.includes(field) && spec.select?.field !== field) {
      throw new InsnError(`${spec.name} must have ${field} 0, has ${insn[field]}`, { pc });
    }
  }
  for (const reg of ['dst', 'src'] as const) {
    if (insn[reg] > MAX_REG) throw new InsnError(`${spec.name} uses r${insn[reg]}, which programs cannot name`, { pc });
  }
  if (spec.slots === 2) checkSecondSlot(insns[pc + 1], spec, pc);
  return spec;
}

/** Validates every instruction, stepping over the second slots of ld_imm64. */
export function validateInsns(insns: readonly Insn[]): void {
  for (let pc = 0; pc < insns.length; pc += validateInsn(insns, pc).slots);
}

function checkSecondSlot(next: Insn | undefined, spec: OpcodeSpec, pc: number): void {
  if (next === undefined) throw new InsnError(`${spec.name} is cut off: its second slot is missing`, { pc });
  if (!isSecondSlot(next)) {
    throw new InsnError(`${spec.name} second slot must hold only imm (code, registers and off 0)`, { pc: pc + 1 });
  }
}

/** Says what was looked at when an opcode byte is known but the selecting field is not. */
function selectorHint(insn: Insn): string {
  const field = opcodeRows(insn.code)[0]?.select?.field;
  return field ? ` with ${field} ${insn[field]}` : '';
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
