import { RelocationError } from '../../errors.js';
import { type Insn, callHelper, opcodeOf, partsOf, SIZE_BYTES, sizeOfBytes, isLdImm64, isSecondSlot } from '../../isa/index.js';
import type { CoreResult } from './calc.js';

/**
 * libbpf's poison: a helper call to an id no kernel has, 0xbad2310 ("bad relo"). The
 * verifier refuses it only if it is reachable (`invalid func unknown#195896080`), so a
 * relocation guarded by an existence check costs nothing where it does not resolve.
 */
export const POISON_HELPER_ID = 0xbad2310;

function poison(insn: Insn): void {
  Object.assign(insn, callHelper(POISON_HELPER_ID));
}

const u64 = (n: number | bigint): bigint => BigInt.asUintN(64, BigInt(n));
const i32 = (n: bigint): number => Number(BigInt.asIntN(32, n));

/**
 * libbpf's bpf_core_patch_insn, in place on `insns` at `pc`: an ALU immediate, a
 * load's or store's offset (and its size, where the field's changed), or an ld_imm64's
 * 64-bit immediate. The instruction must hold the local value first, unless the
 * relocation cannot be checked (bitfields, type ids). A poisoned ld_imm64 is poisoned
 * in both slots, as libbpf does, so the verifier does not stop at its second half.
 * Nothing has validated the instruction yet, so it is read by its opcode's parts, as
 * libbpf reads it, not by its row.
 */
export function patchInsn(insns: Insn[], pc: number, res: CoreResult): void {
  const insn = insns[pc]!;
  const parts = partsOf(insn.code);
  const unexpected = (what: string, got: bigint | number): RelocationError =>
    new RelocationError(`CO-RE relocation expects ${what} ${res.origVal} (to become ${res.newVal}), the instruction has ${got}`);
  if (res.poison) {
    poisonAt(insns, pc);
    return;
  }
  switch (parts.cls) {
    case 'alu':
    case 'alu64':
      if (parts.source !== 'K') throw new RelocationError('CO-RE relocation on an ALU instruction with a register operand');
      if (res.validate && u64(insn.imm) !== res.origVal) throw unexpected('imm', insn.imm);
      insn.imm = i32(res.newVal);
      return;
    case 'ldx':
    case 'st':
    case 'stx': {
      if (res.validate && u64(insn.off) !== res.origVal) throw unexpected('off', insn.off);
      if (res.newVal > 0x7fffn) throw new RelocationError(`CO-RE relocation gives offset ${res.newVal}, more than a load or store can hold`);
      if (res.failMemszAdjust) {
        // libbpf: the field changed size in a way a wider or narrower load would misread.
        poisonAt(insns, pc);
        return;
      }
      insn.off = Number(res.newVal);
      if (res.newSz !== res.origSz) {
        const bytes = SIZE_BYTES[parts.size!];
        if (bytes !== res.origSz) throw new RelocationError(`CO-RE relocation expects a ${res.origSz}-byte access, the instruction makes a ${bytes}-byte one`);
        const newSz = res.newSz;
        if (newSz !== 1 && newSz !== 2 && newSz !== 4 && newSz !== 8) throw new RelocationError(`CO-RE relocation gives a ${newSz}-byte field, which no load or store reads`);
        if (parts.mode === undefined) throw new RelocationError(`CO-RE relocation on an instruction it cannot patch (code 0x${insn.code.toString(16).padStart(2, '0')})`);
        insn.code = opcodeOf({ ...parts, size: sizeOfBytes(newSz) });
      }
      return;
    }
    case 'ld': {
      const next = insns[pc + 1];
      if (!isLdImm64(insn) || insn.src !== 0 || insn.off !== 0 || !next || !isSecondSlot(next)) {
        throw new RelocationError('CO-RE relocation on an ld_imm64 of unexpected form');
      }
      const imm = u64(insn.imm >>> 0) | (u64(next.imm >>> 0) << 32n);
      if (res.validate && imm !== res.origVal) throw unexpected('imm64', imm);
      insn.imm = i32(res.newVal);
      next.imm = i32(res.newVal >> 32n);
      return;
    }
    default:
      throw new RelocationError(`CO-RE relocation on an instruction it cannot patch (code 0x${insn.code.toString(16).padStart(2, '0')})`);
  }
}

function poisonAt(insns: Insn[], pc: number): void {
  const insn = insns[pc]!;
  if (isLdImm64(insn) && insns[pc + 1]) poison(insns[pc + 1]!);
  poison(insn);
}
