import type { Insn } from '../../src/isa/insn.js';
import type { OpcodeSpec } from '../../src/isa/opcodes.js';

/** Non-zero sample values for each field a row uses, so a round trip exercises every bit that matters. */
const SAMPLE: Record<'dst' | 'src' | 'off' | 'imm', number> = { dst: 3, src: 9, off: -1234, imm: -123456789 };

/** An instruction that is the given row, with sample operands. */
export function sampleInsn(spec: OpcodeSpec): Insn {
  const insn: Insn = { code: spec.code, dst: 0, src: 0, off: 0, imm: 0 };
  for (const f of spec.uses) insn[f] = SAMPLE[f];
  if (spec.select) insn[spec.select.field] = spec.select.value;
  return insn;
}

/** The row's instruction, followed by its second slot when it has one. */
export function sampleSlots(spec: OpcodeSpec): Insn[] {
  const first = sampleInsn(spec);
  return spec.slots === 2 ? [first, { code: 0, dst: 0, src: 0, off: 0, imm: 0x12345678 }] : [first];
}

export function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
}
