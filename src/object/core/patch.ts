import { RelocationError } from '../../errors.js';
import type { Insn } from '../../isa/insn.js';
import { BPF_ALU, BPF_ALU64, BPF_B, BPF_CALL_INSN, BPF_DW, BPF_H, BPF_K, BPF_LD, BPF_LD_IMM64, BPF_LDX, BPF_ST, BPF_STX, BPF_W } from '../../isa/opcodes.js';
import type { CoreResult } from './calc.js';

/**
 * libbpf's poison: a helper call to an id no kernel has, 0xbad2310 ("bad relo"). The
 * verifier refuses it only if it is reachable (`invalid func unknown#195896080`), so a
 * relocation guarded by an existence check costs nothing where it does not resolve.
 */
export const POISON_HELPER_ID = 0xbad2310;

function poison(insn: Insn): void {
  Object.assign(insn, { code: BPF_CALL_INSN, dst: 0, src: 0, off: 0, imm: POISON_HELPER_ID });
}

const SIZE_BYTES = new Map([
  [BPF_DW, 8],
  [BPF_W, 4],
  [BPF_H, 2],
  [BPF_B, 1],
]);
const SIZE_CODES = new Map([...SIZE_BYTES].map(([code, bytes]) => [bytes, code]));

const u64 = (n: number | bigint): bigint => BigInt.asUintN(64, BigInt(n));
const i32 = (n: bigint): number => Number(BigInt.asIntN(32, n));

/**
 * libbpf's bpf_core_patch_insn, in place on `insns` at `pc`: an ALU immediate, a
 * load's or store's offset (and its size, where the field's changed), or an ld_imm64's
 * 64-bit immediate. The instruction must hold the local value first, unless the
 * relocation cannot be checked (bitfields, type ids). A poisoned ld_imm64 is poisoned
 * in both slots, as libbpf does, so the verifier does not stop at its second half.
 */
export function patchInsn(insns: Insn[], pc: number, res: CoreResult): void {
  const insn = insns[pc]!;
  const cls = insn.code & 0x07;
  const unexpected = (what: string, got: bigint | number): RelocationError =>
    new RelocationError(`CO-RE relocation expects ${what} ${res.origVal} (to become ${res.newVal}), the instruction has ${got}`);
  if (res.poison) {
    poisonAt(insns, pc);
    return;
  }
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
      if ((insn.code & 0x08) !== BPF_K) throw new RelocationError('CO-RE relocation on an ALU instruction with a register operand');
      if (res.validate && u64(insn.imm) !== res.origVal) throw unexpected('imm', insn.imm);
      insn.imm = i32(res.newVal);
      return;
    case BPF_LDX:
    case BPF_ST:
    case BPF_STX: {
      if (res.validate && u64(insn.off) !== res.origVal) throw unexpected('off', insn.off);
      if (res.newVal > 0x7fffn) throw new RelocationError(`CO-RE relocation gives offset ${res.newVal}, more than a load or store can hold`);
      if (res.failMemszAdjust) {
        // libbpf: the field changed size in a way a wider or narrower load would misread.
        poisonAt(insns, pc);
        return;
      }
      insn.off = Number(res.newVal);
      if (res.newSz !== res.origSz) {
        const bytes = SIZE_BYTES.get(insn.code & 0x18)!;
        if (bytes !== res.origSz) throw new RelocationError(`CO-RE relocation expects a ${res.origSz}-byte access, the instruction makes a ${bytes}-byte one`);
        const size = SIZE_CODES.get(res.newSz);
        if (size === undefined) throw new RelocationError(`CO-RE relocation gives a ${res.newSz}-byte field, which no load or store reads`);
        insn.code = (insn.code & 0xe0) | size | cls;
      }
      return;
    }
    case BPF_LD: {
      const next = insns[pc + 1];
      if (insn.code !== BPF_LD_IMM64 || insn.src !== 0 || insn.off !== 0 || !next || next.code !== 0 || next.dst !== 0 || next.src !== 0 || next.off !== 0) {
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
  if (insn.code === BPF_LD_IMM64 && insns[pc + 1]) poison(insns[pc + 1]!);
  poison(insn);
}
