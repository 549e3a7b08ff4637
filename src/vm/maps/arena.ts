import { MAP_FLAG } from '../../object/index.js';
import { E2BIG, EINVAL, EOPNOTSUPP, ERANGE } from '../../errno.js';
import { refuse, type MapFamily, type Refusal } from './family.js';
import { KERNEL_MAP_STRUCTS as S } from './kernel-structs.js';
import { UnmodelledMap } from './unmodelled.js';
import type { MapAttrs } from './types.js';

const ARENA_FLAGS = MAP_FLAG.mmapable | MAP_FLAG.segvOnFault | MAP_FLAG.noUserConv;
const FOUR_GIB = 2n ** 32n;

/** arena_map_alloc: no key or value, max_entries pages of at most 4 GiB, mmapable; map_extra a page-aligned user address whose range stays in one 4 GiB window. */
function checkArena(attrs: MapAttrs): Refusal | undefined {
  if (attrs.keySize || attrs.valueSize || attrs.maxEntries === 0 || !(attrs.flags & MAP_FLAG.mmapable) || attrs.flags & ~ARENA_FLAGS) {
    return refuse(EINVAL, 'arenas need key_size 0, value_size 0, max_entries (pages) and BPF_F_MMAPABLE');
  }
  const start = attrs.mapExtra ?? 0n;
  if (start % BigInt(S.page)) return refuse(EINVAL, "an arena's map_extra (its user address) is page-aligned");
  const range = BigInt(attrs.maxEntries) * BigInt(S.page);
  if (range > FOUR_GIB) return refuse(E2BIG, 'an arena spans at most 4 GiB');
  if (start / FOUR_GIB !== (start + range - 1n) / FOUR_GIB) return refuse(ERANGE, "an arena's user range may not cross a 4 GiB boundary");
  return undefined;
}

/** Pages that programs allocate through kfuncs, which the VM does not model; element ops the kernel never has. */
export const arenaFamily: MapFamily = {
  check: checkArena,
  create: (attrs, options) => new UnmodelledMap(attrs, options, { nextKey: EOPNOTSUPP, lookup: () => EINVAL, update: () => EOPNOTSUPP, delete: () => EOPNOTSUPP }),
  // arena_map_mem_usage: the kernel charges an arena nothing.
  memlock: () => 0,
};
