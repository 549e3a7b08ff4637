import { describe, expect, it } from 'vitest';
import { MAP_FLAG, mapTypeId, mapTypeName } from '../../../src/object/kinds.js';
import type { MapSpec } from '../../../src/object/spec.js';
import * as errno from '../../../src/errno.js';
import { checkMapAttrs, createMap, createMapFromSpec, MapCreateError, vmMapTypes, type MapAttrs } from '../../../src/vm/maps/index.js';
import { attrs, num, u32 } from './util.js';

const { E2BIG, EBADF, EINVAL, ENOMEM, ENOTSUPP, EPERM, EACCES, ERANGE } = errno;
/** Key and value types, as an object with BTF gives them. */
const BTF = { btfKeyTypeId: 1, btfValueTypeId: 2 };

function refusal(a: MapAttrs, cpus = 1): number | undefined {
  return checkMapAttrs(a, { cpus })?.errno;
}

describe('createMap', () => {
  it('knows every map type of Linux 6.18', () => {
    expect(vmMapTypes().map(mapTypeName)).toEqual([
      'hash', 'array', 'prog_array', 'perf_event_array', 'percpu_hash', 'percpu_array', 'stack_trace', 'cgroup_array', 'lru_hash', 'lru_percpu_hash',
      'lpm_trie', 'array_of_maps', 'hash_of_maps', 'devmap', 'sockmap', 'cpumap', 'xskmap', 'sockhash', 'cgroup_storage', 'reuseport_sockarray',
      'percpu_cgroup_storage', 'queue', 'stack', 'sk_storage', 'devmap_hash', 'struct_ops', 'ringbuf', 'inode_storage', 'task_storage', 'bloom_filter',
      'user_ringbuf', 'cgrp_storage', 'arena',
    ]);
  });

  it('throws MapCreateError with the errno', () => {
    try {
      createMap(attrs('hash', 0, 4, 1));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MapCreateError);
      expect((e as MapCreateError).errno).toBe(EINVAL);
      expect((e as MapCreateError).code).toBe('EINVAL');
      expect((e as Error).message).toMatch(/^map create failed: Invalid argument \(/);
    }
  });

  it('refuses what BPF_MAP_CREATE refuses for every type', () => {
    const cases: [MapAttrs, number | undefined][] = [
      [attrs('array', 4, 4, 1), undefined],
      [attrs('array', 8, 4, 1), -EINVAL],
      [attrs('array', 4, 0, 1), -EINVAL],
      [attrs('array', 4, 4, 0), -EINVAL],
      [attrs('array', 4, 4, 1, { flags: MAP_FLAG.noPrealloc }), -EINVAL],
      [attrs('array', 4, 4, 1, { flags: MAP_FLAG.rdonlyProg | MAP_FLAG.wronlyProg }), -EINVAL],
      [attrs('array', 4, 4, 1, { flags: MAP_FLAG.rdonly | MAP_FLAG.wronly }), -EINVAL],
      [attrs('array', 4, 4, 1, { flags: MAP_FLAG.preserveElems }), -EINVAL],
      [attrs('array', 4, 4, 1, { mapExtra: 1n }), -EINVAL],
      [attrs('percpu_array', 4, 4, 1, { flags: MAP_FLAG.mmapable }), -EINVAL],
      [attrs('percpu_array', 4, 32769, 1), -E2BIG],
      [attrs('percpu_array', 4, 32768, 1), undefined],
      [attrs('hash', 4, 4, 1, { flags: MAP_FLAG.noCommonLru }), -EINVAL],
      [attrs('hash', 4, 4, 1, { flags: MAP_FLAG.mmapable }), -EINVAL],
      [attrs('hash', 4, 4, 1, { flags: MAP_FLAG.noPrealloc | MAP_FLAG.zeroSeed }), undefined],
      [attrs('hash', 0, 4, 1), -EINVAL],
      [attrs('hash', 4, 0, 1), -EINVAL],
      [attrs('hash', 4, 4, 0), -EINVAL],
      [attrs('hash', 4, 4 * 1024 * 1024, 1, { flags: MAP_FLAG.noPrealloc }), -E2BIG],
      [attrs('percpu_hash', 4, 40000, 1), -E2BIG],
      [attrs('percpu_hash', 4, 4, 1, { flags: MAP_FLAG.numaNode }), -EINVAL],
      [attrs('lru_hash', 4, 4, 1, { flags: MAP_FLAG.noPrealloc }), -ENOTSUPP],
      [attrs('lru_hash', 4, 4, 1, { flags: MAP_FLAG.noCommonLru | MAP_FLAG.numaNode }), -EINVAL],
      [attrs('lpm_trie', 8, 4, 1), -EINVAL],
      [attrs('lpm_trie', 8, 4, 1, { flags: MAP_FLAG.noPrealloc }), undefined],
      [attrs('lpm_trie', 4, 4, 1, { flags: MAP_FLAG.noPrealloc }), -EINVAL],
      [attrs('lpm_trie', 261, 4, 1, { flags: MAP_FLAG.noPrealloc }), -EINVAL],
      [attrs('lpm_trie', 260, 4, 1, { flags: MAP_FLAG.noPrealloc }), undefined],
      [attrs('lpm_trie', 8, 0, 1, { flags: MAP_FLAG.noPrealloc }), -EINVAL],
      [attrs('lpm_trie', 8, 4, 0, { flags: MAP_FLAG.noPrealloc }), -EINVAL],
      [attrs('queue', 0, 4, 1), undefined],
      [attrs('queue', 4, 4, 1), -EINVAL],
      [attrs('stack', 0, 0, 1), -EINVAL],
      [attrs('stack', 0, 4, 1, { flags: MAP_FLAG.noPrealloc }), -EINVAL],
      [attrs('queue', 0, 4 * 1024 * 1024 + 1, 1), -E2BIG],
      [attrs('ringbuf', 0, 0, 4096), undefined],
      [attrs('ringbuf', 0, 0, 6144), -EINVAL],
      [attrs('ringbuf', 0, 0, 2048), -EINVAL],
      [attrs('ringbuf', 4, 0, 4096), -EINVAL],
      [attrs('ringbuf', 0, 0, 4096, { flags: MAP_FLAG.rdonlyProg }), -EINVAL],
      [attrs('ringbuf', 0, 0, 2 ** 31), -ENOMEM],
      [attrs('perf_event_array', 4, 4, 1, { flags: MAP_FLAG.preserveElems }), undefined],
      [attrs('perf_event_array', 4, 8, 1), -EINVAL],
      [attrs('prog_array', 4, 4, 1, { flags: MAP_FLAG.rdonlyProg }), -EINVAL],
      [attrs('array_of_maps', 4, 4, 1), -EBADF],
      [attrs('array_of_maps', 4, 4, 1, { inner: attrs('hash_of_maps', 4, 4, 1) }), -EINVAL],
      [attrs('array_of_maps', 4, 4, 1, { inner: attrs('hash', 4, 4, 1) }), undefined],
      [attrs('hash_of_maps', 4, 8, 1, { inner: attrs('hash', 4, 4, 1) }), -EINVAL],
      [attrs('hash_of_maps', 4, 4, 1, { inner: attrs('array', 4, 4, 1) }), undefined],
      [attrs('bloom_filter', 0, 4, 1), undefined],
      [attrs('bloom_filter', 4, 4, 1), -EINVAL],
      [attrs('bloom_filter', 0, 4, 1, { mapExtra: 16n }), -EINVAL],
      [attrs('bloom_filter', 0, 4, 1, { mapExtra: 15n, flags: MAP_FLAG.zeroSeed }), undefined],
      [attrs('bloom_filter', 0, 4, 1, { flags: MAP_FLAG.noPrealloc }), -EINVAL],
      [{ type: 999, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 }, -EINVAL],
      // struct_ops needs the kernel's value type (the object layer finds it in the target BTF).
      [attrs('struct_ops', 4, 4, 1), -EINVAL],
      [attrs('struct_ops', 4, 256, 1, { btfVmlinuxValueTypeId: 7 }), undefined],
      [attrs('struct_ops', 4, 256, 1, { btfVmlinuxValueTypeId: 7, flags: MAP_FLAG.link }), undefined],
      [attrs('struct_ops', 4, 256, 2, { btfVmlinuxValueTypeId: 7 }), -EINVAL],
      [attrs('struct_ops', 8, 256, 1, { btfVmlinuxValueTypeId: 7 }), -EINVAL],
      [attrs('struct_ops', 4, 256, 1, { btfVmlinuxValueTypeId: 7, flags: MAP_FLAG.noPrealloc }), -EINVAL],
      // The types the VM creates but does not run, as Linux 6.18 answered bpftool map create.
      [attrs('stack_trace', 4, 8, 1), undefined],
      [attrs('stack_trace', 4, 12, 10), -EINVAL],
      [attrs('stack_trace', 4, 1024, 10), -EINVAL],
      [attrs('stack_trace', 4, 0, 0), -EINVAL],
      [attrs('stack_trace', 8, 8, 10), -EINVAL],
      [attrs('stack_trace', 4, 8, 10, { flags: MAP_FLAG.noPrealloc }), -EINVAL],
      [attrs('stack_trace', 4, 8, 10, { flags: MAP_FLAG.rdonlyProg }), -EINVAL],
      [attrs('stack_trace', 4, 8, 10, { flags: MAP_FLAG.rdonly }), undefined],
      [attrs('stack_trace', 4, 1016, 10, { flags: MAP_FLAG.stackBuildId }), -EINVAL],
      [attrs('stack_trace', 4, 1024, 10, { flags: MAP_FLAG.stackBuildId }), undefined],
      [attrs('sockmap', 4, 8, 1), undefined],
      [attrs('sockmap', 4, 2, 10), -EINVAL],
      [attrs('sockmap', 4, 4, 0), -EINVAL],
      [attrs('sockmap', 8, 4, 10), -EINVAL],
      [attrs('sockmap', 4, 4, 10, { flags: MAP_FLAG.noPrealloc }), -EINVAL],
      [attrs('sockmap', 4, 4, 10, { flags: MAP_FLAG.rdonlyProg }), -EINVAL],
      [attrs('sockhash', 1, 4, 1), undefined],
      [attrs('sockhash', 512, 4, 10), undefined],
      [attrs('sockhash', 600, 8, 10), -E2BIG],
      [attrs('sockhash', 0, 8, 10), -EINVAL],
      [attrs('sockhash', 4, 8, 0), -EINVAL],
      [attrs('sockhash', 4, 8, 10, { flags: MAP_FLAG.noPrealloc }), -EINVAL],
      [attrs('reuseport_sockarray', 4, 4, 1), undefined],
      [attrs('reuseport_sockarray', 4, 2, 100), -EINVAL],
      [attrs('reuseport_sockarray', 8, 4, 100), -EINVAL],
      [attrs('reuseport_sockarray', 4, 4, 0), -EINVAL],
      [attrs('reuseport_sockarray', 4, 4, 10, { flags: MAP_FLAG.noPrealloc }), -EINVAL],
      [attrs('reuseport_sockarray', 4, 4, 10, { flags: MAP_FLAG.mmapable }), -EINVAL],
      [attrs('reuseport_sockarray', 4, 4, 10, { flags: MAP_FLAG.rdonlyProg }), undefined],
      [attrs('user_ringbuf', 0, 0, 4096), undefined],
      [attrs('user_ringbuf', 0, 0, 6000), -EINVAL],
      [attrs('user_ringbuf', 4, 0, 4096), -EINVAL],
      [attrs('user_ringbuf', 0, 0, 4096, { flags: MAP_FLAG.noPrealloc }), -EINVAL],
      [attrs('user_ringbuf', 0, 0, 4096, { flags: MAP_FLAG.numaNode }), undefined],
      [attrs('cgroup_array', 4, 4, 3), undefined],
      [attrs('cgroup_array', 4, 8, 3), -EINVAL],
      [attrs('cgroup_storage', 8, 8, 0), undefined],
      [attrs('cgroup_storage', 16, 65407, 0), undefined],
      [attrs('cgroup_storage', 16, 65408, 0), -E2BIG],
      [attrs('cgroup_storage', 12, 8, 0), -EINVAL],
      [attrs('cgroup_storage', 8, 8, 1), -EINVAL],
      [attrs('cgroup_storage', 8, 0, 0), -EINVAL],
      [attrs('cgroup_storage', 8, 8, 0, { flags: MAP_FLAG.noPrealloc }), -EINVAL],
      [attrs('cgroup_storage', 8, 8, 0, { flags: MAP_FLAG.rdonlyProg }), undefined],
      [attrs('percpu_cgroup_storage', 8, 32768, 0), undefined],
      [attrs('percpu_cgroup_storage', 8, 32769, 0), -E2BIG],
      // Local storage needs BTF, which bpftool map create cannot give.
      [attrs('sk_storage', 4, 8, 0, { flags: MAP_FLAG.noPrealloc }), -EINVAL],
      [attrs('task_storage', 4, 8, 0, { flags: MAP_FLAG.noPrealloc }), -EINVAL],
      [attrs('sk_storage', 4, 8, 0, { flags: MAP_FLAG.noPrealloc, ...BTF }), undefined],
      [attrs('inode_storage', 4, 65407, 0, { flags: MAP_FLAG.noPrealloc | MAP_FLAG.clone, ...BTF }), undefined],
      [attrs('cgrp_storage', 4, 65408, 0, { flags: MAP_FLAG.noPrealloc, ...BTF }), -E2BIG],
      [attrs('sk_storage', 4, 8, 0, BTF), -EINVAL],
      [attrs('sk_storage', 4, 8, 1, { flags: MAP_FLAG.noPrealloc, ...BTF }), -EINVAL],
      [attrs('sk_storage', 8, 8, 0, { flags: MAP_FLAG.noPrealloc, ...BTF }), -EINVAL],
      [attrs('task_storage', 4, 8, 0, { flags: MAP_FLAG.noPrealloc, btfKeyTypeId: 1 }), -EINVAL],
      // BTF for types whose map_check_btf is map_check_no_btf.
      [attrs('prog_array', 4, 4, 1, BTF), -ENOTSUPP],
      [attrs('array', 4, 4, 1, BTF), undefined],
      // arena_map_alloc's checks.
      [attrs('arena', 0, 0, 10, { flags: MAP_FLAG.mmapable }), undefined],
      [attrs('arena', 0, 0, 10), -EINVAL],
      [attrs('arena', 0, 8, 10, { flags: MAP_FLAG.mmapable }), -EINVAL],
      [attrs('arena', 0, 0, 10, { flags: MAP_FLAG.mmapable, mapExtra: 4097n }), -EINVAL],
      [attrs('arena', 0, 0, 2 ** 20 + 1, { flags: MAP_FLAG.mmapable }), -E2BIG],
      [attrs('arena', 0, 0, 2, { flags: MAP_FLAG.mmapable, mapExtra: 2n ** 32n - 4096n }), -ERANGE],
      // The redirect maps, as Linux 6.18 answered bpftool map create.
      [attrs('devmap', 4, 4, 1), undefined],
      [attrs('devmap_hash', 4, 8, 1), undefined],
      [attrs('devmap', 4, 5, 1), -EINVAL],
      [attrs('devmap', 4, 4, 1, { flags: MAP_FLAG.rdonlyProg }), -EINVAL],
      [attrs('cpumap', 4, 4, 256), undefined],
      [attrs('cpumap', 4, 4, 257), -E2BIG],
      [attrs('cpumap', 4, 8, 4, { flags: MAP_FLAG.rdonlyProg }), -EINVAL],
      [attrs('xskmap', 4, 8, 4), -EINVAL],
    ];
    for (const [a, want] of cases) expect(refusal(a), `${mapTypeName(a.type)} ${JSON.stringify(a, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`).toBe(want);
  });

  it('refuses preallocations past the memory limit with -ENOMEM', () => {
    expect(checkMapAttrs(attrs('array', 4, 8, 1000), { memoryLimit: 4096 })?.errno).toBe(-ENOMEM);
    expect(checkMapAttrs(attrs('array', 4, 8, 100), { memoryLimit: 4096 })).toBeUndefined();
    // Hashes allocate their buckets (16 bytes each) up front, preallocated or not.
    expect(checkMapAttrs(attrs('hash', 4, 8, 1000, { flags: MAP_FLAG.noPrealloc }), { memoryLimit: 16384 })).toBeUndefined();
    expect(checkMapAttrs(attrs('hash', 4, 8, 1000, { flags: MAP_FLAG.noPrealloc }), { memoryLimit: 16383 })?.errno).toBe(-ENOMEM);
    expect(checkMapAttrs(attrs('hash', 4, 8, 1000), { memoryLimit: 16384 })?.errno).toBe(-ENOMEM);
    expect(checkMapAttrs(attrs('hash', 4, 4, 2 ** 27 + 1, { flags: MAP_FLAG.noPrealloc }))?.errno).toBe(-E2BIG);
    expect(() => createMap(attrs('array', 4, 4, 1), { cpus: 0 })).toThrow(RangeError);
  });
});

