import type { Btf } from '../btf/index.js';
import type { Insn } from '../isa/index.js';
import type { SectionProgramKind } from './section-defs.js';

/**
 * What opening an object yields: inert specs, as libbpf holds them after "open" and
 * relocation but before anything is loaded. The same spec can be loaded many times.
 */

/** A reference from an ld_imm64 to a map (src 1) or into a map's value (src 2). */
export interface MapReference {
  /** Instruction index of the ld_imm64 within the linked program. */
  pc: number;
  mapIndex: number;
  kind: 'map' | 'value';
  /** Byte offset into the value, for `value` references. */
  offset: number;
}

/**
 * A reference to a kernel symbol: a kfunc call (src 2: the kfunc's BTF id in imm, the
 * module's fd-array slot in off) or an ld_imm64 of a `__ksym` (src 3 with its BTF id
 * when typed, else its address). Kept so that a loader can name kfuncs and give typed
 * ksyms the address the kernel would.
 */
export interface ExternReference {
  /** Instruction index within the linked program. */
  pc: number;
  kind: 'kfunc' | 'ksym';
  name: string;
  /** Its id in the target's BTF; 0 when unresolved (a weak one) or typeless. */
  btfId: number;
  /** The kernel module whose BTF has it; absent for vmlinux. */
  module?: string;
  /** Its address in the target's kallsyms; null when they have no such symbol, absent when the target has no kallsyms. */
  address?: bigint | null;
}

export interface FuncInfoSpec {
  insnOff: number;
  typeId: number;
  name: string;
  signature: string;
}

export interface LineInfoSpec {
  insnOff: number;
  fileName: string;
  line: string;
  lineNum: number;
  lineCol: number;
}

/** A function of the object: a program's entry or a `.text` subprogram it calls. */
export interface FunctionSpec {
  name: string;
  /** Where it starts in the linked program. */
  insnOff: number;
  insnCount: number;
  sectionName: string;
}

export interface ProgramSpec {
  name: string;
  sectionName: string;
  kind: SectionProgramKind;
  /**
   * The program as libbpf hands it to the kernel: the entry function followed by every
   * subprogram it reaches, call offsets fixed; ld_imm64 map references carry the map's
   * index in this object (src 1 or 2) until a loader gives them ids.
   */
  insns: Insn[];
  mapRefs: MapReference[];
  /** Kfunc calls and `__ksym` loads, resolved against the load target. */
  externRefs: ExternReference[];
  functions: FunctionSpec[];
  funcInfo: FuncInfoSpec[];
  lineInfo: LineInfoSpec[];
  license: string;
  gplCompatible: boolean;
  kernelVersion: number;
  /** The kernel's program tag (hex), as computed at load from these instructions. */
  tag: string;
  /** The attach target's BTF id (fentry, lsm, iter, tp_btf, struct_ops ...), in `attachBtfObject`'s BTF. */
  attachBtfId?: number;
  /** `vmlinux` or the module whose BTF holds the attach target. */
  attachBtfObject?: string;
  /** Why libbpf would fail to load the program before the kernel sees it (its words, its errno); such a program is not loaded. */
  loadError?: { message: string; errno: number };
}

/** Where a map comes from; `kconfig` is libbpf's internal map of `__kconfig` extern values. */
export type MapOrigin = 'btf' | 'legacy' | 'data' | 'rodata' | 'bss' | 'kconfig' | 'struct_ops';

export interface MapSpec {
  /** The name as the kernel would hold it (internal maps renamed as libbpf does). */
  name: string;
  origin: MapOrigin;
  /** The ELF section it came from (`.maps`, `maps`, `.data`, ...). */
  sectionName: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  numaNode: number;
  pinning: number;
  mapExtra: bigint;
  btfKeyTypeId: number;
  btfValueTypeId: number;
  /** The inner map's definition for map-in-map types. */
  inner?: MapSpec;
  /** Initial contents of global data maps (zeros for .bss). */
  initialData?: Uint8Array;
  /** Initial slots of prog arrays (program names) and map-in-maps (map names). */
  initialSlots: { index: number; target: string }[];
  /** struct_ops maps: the kernel's `bpf_struct_ops_<name>` in the target BTF (0 when not found there). */
  btfVmlinuxValueTypeId?: number;
  /** struct_ops maps: how many function pointers the kernel's struct has (what its memlock counts). */
  structOpsFuncPointers?: number;
  /** struct_ops maps: the program each function-pointer member names. */
  structOpsPrograms?: { member: string; program: string }[];
  /** The fields iproute2's struct bpf_elf_map adds, for maps defined with it. */
  elfMap?: ElfMapFields;
}

/** iproute2's own map fields: an id other definitions refer to, pinning (PIN_NONE 0, PIN_OBJECT_NS 1, PIN_GLOBAL_NS 2), map-in-map links. */
export interface ElfMapFields {
  id: number;
  pinning: number;
  innerId: number;
  innerIdx: number;
}

export interface ObjectSpec {
  fileName: string;
  /** libbpf's object name: the file's base name up to its first dot. */
  objectName: string;
  littleEndian: boolean;
  license: string;
  kernelVersion: number;
  programs: ProgramSpec[];
  maps: MapSpec[];
  /**
   * What the loader wants a person to know but does not refuse for: CO-RE relocations
   * left unapplied for want of a target BTF, what libbpf 1.x would refuse, ... One line each.
   */
  notes: string[];
  btf?: Btf;
}
