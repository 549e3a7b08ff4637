import { createHash } from 'node:crypto';
import { type Insn, encodeInsns, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, callKind, isCallbackRef, isLdImm64, isSecondSlot } from '../isa/index.js';


/** Linux 6.18 hashes with SHA-256 (for signed programs); earlier kernels used SHA-1. */
export type TagAlgorithm = 'sha256' | 'sha1';
const DEFAULT_TAG_ALGORITHM: TagAlgorithm = 'sha256';

/**
 * The kernel's program tag: the first 8 bytes of the digest of the instructions it was
 * given, with the immediates of map-referencing ld_imm64 pairs zeroed (they hold file
 * descriptors, which differ on every load). Computed over little-endian instructions,
 * as an x86-64 or arm64 kernel holds them.
 */
export function programTag(insns: readonly Insn[], algorithm: TagAlgorithm = DEFAULT_TAG_ALGORITHM): string {
  return digest(withMapImmediatesZeroed(insns), algorithm);
}

/**
 * The tag the kernel gives a subprogram when it JITs it on its own, which names it in
 * kallsyms (`bpf_prog_<tag>_<name>`) and so in `prog dump xlated`: its instructions with
 * each bpf-to-bpf call rewritten to carry the callee's subprogram index in `off` and 1
 * in `imm`, map immediates zeroed as for a program. `subprogIndexAt` maps a linked
 * instruction index to the index of the function that starts there.
 */
export function subprogramTag(
  insns: readonly Insn[],
  start: number,
  count: number,
  subprogIndexAt: (insn: number) => number,
  algorithm: TagAlgorithm = DEFAULT_TAG_ALGORITHM,
): string {
  const slice = insns.slice(start, start + count).map((insn, i): Insn => {
    const pc = start + i;
    if (callKind(insn) !== 'local' && !isCallbackRef(insn)) return { ...insn };
    return { ...insn, off: subprogIndexAt(pc + insn.imm + 1), imm: 1 };
  });
  for (let i = 0; i + 1 < slice.length; i++) {
    if (isCallbackRef(slice[i]!)) slice[i + 1]!.imm = 1;
  }
  return digest(withMapImmediatesZeroed(slice), algorithm);
}

function withMapImmediatesZeroed(insns: readonly Insn[]): Insn[] {
  const copy = insns.map((i) => ({ ...i }));
  for (let i = 0; i + 1 < copy.length; i++) {
    const insn = copy[i]!;
    if (!isLdImm64(insn) || (insn.src !== BPF_PSEUDO_MAP_FD && insn.src !== BPF_PSEUDO_MAP_VALUE)) continue;
    insn.imm = 0;
    const next = copy[i + 1]!;
    if (isSecondSlot(next)) next.imm = 0;
    i++;
  }
  return copy;
}

function digest(insns: Insn[], algorithm: TagAlgorithm): string {
  return createHash(algorithm).update(encodeInsns(insns, true)).digest('hex').slice(0, 16);
}
