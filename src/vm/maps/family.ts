import { MAP_FLAG } from '../../object/kinds.js';
import { ENOMEM } from './errno.js';
import type { MapAttrs, ResolvedOptions, VmMap } from './types.js';

/** Why the kernel would refuse to create a map. */
export interface Refusal {
  errno: number;
  why: string;
}

/**
 * A map family's entry in the factory's table: the kernel's attribute checks for the
 * type (its map_alloc_check and map_alloc) and the constructor.
 */
export interface MapFamily {
  check(attrs: MapAttrs, options: ResolvedOptions): Refusal | undefined;
  create(attrs: MapAttrs, options: ResolvedOptions): VmMap;
  /** The map_flags the kernel keeps for a map created with `flags`, where its alloc adds some. */
  keptFlags?(flags: number): number;
}

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