function spec(over: Partial<MapSpec>): MapSpec {
  return {
    name: 'm', origin: 'btf', sectionName: '.maps', type: mapTypeId('array')!, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0,
    numaNode: 0, pinning: 0, mapExtra: 0n, btfKeyTypeId: 0, btfValueTypeId: 0, initialSlots: [], ...over,
  };
}

describe('createMapFromSpec (global data and initialisers, as libbpf loads them)', () => {
  it('writes .data and leaves it writable from both sides', () => {
    const m = createMapFromSpec(spec({ origin: 'data', sectionName: '.data', valueSize: 4, flags: MAP_FLAG.mmapable, initialData: u32(0x01020304) }));
    expect(num(m.lookup(u32(0))!)).toBe(0x01020304);
    expect(m.frozen).toBe(false);
    expect(m.programAccess).toBe('rw');
    expect(m.sysUpdate(u32(0), u32(5))).toBe(0);
  });

  it('freezes .rodata after writing it: read-only to programs, and to the syscall from then on', () => {
    const m = createMapFromSpec(spec({ origin: 'rodata', sectionName: '.rodata', valueSize: 4, flags: MAP_FLAG.rdonlyProg | MAP_FLAG.mmapable, initialData: u32(42) }));
    expect(m.frozen).toBe(true);
    expect(m.programAccess).toBe('r');
    expect(num(m.lookup(u32(0))!)).toBe(42);
    expect(m.sysUpdate(u32(0), u32(1))).toBe(-EPERM);
    expect(m.update(u32(0), u32(1))).toBe(-EACCES);
    expect(num(m.sysLookup(u32(0)))).toBe(42);
  });

  it('fills prog arrays from their initialisers by name', () => {
    const ids: Record<string, number> = { tail: 7 };
    const m = createMapFromSpec(spec({ type: mapTypeId('prog_array')!, maxEntries: 4, initialSlots: [{ index: 2, target: 'tail' }] }), {}, (n) => ids[n]);
    expect(num(m.sysLookup(u32(2)))).toBe(7);
    expect(() => createMapFromSpec(spec({ type: mapTypeId('prog_array')!, maxEntries: 4, initialSlots: [{ index: 2, target: 'nope' }] }), {}, (n) => ids[n])).toThrow(MapCreateError);
  });
});
