import { MAP_FLAG } from '../../object/index.js';
import { readU32 } from './bytes.js';
import { E2BIG, EINVAL, ENOENT } from '../../errno.js';
import { checkMemory, refuse, type MapFamily, type Refusal } from './family.js';
import { bucketCount } from './hash.js';
import { KERNEL_MAP_STRUCTS as S } from './kernel-structs.js';
import { UnmodelledMap, type EmptyMapAnswers } from './unmodelled.js';
import type { MapAttrs, ResolvedOptions } from './types.js';

const STACK_FLAGS = MAP_FLAG.numaNode | MAP_FLAG.rdonly | MAP_FLAG.wronly | MAP_FLAG.stackBuildId;
/** sysctl kernel.perf_event_max_stack, as a kernel boots (PERF_MAX_STACK_DEPTH). */
const PERF_MAX_STACK = 127;
/** sizeof(struct bpf_stack_build_id): a build id, its status and an offset. */
const BUILD_ID_ENTRY = 32;

/** stack_map_alloc's checks: u32 keys, values of whole 8-byte frames (or build-id entries), at most the stack depth. */
function checkStackTrace(attrs: MapAttrs, options: ResolvedOptions): Refusal | undefined {
  const value = attrs.valueSize;
  if (attrs.flags & ~STACK_FLAGS) return refuse(EINVAL, `flags 0x${attrs.flags.toString(16)} are not for stack traces`);
  if (attrs.maxEntries === 0 || attrs.keySize !== 4 || value < 8 || value % 8) return refuse(EINVAL, 'stack traces need key_size 4, max_entries, and a value_size that is a multiple of 8');
  if (attrs.flags & MAP_FLAG.stackBuildId) {
    if (value % BUILD_ID_ENTRY) return refuse(EINVAL, `build-id stack traces need a value_size that is a multiple of ${BUILD_ID_ENTRY}`);
  } else if (value / 8 > PERF_MAX_STACK) return refuse(EINVAL, `a stack trace holds at most ${PERF_MAX_STACK} frames (kernel.perf_event_max_stack)`);
  if (attrs.maxEntries > 2 ** 31) return refuse(E2BIG, 'more than 2^31 entries');
  return checkMemory(8 * bucketCount(attrs.maxEntries) + attrs.maxEntries * (S.stack_map_bucket + value), options, 'the buckets and preallocated traces');
}

/** An empty stack map: no trace under any id; programs fill it, user space cannot (update is -EINVAL). */
const EMPTY: EmptyMapAnswers = {
  nextKey: 'end',
  lookup: () => ENOENT,
  delete: (attrs, key, le) => (readU32(key, le) < bucketCount(attrs.maxEntries) ? ENOENT : E2BIG),
  update: () => EINVAL,
  lookupAndDelete: ENOENT,
};

export const stackTraceFamily: MapFamily = {
  check: checkStackTrace,
  create: (attrs, options) => new UnmodelledMap(attrs, options, EMPTY),
  // stack_map_mem_usage: the map, a bucket pointer each, and every preallocated trace.
  memlock: (attrs) => S.bpf_stack_map + 8 * bucketCount(attrs.maxEntries) + attrs.maxEntries * (S.stack_map_bucket + attrs.valueSize),
  libbpfOmitsBtf: true,
};
