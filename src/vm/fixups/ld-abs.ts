import { VerifierError } from '../../errors.js';
import { aluImm, aluReg, callHelper, exit, jmpImm, movImm, movReg, type Insn, accessBytes, lookupOpcode } from '../../isa/index.js';
import { progTypeId } from '../../object/index.js';
import type { KernelFunction, KernelProfile } from './kernel-profile.js';

/**
 * The kernel's bpf_gen_ld_abs: a legacy packet load `r0 = *(uN *)skb[K]` (or
 * `skb[rX + K]`) becomes a call of an internal loader with (skb, offset) and a check
 * that ends the program with 0 when the loader fails. The context is in r6, as the
 * verifier insists for these instructions.
 */
const LOADER: Partial<Record<number, KernelFunction>> = {
  1: 'bpf_skb_load_helper_8_no_cache',
  2: 'bpf_skb_load_helper_16_no_cache',
  4: 'bpf_skb_load_helper_32_no_cache',
};

/** Program types whose verifier ops generate LD_ABS code (gen_ld_abs): socket filters and tc. */
const WITH_LD_ABS = new Set([progTypeId('socket_filter'), progTypeId('sched_cls'), progTypeId('sched_act')]);

export function isLdAbs(insn: Insn): boolean {
  const mode = lookupOpcode(insn)?.mode;
  return mode === 'ABS' || mode === 'IND';
}

export function convertLdAbs(insn: Insn, progType: number, p: KernelProfile): Insn[] {
  if (!WITH_LD_ABS.has(progType)) throw new VerifierError('BPF_LD_[ABS|IND] instructions not allowed for this program type');
  const loader = LOADER[accessBytes(insn) ?? 0];
  if (!loader) throw new VerifierError('invalid BPF_LD_[ABS|IND] size');
  const out: Insn[] = [];
  if (lookupOpcode(insn)?.mode === 'ABS') out.push(movImm(64, 2, insn.imm));
  else {
    out.push(movReg(64, 2, insn.src));
    if (insn.imm !== 0) out.push(aluImm(64, 'add', 2, insn.imm));
  }
  out.push(movReg(64, 1, 6), callHelper(p.functions[loader]), jmpImm(64, 'jsge', 0, 0, 2), aluReg(32, 'xor', 0, 0), exit());
  return out;
}
