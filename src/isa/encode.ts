import { InsnError } from '../errors.js';
import { INSN_SIZE, type Insn } from './insn.js';

const FIELD_RANGES: readonly (readonly [keyof Insn, number, number])[] = [
  ['code', 0, 0xff],
  ['dst', 0, 0x0f],
  ['src', 0, 0x0f],
  ['off', -0x8000, 0x7fff],
  ['imm', -0x80000000, 0x7fffffff],
];

/**
 * Lays instructions out as the kernel and the ELF file hold them, 8 bytes each; the
 * exact inverse of decodeInsns. A field out of its range is an error rather than being
 * wrapped, so that a bug upstream cannot silently change a program.
 */
export function encodeInsns(insns: readonly Insn[], littleEndian: boolean): Uint8Array {
  const bytes = new Uint8Array(insns.length * INSN_SIZE);
  const view = new DataView(bytes.buffer);
  insns.forEach((insn, pc) => {
    checkRanges(insn, pc);
    const at = pc * INSN_SIZE;
    view.setUint8(at, insn.code);
    view.setUint8(at + 1, littleEndian ? (insn.src << 4) | insn.dst : (insn.dst << 4) | insn.src);
    view.setInt16(at + 2, insn.off, littleEndian);
    view.setInt32(at + 4, insn.imm, littleEndian);
  });
  return bytes;
}

function checkRanges(insn: Insn, pc: number): void {
  for (const [field, min, max] of FIELD_RANGES) {
    const value = insn[field];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new InsnError(`${field} ${value} is outside ${min}..${max}`, { pc });
    }
  }
}
