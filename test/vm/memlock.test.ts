import { describe, expect, it } from 'vitest';
import { MAP_FLAG } from '../../src/object/kinds.js';
import { mapMemlock, memlockCountsElements } from '../../src/vm/memlock.js';
import { attrs } from './maps/util.js';

/**
 * memlock of the map types the VM creates but does not run, as Linux 6.18 (x86-64, two
 * possible CPUs) reported them to `bpftool map show` for maps made with `bpftool map
 * create` and `prog loadall ... pinmaps` (test/cli/unmodelled.test.ts compares them live).
 */
const BTF = { btfKeyTypeId: 1, btfValueTypeId: 2 };
const CASES: [string, Parameters<typeof attrs>, number][] = [
  ['stack_trace, 1 entry', ['stack_trace', 4, 8, 1], 352],
  ['stack_trace, 1000 entries', ['stack_trace', 4, 16, 1000], 40512],
  ['stack_trace, 100 entries of 127 frames', ['stack_trace', 4, 1016, 100], 104544],
  ['stack_trace with build ids', ['stack_trace', 4, 32, 10, { flags: MAP_FLAG.stackBuildId }], 928],
  ['sockmap, 1 entry', ['sockmap', 4, 8, 1], 384],
  ['sockmap, 1000 entries', ['sockmap', 4, 4, 1000], 8376],
  ['sockhash, 1 entry', ['sockhash', 1, 4, 1], 400],
  ['sockhash, 17 entries', ['sockhash', 12, 8, 17], 896],
  ['sockhash, 1000 entries', ['sockhash', 100, 8, 1000], 16768],
  ['reuseport_sockarray, 1 entry', ['reuseport_sockarray', 4, 4, 1], 304],
  ['reuseport_sockarray, 100 entries', ['reuseport_sockarray', 4, 8, 100], 1096],
  ['user_ringbuf, one page', ['user_ringbuf', 0, 0, 4096], 16728],
  ['user_ringbuf, 16 pages', ['user_ringbuf', 0, 0, 65536], 78408],
  ['cgroup_array', ['cgroup_array', 4, 4, 3], 336],
  ['cgroup_storage', ['cgroup_storage', 16, 4096, 0], 328],
  ['percpu_cgroup_storage', ['percpu_cgroup_storage', 8, 32768, 0], 328],
  ['sk_storage', ['sk_storage', 4, 16, 0, { flags: MAP_FLAG.noPrealloc, ...BTF }], 512],
  ['task_storage', ['task_storage', 4, 8, 0, { flags: MAP_FLAG.noPrealloc, ...BTF }], 512],
  ['inode_storage', ['inode_storage', 4, 4, 0, { flags: MAP_FLAG.noPrealloc, ...BTF }], 512],
  ['cgrp_storage', ['cgrp_storage', 4, 100, 0, { flags: MAP_FLAG.noPrealloc, ...BTF }], 512],
];

describe('memlock of the types the VM does not run', () => {
  it.each(CASES)('%s', (_what, a, want) => {
    expect(mapMemlock(attrs(...a), 2)).toBe(want);
    expect(memlockCountsElements(attrs(...a))).toBe(false);
  });

  it('struct_ops: tcp_congestion_ops (a 256-byte value, 13 function pointers), as test/object/legacy/tcp_cc.c loaded', () => {
    expect(mapMemlock(attrs('struct_ops', 4, 256, 1, { btfVmlinuxValueTypeId: 43184, structOpsFuncPointers: 13 }), 2)).toBe(5264);
  });

  it('an arena charges nothing (arena_map_mem_usage)', () => {
    expect(mapMemlock(attrs('arena', 0, 0, 10, { flags: MAP_FLAG.mmapable }), 2)).toBe(0);
  });
});
