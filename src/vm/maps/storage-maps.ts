import { MAP_FLAG, MAP_TYPE } from '../../object/index.js';
import { PERCPU_VALUE_MAX } from './array.js';
import { E2BIG, EINVAL, ENOENT, ENOTSUPP } from '../../errno.js';
import { ACCESS_MASK, accessFlagsOk, refuse, type MapFamily, type Refusal } from './family.js';
import { UPDATE_FLAG } from './flags.js';
import { bucketCount } from './hash.js';
import { KERNEL_MAP_STRUCTS as S } from './kernel-structs.js';
import { UnmodelledMap, type EmptyMapAnswers } from './unmodelled.js';
import type { MapAttrs } from './types.js';

/**
 * Storage attached to kernel objects: socket, inode, task and cgroup local storage
 * (bpf_local_storage) and the older cgroup storage. Their elements belong to sockets,
 * inodes, tasks and cgroups that programs or fds name, none of which bpfscope has, so
 * they stay empty: created with the kernel's checks and memlock.
 */

/** BPF_LOCAL_STORAGE_MAX_VALUE_SIZE: an element's size must fit a u16. */
const LOCAL_STORAGE_VALUE_MAX = 0xffff - S.bpf_local_storage_elem;
const LOCAL_STORAGE_FLAGS = MAP_FLAG.noPrealloc | MAP_FLAG.clone;
/** sizeof(struct bpf_cgroup_storage_key), and the plain cgroup id key. */
const CGROUP_STORAGE_KEYS = [16, 8];

/** bpf_local_storage_map_alloc_check: int keys, no max_entries, BPF_F_NO_PREALLOC, and BTF for both (for dumps). */
function checkLocalStorage(attrs: MapAttrs): Refusal | undefined {
  if (attrs.flags & ~LOCAL_STORAGE_FLAGS || !(attrs.flags & MAP_FLAG.noPrealloc) || attrs.maxEntries || attrs.keySize !== 4 || !attrs.valueSize || !attrs.btfKeyTypeId || !attrs.btfValueTypeId) {
    return refuse(EINVAL, 'local storage needs key_size 4, a value_size, max_entries 0, BPF_F_NO_PREALLOC and BTF for key and value');
  }
  return attrs.valueSize > LOCAL_STORAGE_VALUE_MAX ? refuse(E2BIG, `local storage values are at most ${LOCAL_STORAGE_VALUE_MAX} bytes`) : undefined;
}

/** cgroup_storage_map_alloc. */
function checkCgroupStorage(attrs: MapAttrs): Refusal | undefined {
  const max = attrs.type === MAP_TYPE.percpuCgroupStorage ? Math.min(LOCAL_STORAGE_VALUE_MAX, PERCPU_VALUE_MAX) : LOCAL_STORAGE_VALUE_MAX;
  if (!CGROUP_STORAGE_KEYS.includes(attrs.keySize)) return refuse(EINVAL, 'cgroup storage keys are a struct bpf_cgroup_storage_key (16 bytes) or a cgroup id (8)');
  if (attrs.valueSize === 0) return refuse(EINVAL, 'cgroup storage needs a value_size');
  if (attrs.valueSize > max) return refuse(E2BIG, `cgroup storage values are at most ${max} bytes`);
  if (attrs.flags & ~(MAP_FLAG.numaNode | ACCESS_MASK) || !accessFlagsOk(attrs.flags)) return refuse(EINVAL, `flags 0x${attrs.flags.toString(16)} are not for cgroup storage`);
  return attrs.maxEntries ? refuse(EINVAL, 'cgroup storage takes max_entries 0 (its size is per cgroup)') : undefined;
}

/** Elements are looked up by an fd (socket, pidfd, cgroup) bpfscope cannot have; no walk. */
const LOCAL_STORAGE_EMPTY: EmptyMapAnswers = { nextKey: ENOTSUPP };

/** cgroup_storage_update_elem takes BPF_EXIST (and BPF_F_LOCK) only, then finds no storage; the per-CPU one takes BPF_ANY or BPF_EXIST. */
const cgroupStorageEmpty = (perCpu: boolean): EmptyMapAnswers => ({
  nextKey: 'end',
  lookup: () => ENOENT,
  delete: () => EINVAL,
  update: (_attrs, flags) => {
    const valid = perCpu ? flags === 0 || flags === UPDATE_FLAG.exist : (flags & ~(UPDATE_FLAG.lock | UPDATE_FLAG.exist)) === 0;
    return valid ? ENOENT : EINVAL;
  },
});

/** bpf_local_storage_map_mem_usage: the map and its buckets, a power of two of the possible CPUs, at least 2; elements are not counted. */
const localStorageMemlock = (_attrs: MapAttrs, cpus: number): number => S.bpf_local_storage_map + S.bpf_local_storage_map_bucket * Math.max(2, bucketCount(cpus));

export const localStorageFamily: MapFamily = {
  check: checkLocalStorage,
  create: (attrs, options) => new UnmodelledMap(attrs, options, LOCAL_STORAGE_EMPTY),
  memlock: localStorageMemlock,
};

export const cgroupStorageFamily: MapFamily = {
  check: checkCgroupStorage,
  create: (attrs, options) => {
    const perCpu = attrs.type === MAP_TYPE.percpuCgroupStorage;
    return new UnmodelledMap(attrs, options, cgroupStorageEmpty(perCpu), perCpu);
  },
  // cgroup_storage_map_usage: the map alone; storages are charged to their cgroups.
  memlock: () => S.bpf_cgroup_storage_map,
};
