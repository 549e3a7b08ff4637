import { VerifierError } from '../../errors.js';
import type { Insn } from '../../isa/insn.js';
import { progTypeId } from '../../object/kinds.js';
import { alu64Imm, call, exit, jmpImm, mov64Reg, OP, sizeOf, xor32Reg } from './build.js';
import type { KernelFunction, KernelProfile } from './kernel-profile.js';

/**
 * The kernel's bpf_gen_ld_abs: a legacy packet load `r0 = *(uN *)skb[K]` (or
 * `skb[rX + K]`) becomes a call of an internal loader with (skb, offset) and a check
 * that ends the program with 0 when the loader fails. The context is in r6, as the
 * verifier insists for these instructions.
 */
const LOADER: Partial<Record<Size, KernelFunction>> = {
  1: 'bpf_skb_load_helper_8_no_cache',
  2: 'bpf_skb_load_helper_16_no_cache',
  4: 'bpf_skb_load_helper_32_no_cache',
};
type Size = 1 | 2 | 4 | 8;

/** Program types whose verifier ops generate LD_ABS code (gen_ld_abs): socket filters and tc. */
const WITH_LD_ABS = new Set([progTypeId('socket_filter'), progTypeId('sched_cls'), progTypeId('sched_act')]);

export function isLdAbs(insn: Insn): boolean {
  const mode = insn.code & 0xe0;
  return (insn.code & 7) === 0 && (mode === 0x20 || mode === 0x40);
}

export function convertLdAbs(insn: Insn, progType: number, p: KernelProfile): Insn[] {
  if (!WITH_LD_ABS.has(progType)) throw new VerifierError('BPF_LD_[ABS|IND] instructions not allowed for this program type');
  const loader = LOADER[sizeOf(insn)];
  if (!loader) throw new VerifierError('invalid BPF_LD_[ABS|IND] size');
  const out: Insn[] = [];
  if ((insn.code & 0xe0) === 0x20) out.push({ code: 0xb7, dst: 2, src: 0, off: 0, imm: insn.imm });
  else {
    out.push(mov64Reg(2, insn.src));
    if (insn.imm !== 0) out.push(alu64Imm(OP.add, 2, insn.imm));
  }
  out.push(mov64Reg(1, 6), call(p.functions[loader]), jmpImm(OP.jsge, 0, 0, 2), xor32Reg(0, 0), exit());
  return out;
}

/** The loader a call immediate names, with its width in bytes. */
export function ldAbsLoaderWidth(name: KernelFunction): 1 | 2 | 4 {
  return name.includes('_8_') ? 1 : name.includes('_16_') ? 2 : 4;
}
