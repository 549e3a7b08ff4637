import { BpfscopeError, VerifierError } from '../../errors.js';
import { type Insn, accessBytes, lookupOpcode, callbackTarget, jumpTarget, localCallTarget } from '../../isa/index.js';
import type { SectionProgramKind } from '../../object/index.js';
import { contextLayout, convertContextAccess } from './ctx-access.js';
import { contextAccesses, memoryBase } from './ctx-registers.js';
import type { KernelProfile } from './kernel-profile.js';
import { convertLdAbs, isLdAbs } from './ld-abs.js';
import { guardDivision, isGuardedDivision } from './div-guard.js';

export { DEFAULT_KERNEL_PROFILE, LINUX_6_18_X86_64, kernelFunctionAt, type KernelProfile } from './kernel-profile.js';
export { contextLayout, type ContextLayout } from './ctx-access.js';
export { helperTargets } from './helper-targets.js';

export interface Fixed {
  insns: Insn[];
  /** Where each original instruction (and one past the end) starts in the rewritten program. */
  newPc: Int32Array;
  /** The end of the furthest context field the program reads or writes (the kernel's max_ctx_offset). */
  maxCtxOffset: number;
}

/**
 * The kernel's load-time rewrites that change what a program does or how it reads its
 * context: context field accesses (convert_ctx_accesses) and legacy packet loads
 * (do_misc_fixups' LD_ABS/LD_IND), and division guarded against a zero divisor (do_misc_fixups too). Each rewritten instruction is replaced in place by
 * its expansion; jumps, calls and callback references are re-aimed so that they reach
 * the same instructions, and a jump to a rewritten instruction reaches the start of its
 * expansion, as bpf_patch_insn_data arranges. Instructions keep the `object` call form
 * (offsets in imm).
 */
export function applyKernelFixups(insns: readonly Insn[], kind: SectionProgramKind, profile: KernelProfile): Fixed {
  const layout = contextLayout(kind.progType);
  const ctx = contextAccesses(insns);
  let maxCtxOffset = 0;
  ctx.forEach((access, pc) => {
    if (access === 'ctx') maxCtxOffset = Math.max(maxCtxOffset, insns[pc]!.off + accessBytes(insns[pc]!)!);
  });
  const replaced: (Insn[] | undefined)[] = insns.map((insn, pc) => {
    try {
      if (isLdAbs(insn)) return convertLdAbs(insn, kind.progType, profile);
      if (ctx[pc] === 'moved') throw new VerifierError(`dereference of modified ctx ptr R${memoryBase(insn)} disallowed`);
      if (layout && ctx[pc] === 'ctx') return convertContextAccess(layout, kind.progType, kind.expectedAttachType, insn, profile);
      if (isGuardedDivision(insn)) return guardDivision(insn);
      return undefined;
    } catch (e) {
      if (e instanceof BpfscopeError) throw e.within({ pc });
      throw e;
    }
  });
  const newPc = new Int32Array(insns.length + 1);
  for (let pc = 0; pc < insns.length; pc++) newPc[pc + 1] = newPc[pc]! + (replaced[pc]?.length ?? 1);
  const out: Insn[] = [];
  for (let pc = 0; pc < insns.length; pc++) {
    const expansion = replaced[pc];
    if (expansion) {
      out.push(...expansion);
      continue;
    }
    const insn = { ...insns[pc]! };
    const at = newPc[pc]!;
    const retarget = (oldTarget: number): number => newPc[oldTarget]! - at - 1;
    const jump = jumpTarget(insn, pc);
    const field = lookupOpcode(insn)?.target;
    if (jump !== undefined && field !== undefined) insn[field] = retarget(jump);
    const callee = localCallTarget(insn, pc, 'object') ?? callbackTarget(insn, pc);
    if (callee !== undefined) insn.imm = retarget(callee);
    out.push(insn);
  }
  return { insns: out, newPc, maxCtxOffset };
}
