import type { Insn } from '../isa/index.js';
import type { KernelProfile } from './fixups/kernel-profile.js';
import type { FuncInfoSpec, LineInfoSpec, MapSpec, ObjectSpec, ProgramSpec } from '../object/index.js';

/** A map as the VM holds it once created. */
export interface LoadedMap {
  id: number;
  /** The kernel's copy of the name: at most 15 characters. */
  name: string;
  spec: MapSpec;
  btfId: number;
  frozen: boolean;
  memlock: number;
  /** A prog array's owner: the type of the first program loaded that uses it. */
  ownerProgType?: number;
}

/** A program as the VM holds it once loaded and verified. */
export interface LoadedProgram {
  id: number;
  /** The kernel's copy of the name: at most 15 characters. */
  name: string;
  spec: ProgramSpec;
  /**
   * The instructions as `prog dump xlated` returns them and the VM runs them: map
   * references carry map ids (src 1 `map[id:N]`, src 2 `map[id:N][0]+off`), context
   * accesses and LD_ABS/LD_IND rewritten as the kernel rewrites them (src/vm/fixups),
   * bpf-to-bpf calls with their offset in off.
   */
  xlated: Insn[];
  /** func_info and line_info with offsets into `xlated` (the kernel moves them with its rewrites). */
  funcInfo: FuncInfoSpec[];
  lineInfo: LineInfoSpec[];
  /** Where each function of `spec.functions` starts in `xlated`. */
  functionStarts: number[];
  /** The end of the furthest context field the program touches (the kernel's max_ctx_offset). */
  maxCtxOffset: number;
  /** The kernel build whose rewrites `xlated` carries. */
  kernelProfile: KernelProfile;
  /**
   * The kernel function a call reaches when the helper table does not name it: a kfunc
   * (from the target's BTF), or what a call the kernel rewrote reaches
   * (`bpf_skb_load_helper_8_no_cache`); undefined when unknown.
   */
  kernelFunction(insn: Insn): string | undefined;
  /**
   * The kernel function each helper call reaches after the kernel's fixups, by pc, where
   * it is not the helper's own (`htab_map_update_elem`, `bpf_xdp_event_output`): what
   * bpftool prints for the call. The call itself keeps the helper's id.
   */
  helperFunctions: ReadonlyMap<number, string>;
  /** The maps the program holds, in the kernel's order (first use, then bound maps). */
  mapIds: number[];
  btfId: number;
  loadedAt: Date;
  uid: number;
  /** What the kernel would charge: the program's pages (struct bpf_prog plus instructions). */
  memlock: number;
  /**
   * Kallsyms-style names of the program's subprograms, by linked instruction offset.
   * Computed on first use: it digests every subprogram, and only dumps need it.
   */
  subprogramSymbols(): ReadonlyMap<number, string>;
}

export interface LoadedObject {
  spec: ObjectSpec;
  programs: LoadedProgram[];
  maps: LoadedMap[];
  btfId: number;
}

/** Where ids come from: the store hands them out, growing only, as the kernel's idr does. */
export interface IdSource {
  nextProgramId(): number;
  nextMapId(): number;
  nextBtfId(): number;
}
