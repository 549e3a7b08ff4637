import { MAP_FLAG } from '../../object/index.js';
import { ENOMEM } from '../../errno.js';
import type { MapAttrs, ResolvedOptions, SlotKind, VmMap } from './types.js';

/** Why the kernel would refuse to create a map. */
export interface Refusal {
  errno: number;
  why: string;
}

/** The map helpers do_misc_fixups turns into calls of the map's own ops. */
export type MapOpHelper =
  | 'map_lookup_elem' | 'map_update_elem' | 'map_delete_elem' | 'map_push_elem' | 'map_pop_elem'
  | 'map_peek_elem' | 'redirect_map' | 'for_each_map_elem' | 'map_lookup_percpu_elem';

/**
 * The kernel functions a type's bpf_map_ops hold for those helpers, by helper. A lookup
 * the kernel inlines (the type has map_gen_lookup) is `inlined`: bpfscope keeps the
 * helper call there, as it does not inline yet.
 */
export type MapKernelOps = Partial<Record<MapOpHelper, string>>;

/**
 * A map family's entry in the factory's table: everything the kernel knows of the type
 * — its attribute checks (map_alloc_check and map_alloc), its memlock (map_mem_usage),
 * whether it takes BTF, its ops as the verifier calls them — and the constructor.
 */
export interface MapFamily {
  check(attrs: MapAttrs, options: ResolvedOptions): Refusal | undefined;
  create(attrs: MapAttrs, options: ResolvedOptions): VmMap;
  /** map_mem_usage for a map of these attributes holding `elements` elements. */
  memlock(attrs: MapAttrs, cpus: number, elements: number): number;
  /** Whether memlock follows the element count (maps that allocate per element). */
  countsElements?(attrs: MapAttrs): boolean;
  /** The map_flags the kernel keeps for a map created with `flags`, where its alloc adds some. */
  keptFlags?(flags: number): number;
  /** map_check_no_btf: key and value BTF are refused with -ENOTSUPP (libbpf then creates the map without). */
  refusesBtf?: boolean;
  /** The functions the map helpers become for this type (do_misc_fixups). */
  kernelOps?(attrs: MapAttrs): MapKernelOps;
  /** What the type's values refer to, where they are references (the map is then a SlotMap of this slotKind). */
  slots?: SlotKind;
  /** libbpf's bpf_object__create_map passes no key or value BTF for the type, whatever the object says. */
  libbpfOmitsBtf?: boolean;
  /** What libbpf fills in of an object's definition before BPF_MAP_CREATE (entries of a perf event array, a ring buffer's size). */
  libbpfAttrs?<A extends MapAttrs>(attrs: A, cpus: number): A;
}

/** A lookup that the kernel inlines: map_gen_lookup exists for the type. */
export const INLINED = 'inlined';

export function refuse(errno: number, why: string): Refusal {
  return { errno: -errno, why };
}

/** BPF_F_ACCESS_MASK: the access flags every type that takes access flags takes. */
export const ACCESS_MASK = MAP_FLAG.rdonly | MAP_FLAG.wronly | MAP_FLAG.rdonlyProg | MAP_FLAG.wronlyProg;

/** bpf_map_flags_access_ok: a map cannot be both read-only and write-only for programs. */
export function accessFlagsOk(flags: number): boolean {
  return (flags & (MAP_FLAG.rdonlyProg | MAP_FLAG.wronlyProg)) !== (MAP_FLAG.rdonlyProg | MAP_FLAG.wronlyProg);
}

/** -ENOMEM when preallocating `bytes` would pass the configured limit (the kernel's allocation failing). */
export function checkMemory(bytes: number, options: ResolvedOptions, what: string): Refusal | undefined {
  return bytes > options.memoryLimit ? refuse(ENOMEM, `${what} needs ${bytes} bytes, over the limit of ${options.memoryLimit}`) : undefined;
}
