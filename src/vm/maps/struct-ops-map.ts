import { MAP_FLAG } from '../../object/kinds.js';
import { EINVAL, EOPNOTSUPP } from './errno.js';
import { refuse, type MapFamily, type Refusal } from './family.js';
import { KERNEL_MAP_STRUCTS as S, pageUp } from './kernel-structs.js';
import { UnmodelledMap } from './unmodelled.js';
import type { MapAttrs } from './types.js';

/** bpf_struct_ops_map_alloc_check: one element under a 4-byte key, only BPF_F_LINK. */
function checkStructOps(attrs: MapAttrs): Refusal | undefined {
  if (attrs.keySize !== 4 || attrs.maxEntries !== 1 || attrs.flags & ~MAP_FLAG.link) {
    return refuse(EINVAL, 'struct_ops maps need key_size 4, max_entries 1 and no flag but BPF_F_LINK');
  }
  return undefined;
}

/**
 * A kernel struct of function pointers filled with programs (tcp_congestion_ops, ...):
 * created and shown; registering it is the kernel's, which the VM does not model.
 */
export const structOpsFamily: MapFamily = {
  check: checkStructOps,
  create: (attrs, options) => new UnmodelledMap(attrs, options, { nextKey: EOPNOTSUPP, lookup: () => EOPNOTSUPP, update: () => EOPNOTSUPP, delete: () => EOPNOTSUPP }),
  // An approximation: the kernel's bpf_struct_ops_map_mem_usage also counts the
  // trampoline image and the program links, which depend on the kernel struct.
  memlock: (attrs) => pageUp(attrs.valueSize) + S.page,
};
