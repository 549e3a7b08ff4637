import { InsnError } from '../errors.js';
import { INSN_SIZE, type Insn } from './insn.js';

/**
 * Splits instruction bytes into one Insn per 8-byte slot (an ld_imm64 gives two).
 * In a big-endian object the register byte holds dst in its high nibble and src in its
 * low one, the other way round from little-endian: llvm writes bpfeb objects so.
 */
export function decodeInsns(bytes: Uint8Array, littleEndian: boolean): Insn[] {
  if (bytes.length % INSN_SIZE !== 0) {
    throw new InsnError(`${bytes.length} bytes is not a whole number of ${INSN_SIZE}-byte instructions`, { pc: Math.floor(bytes.length / INSN_SIZE) });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const insns: Insn[] = [];
  for (let at = 0; at < bytes.length; at += INSN_SIZE) {
    const regs = view.getUint8(at + 1);
    const [dst, src] = littleEndian ? [regs & 0x0f, regs >> 4] : [regs >> 4, regs & 0x0f];
    insns.push({
      code: view.getUint8(at),
      dst,
      src,
      off: view.getInt16(at + 2, littleEndian),
      imm: view.getInt32(at + 4, littleEndian),
    });
  }
  return insns;
}
