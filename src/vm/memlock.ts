import type { MapAttrs } from './maps/types.js';
import { mapFamily } from './maps/create.js';

/**
 * What an x86-64 Linux 6.18 kernel reports as a map's `memlock` (its map_mem_usage),
 * each map family's own formula over the sizes of the kernel's structs
 * (src/vm/maps/kernel-structs.ts). Maps that allocate per element (an LPM trie, a hash
 * without preallocation, a devmap_hash) report what their elements take, so their
 * memlock follows the element count. A type bpfscope does not know reports 0.
 */
export function mapMemlock(m: MapAttrs, possibleCpus: number, elements = 0): number {
  return mapFamily(m.type)?.memlock(m, possibleCpus, elements) ?? 0;
}

/** Whether a map's memlock depends on how many elements it holds (see mapMemlock's `elements`). */
export function memlockCountsElements(m: MapAttrs): boolean {
  return mapFamily(m.type)?.countsElements?.(m) ?? false;
}
