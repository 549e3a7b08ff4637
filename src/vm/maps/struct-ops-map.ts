import { MAP_FLAG } from '../../object/index.js';
import { EINVAL, ENOTSUPP } from '../../errno.js';
import { refuse, type MapFamily, type Refusal } from './family.js';
import { KERNEL_MAP_STRUCTS as S } from './kernel-structs.js';
import { UnmodelledMap } from './unmodelled.js';
import type { MapAttrs } from './types.js';

/** bpf_struct_ops_map_alloc_check: a u32 key, one entry, only BPF_F_LINK and BPF_F_VTYPE_BTF_OBJ_FD, and the kernel's value type. */
function checkStructOps(attrs: MapAttrs): Refusal | undefined {
  if (attrs.keySize !== 4 || attrs.maxEntries !== 1 || attrs.flags & ~(MAP_FLAG.link | MAP_FLAG.vtypeBtfObjFd) || !attrs.btfVmlinuxValueTypeId) {
    return refuse(EINVAL, "struct_ops maps need key_size 4, max_entries 1, no flags but BPF_F_LINK and BPF_F_VTYPE_BTF_OBJ_FD, and the kernel's value type");
  }
  return undefined;
}

/**
 * bpf_struct_ops_map_mem_usage: the map with the kernel's value (less its common part),
 * the user's copy of the value, a link and a ksym for each function pointer, and the
 * trampoline page.
 */
function structOpsMemlock(attrs: MapAttrs): number {
  return S.bpf_struct_ops_map + attrs.valueSize - S.bpf_struct_ops_value + attrs.valueSize + 16 * (attrs.structOpsFuncPointers ?? 0) + S.page;
}

/** Registered with programs by fd and attached to the kernel's subsystem: not run here. Its one key walks as the kernel's; freezing is refused. */
export const structOpsFamily: MapFamily = {
  check: checkStructOps,
  create: (attrs, options) => new UnmodelledMap(attrs, options, { nextKey: 'indexes', freeze: ENOTSUPP }),
  memlock: structOpsMemlock,
};
