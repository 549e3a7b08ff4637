import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAP_FLAG, mapTypeId, type MapTypeName } from '../../../src/object/kinds.js';
import { checkMapAttrs, createMap, type MapAttrs, type SlotResolver, type VmMap } from '../../../src/vm/maps/index.js';
import { round8 } from '../../../src/vm/maps/bytes.js';
import { skipReason } from '../../helpers/env.js';
import { KernelMap, kernelMissing, onlineCpus, possibleCpus, withKernelMaps, type KernelMapAttrs } from './kernel.js';

/**
 * The same operations on a VM map and on a real one (Linux, through bpftool 7.1 on
 * CPU 0), compared result by result: errnos, values, keys and their order. What is
 * compared is what the kernel promises: a hash's key order depends on a random seed,
 * so its keys compare as sets; an LRU map's survivors are compared after every update.
 */

const reason = kernelMissing;
const cpus = reason ? 1 : possibleCpus();

type Flag = 'any' | 'exist' | 'noexist';
type Op =
  /** With a CPU: run there (the VM takes it as a program-side update on that CPU, the same path for lru_hash). */
  | ['update', number[] | undefined, number[], Flag?, number?]
  | ['lookup', number[] | undefined]
  | ['delete', number[]]
  | ['getnext', number[] | undefined]
  | ['push', number[]]
  | ['pop']
  | ['peek']
  | ['freeze']
  /** Every key get_next_key walks: in order, or as a set (`sorted`). */
  | ['keys', 'ordered' | 'sorted'];

const FLAG: Record<Flag, number> = { any: 0, noexist: 1, exist: 2 };

function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** A result as text: an errno, a value, or one value per CPU. */
function show(r: Uint8Array | Uint8Array[] | number): string {
  if (typeof r === 'number') return `errno ${r}`;
  if (Array.isArray(r)) return r.map(hex).join(' | ');
  return hex(r);
}

function vmOp(m: VmMap, op: Op): string {
  const stride = round8(m.valueSize);
  const perCpuValue = (v: number[]): Uint8Array => {
    // bpftool copies the value it is given to every CPU.
    const out = new Uint8Array(stride * m.cpus);
    for (let c = 0; c < m.cpus; c++) out.set(v, c * stride);
    return out;
  };
  const key = (k: number[] | undefined): Uint8Array | undefined => (k ? Uint8Array.from(k) : undefined);
  switch (op[0]) {
    case 'update':
      if (op[4] !== undefined) return show(m.update(key(op[1])!, Uint8Array.from(op[2]), FLAG[op[3] ?? 'any'], op[4]));
      return show(m.sysUpdate(key(op[1]), m.perCpu ? perCpuValue(op[2]) : Uint8Array.from(op[2]), FLAG[op[3] ?? 'any']));
    case 'lookup': {
      const r = m.sysLookup(key(op[1]));
      if (typeof r === 'number' || !m.perCpu) return show(r);
      return show(Array.from({ length: m.cpus }, (_, c) => r.subarray(c * stride, c * stride + m.valueSize)));
    }
    case 'delete':
      return show(m.sysDelete(key(op[1])));
    case 'getnext':
      return show(m.sysGetNextKey(key(op[1])));
    case 'push':
      return show(m.sysUpdate(undefined, Uint8Array.from(op[1]), 0));
    case 'pop':
      return show(m.sysLookupAndDelete(undefined));
    case 'peek':
      return show(m.sysLookup(undefined));
    case 'freeze':
      return show(m.freeze());
    case 'keys': {
      const keys: string[] = [];
      for (let k = m.sysGetNextKey(undefined); typeof k !== 'number'; k = m.sysGetNextKey(k)) keys.push(hex(k));
      return (op[1] === 'sorted' ? keys.sort() : keys).join(', ');
    }
  }
}

function kernelOp(k: KernelMap, op: Op): string {
  const key = (b: number[] | undefined): Uint8Array | undefined => (b ? Uint8Array.from(b) : undefined);
  switch (op[0]) {
    case 'update':
      return show(k.update(key(op[1]), Uint8Array.from(op[2]), op[3] ?? 'any', op[4]));
    case 'lookup':
      return show(k.lookup(key(op[1])));
    case 'delete':
      return show(k.delete(key(op[1])));
    case 'getnext':
      return show(k.getnext(key(op[1])));
    case 'push':
      return show(k.push(Uint8Array.from(op[1])));
    case 'pop':
      return show(k.pop());
    case 'peek':
      return show(k.peek());
    case 'freeze':
      return show(k.freeze());
    case 'keys': {
      const keys = k.keys().map(hex);
      return (op[1] === 'sorted' ? keys.sort() : keys).join(', ');
    }
  }
}

function attrsOf(a: KernelMapAttrs): MapAttrs {
  return { type: mapTypeId(a.type)!, keySize: a.key, valueSize: a.value, maxEntries: a.entries, flags: a.flags ?? 0 };
}

/** Runs the ops on both maps; returns the lines that differ ("op: vm ≠ kernel"). */
function compare(a: KernelMapAttrs, ops: Op[], resolve?: SlotResolver): string[] {
  return withKernelMaps((make) => {
    const k = make(a);
    const vm = createMap(attrsOf(a), { cpus, resolve });
    const diffs: string[] = [];
    for (const op of ops) {
      const mine = vmOp(vm, op);
      const theirs = kernelOp(k, op);
      if (mine !== theirs) diffs.push(`${JSON.stringify(op)}: vm ${mine} ≠ kernel ${theirs}`);
    }
    return diffs;
  });
}

const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];

function lpm(prefixlen: number, a: string): number[] {
  return [...u32(prefixlen), ...a.split('.').map(Number)];
}

describe('maps against the kernel', () => {
  it('creation: the same attributes refused with the same errno', (ctx) => {
    if (skipReason(reason, 'map creation against the kernel')) return ctx.skip();
    const np = MAP_FLAG.noPrealloc;
    const cases: [MapTypeName, number, number, number, number][] = [
      ['array', 4, 4, 1, 0], ['array', 8, 4, 1, 0], ['array', 4, 0, 1, 0], ['array', 4, 4, 0, 0], ['array', 4, 4, 1, np],
      ['array', 4, 4, 1, MAP_FLAG.mmapable], ['percpu_array', 4, 4, 1, MAP_FLAG.mmapable], ['array', 4, 4, 1, MAP_FLAG.preserveElems],
      ['array', 4, 4, 1, MAP_FLAG.rdonlyProg | MAP_FLAG.wronlyProg], ['percpu_array', 4, 32769, 1, 0],
      ['hash', 4, 4, 1, 0], ['hash', 0, 4, 1, 0], ['hash', 4, 0, 1, 0], ['hash', 4, 4, 1, MAP_FLAG.noCommonLru], ['hash', 4, 4, 1, 0x2000],
      ['percpu_hash', 4, 40000, 1, 0], ['lru_hash', 4, 4, 1, np], ['lru_hash', 4, 4, 1, MAP_FLAG.noCommonLru],
      ['lpm_trie', 8, 4, 1, 0], ['lpm_trie', 8, 4, 1, np], ['lpm_trie', 4, 4, 1, np], ['lpm_trie', 261, 4, 1, np], ['lpm_trie', 8, 4, 0, np],
      ['queue', 0, 4, 1, 0], ['queue', 4, 4, 1, 0], ['stack', 0, 0, 1, 0], ['stack', 0, 4, 1, np],
      ['ringbuf', 0, 0, 4096, 0], ['ringbuf', 0, 0, 6144, 0], ['ringbuf', 0, 0, 2048, 0], ['ringbuf', 4, 0, 4096, 0],
      ['perf_event_array', 4, 4, 2, 0], ['perf_event_array', 4, 8, 2, 0], ['perf_event_array', 4, 4, 2, MAP_FLAG.preserveElems],
      ['prog_array', 4, 4, 2, 0], ['prog_array', 4, 4, 2, MAP_FLAG.rdonlyProg], ['prog_array', 8, 4, 2, 0],
      ['bloom_filter', 0, 4, 1, 0], ['bloom_filter', 4, 4, 1, 0], ['bloom_filter', 0, 4, 1, np], ['bloom_filter', 0, 4, 1, MAP_FLAG.zeroSeed],
      // Types the VM creates but does not run.
      ['stack_trace', 4, 8, 1, 0], ['stack_trace', 4, 12, 10, 0], ['stack_trace', 4, 1024, 10, 0], ['stack_trace', 8, 8, 10, 0], ['stack_trace', 4, 8, 0, 0],
      ['stack_trace', 4, 8, 10, np], ['stack_trace', 4, 8, 10, MAP_FLAG.rdonlyProg], ['stack_trace', 4, 1016, 10, MAP_FLAG.stackBuildId], ['stack_trace', 4, 1024, 10, MAP_FLAG.stackBuildId],
      ['sockmap', 4, 8, 1, 0], ['sockmap', 4, 2, 10, 0], ['sockmap', 4, 4, 0, 0], ['sockmap', 8, 4, 10, 0], ['sockmap', 4, 4, 10, np], ['sockmap', 4, 4, 10, MAP_FLAG.rdonlyProg],
      ['sockhash', 1, 4, 1, 0], ['sockhash', 512, 4, 10, 0], ['sockhash', 513, 8, 10, 0], ['sockhash', 0, 8, 10, 0], ['sockhash', 4, 8, 0, 0], ['sockhash', 4, 8, 10, np],
      ['reuseport_sockarray', 4, 4, 1, 0], ['reuseport_sockarray', 4, 2, 10, 0], ['reuseport_sockarray', 8, 4, 10, 0], ['reuseport_sockarray', 4, 4, 10, MAP_FLAG.mmapable],
      ['reuseport_sockarray', 4, 4, 10, MAP_FLAG.rdonlyProg],
      ['user_ringbuf', 0, 0, 4096, 0], ['user_ringbuf', 0, 0, 6000, 0], ['user_ringbuf', 4, 0, 4096, 0], ['user_ringbuf', 0, 0, 4096, np],
      ['cgroup_array', 4, 4, 3, 0], ['cgroup_array', 4, 8, 3, 0], ['cgroup_array', 4, 4, 3, MAP_FLAG.rdonlyProg],
      ['cgroup_storage', 8, 8, 0, 0], ['cgroup_storage', 16, 65407, 0, 0], ['cgroup_storage', 16, 65408, 0, 0], ['cgroup_storage', 12, 8, 0, 0], ['cgroup_storage', 8, 8, 1, 0],
      ['cgroup_storage', 8, 0, 0, 0], ['cgroup_storage', 8, 8, 0, np], ['cgroup_storage', 8, 8, 0, MAP_FLAG.rdonlyProg],
      ['percpu_cgroup_storage', 8, 32768, 0, 0], ['percpu_cgroup_storage', 8, 32769, 0, 0],
      // Local storage needs BTF, which bpftool map create cannot give.
      ['sk_storage', 4, 8, 0, np], ['task_storage', 4, 8, 0, np], ['inode_storage', 4, 8, 0, np],
      // struct_ops needs the kernel's value type, which bpftool map create cannot give.
      ['struct_ops', 4, 8, 1, 0],
    ];
    const diffs: string[] = [];
    for (const [type, key, value, entries, flags] of cases) {
      const k = KernelMap.create({ type, key, value, entries, flags });
      const theirs = typeof k === 'number' ? k : 0;
      if (typeof k !== 'number') k.remove();
      const mine = checkMapAttrs({ type: mapTypeId(type)!, keySize: key, valueSize: value, maxEntries: entries, flags }, { cpus })?.errno ?? 0;
      if (mine !== theirs) diffs.push(`${type} key ${key} value ${value} entries ${entries} flags 0x${flags.toString(16)}: vm ${mine} ≠ kernel ${theirs}`);
    }
    expect(diffs).toEqual([]);
  });

  it('array: -E2BIG, -ENOENT, -EEXIST, delete -EINVAL, key walk, freeze', (ctx) => {
    if (skipReason(reason, 'array against the kernel')) return ctx.skip();
    expect(compare({ type: 'array', key: 4, value: 4, entries: 3 }, [
      ['update', u32(1), u32(7)], ['update', u32(3), u32(7)], ['update', u32(1), u32(8), 'noexist'], ['update', u32(2), u32(9), 'exist'],
      ['lookup', u32(1)], ['lookup', u32(2)], ['lookup', u32(0)], ['lookup', u32(3)], ['delete', u32(1)], ['delete', u32(7)],
      ['getnext', undefined], ['getnext', u32(0)], ['getnext', u32(2)], ['getnext', u32(99)], ['keys', 'ordered'],
      ['freeze'], ['freeze'], ['update', u32(0), u32(1)], ['delete', u32(0)], ['lookup', u32(1)], ['getnext', u32(1)],
    ])).toEqual([]);
  });

  it('per-CPU array and hash: every CPU written from the syscall side, read back per CPU', (ctx) => {
    if (skipReason(reason, 'per-CPU maps against the kernel')) return ctx.skip();
    expect(compare({ type: 'percpu_array', key: 4, value: 4, entries: 2 }, [
      ['lookup', u32(0)], ['update', u32(1), u32(0x0a0b0c0d)], ['lookup', u32(1)], ['update', u32(2), u32(1)], ['update', u32(0), u32(1), 'noexist'], ['lookup', u32(2)],
    ])).toEqual([]);
    expect(compare({ type: 'percpu_hash', key: 4, value: 6, entries: 2 }, [
      ['update', u32(1), [1, 2, 3, 4, 5, 6]], ['lookup', u32(1)], ['update', u32(2), [6, 5, 4, 3, 2, 1], 'exist'], ['update', u32(2), [6, 5, 4, 3, 2, 1]],
      ['update', u32(3), [1, 1, 1, 1, 1, 1]], ['update', u32(1), [9, 9, 9, 9, 9, 9], 'noexist'], ['lookup', u32(2)], ['keys', 'sorted'],
    ])).toEqual([]);
  });

  it('hash: -E2BIG when full, BPF_NOEXIST/BPF_EXIST, delete, and the get_next_key protocol', (ctx) => {
    if (skipReason(reason, 'hash against the kernel')) return ctx.skip();
    expect(compare({ type: 'hash', key: 4, value: 8, entries: 2 }, [
      ['lookup', u32(1)], ['delete', u32(1)], ['getnext', undefined], ['update', u32(1), [1, 0, 0, 0, 0, 0, 0, 0], 'exist'],
      ['update', u32(1), [1, 0, 0, 0, 0, 0, 0, 0], 'noexist'], ['update', u32(1), [2, 0, 0, 0, 0, 0, 0, 0], 'noexist'],
      ['update', u32(2), [2, 0, 0, 0, 0, 0, 0, 0]], ['update', u32(3), [3, 0, 0, 0, 0, 0, 0, 0]], ['update', u32(2), [4, 0, 0, 0, 0, 0, 0, 0], 'exist'],
      ['lookup', u32(2)], ['lookup', u32(3)], ['keys', 'sorted'], ['delete', u32(1)], ['delete', u32(1)], ['update', u32(3), [3, 0, 0, 0, 0, 0, 0, 0]], ['keys', 'sorted'],
    ])).toEqual([]);
    // The walk's protocol (not its order): from an unknown key it starts over, from the last it ends.
    withKernelMaps((make) => {
      const k = make({ type: 'hash', key: 4, value: 4, entries: 4 });
      for (const x of [1, 2, 3]) k.update(Uint8Array.from(u32(x)), Uint8Array.from(u32(x)));
      const keys = k.keys();
      expect(hex(k.getnext(Uint8Array.from(u32(99))) as Uint8Array)).toBe(hex(keys[0]!));
      expect(k.getnext(keys[2])).toBe(-2);
    });
  });

  it('hash with BPF_F_ZERO_SEED: the get_next_key order of the kernel (buckets by jhash, newest first)', (ctx) => {
    if (skipReason(reason, 'hash order against the kernel')) return ctx.skip();
    const zs = MAP_FLAG.zeroSeed;
    const key = (n: number, size: number): number[] => Array.from({ length: size }, (_, i) => (n * (i + 7) * 131) & 0xff);
    for (const [type, size] of [['hash', 4], ['hash', 3], ['hash', 6], ['hash', 12], ['hash', 13], ['lru_hash', 4], ['percpu_hash', 4]] as const) {
      const ops: Op[] = [];
      for (let i = 0; i < 20; i++) ops.push(['update', key(i, size), u32(i)]);
      ops.push(['keys', 'ordered']);
      for (const i of [3, 0, 17]) ops.push(['update', key(i, size), u32(100 + i)], ['keys', 'ordered']);
      for (const i of [5, 19, 6]) ops.push(['delete', key(i, size)], ['keys', 'ordered']);
      ops.push(['getnext', key(4, size)], ['getnext', key(99, size)]);
      expect(compare({ type, key: size, value: 4, entries: 24, flags: zs }, ops), `${type} key ${size}`).toEqual([]);
    }
  });

  /** A fixed pseudo-random walk over `keys` keys with every flag, deletes among the updates, on `cpus` CPUs. */
  function lruWalk(steps: number, keys: number, cpus: number, seed: number): Op[] {
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 16) % n;
    };
    const ops: Op[] = [];
    for (let i = 0; i < steps; i++) {
      const key = u32(rand(keys));
      const r = rand(10);
      const cpu = cpus > 1 ? rand(cpus) : undefined;
      if (r === 0) ops.push(['delete', key]);
      else ops.push(['update', key, u32(i), r === 1 ? 'noexist' : r === 2 ? 'exist' : 'any', cpu]);
      ops.push(['keys', 'sorted']);
    }
    return ops;
  }

  it('lru_hash: the same survivors after every update (one CPU; batches of target_free)', (ctx) => {
    if (skipReason(reason, 'LRU against the kernel')) return ctx.skip();
    expect(compare({ type: 'lru_hash', key: 4, value: 4, entries: 4 }, lruWalk(40, 10, 1, 12345))).toEqual([]);
    expect(compare({ type: 'lru_hash', key: 4, value: 4, entries: 16 }, lruWalk(60, 30, 1, 777))).toEqual([]);
    expect(compare({ type: 'lru_percpu_hash', key: 4, value: 4, entries: 4 }, lruWalk(30, 10, 1, 999))).toEqual([]);
  });

  it('lru_hash: the same survivors with updates spread over CPUs (local lists, stealing, per-CPU lists)', (ctx) => {
    const cpusHere = reason ? 0 : Math.min(onlineCpus(), cpus);
    if (skipReason(reason ?? (cpusHere < 2 ? 'needs 2 online CPUs and taskset' : undefined), 'LRU on several CPUs against the kernel')) return ctx.skip();
    expect(compare({ type: 'lru_hash', key: 4, value: 4, entries: 4 }, lruWalk(40, 10, cpusHere, 4242))).toEqual([]);
    expect(compare({ type: 'lru_hash', key: 4, value: 4, entries: 6, flags: MAP_FLAG.noCommonLru }, lruWalk(40, 10, cpusHere, 31337))).toEqual([]);
  });

  it('lpm_trie: longest-prefix lookups, flags, -ENOSPC, deletes, and the key order', (ctx) => {
    if (skipReason(reason, 'LPM trie against the kernel')) return ctx.skip();
    expect(compare({ type: 'lpm_trie', key: 8, value: 4, entries: 5, flags: MAP_FLAG.noPrealloc }, [
      ['update', lpm(16, '192.168.0.0'), u32(1)], ['update', lpm(24, '192.168.0.0'), u32(2)], ['update', lpm(24, '192.168.128.0'), u32(3)],
      ['update', lpm(24, '192.168.1.0'), u32(5)], ['keys', 'ordered'],
      ['lookup', lpm(32, '192.168.0.9')], ['lookup', lpm(32, '192.168.1.9')], ['lookup', lpm(32, '192.168.129.9')], ['lookup', lpm(32, '192.168.200.9')],
      ['lookup', lpm(32, '10.0.0.1')], ['lookup', lpm(20, '192.168.1.9')], ['lookup', lpm(33, '192.168.1.9')],
      ['update', lpm(24, '192.168.1.0'), u32(6), 'noexist'], ['update', lpm(24, '192.168.9.0'), u32(6), 'exist'], ['update', lpm(33, '1.1.1.1'), u32(6)],
      ['update', lpm(23, '192.168.0.0'), u32(7)], ['update', lpm(8, '10.0.0.0'), u32(8)], ['update', lpm(24, '192.168.1.0'), u32(9)], ['keys', 'ordered'],
      ['getnext', lpm(24, '192.168.1.0')], ['getnext', lpm(16, '192.168.0.0')], ['getnext', lpm(40, '1.1.1.1')], ['getnext', lpm(8, '10.0.0.0')],
      ['delete', lpm(24, '192.168.2.0')], ['delete', lpm(23, '192.168.0.0')], ['delete', lpm(16, '192.168.0.0')], ['delete', lpm(33, '1.1.1.1')],
      ['lookup', lpm(32, '192.168.200.9')], ['keys', 'ordered'], ['delete', lpm(24, '192.168.0.0')], ['keys', 'ordered'], ['lookup', lpm(32, '192.168.0.7')],
    ])).toEqual([]);
  });

  it('queue and stack: order, -E2BIG when full, BPF_EXIST overwrite, empty pops', (ctx) => {
    if (skipReason(reason, 'queue and stack against the kernel')) return ctx.skip();
    for (const type of ['queue', 'stack'] as const) {
      expect(compare({ type, key: 0, value: 4, entries: 2 }, [
        ['pop'], ['peek'], ['push', u32(1)], ['push', u32(2)], ['push', u32(3)], ['update', undefined, u32(4), 'exist'], ['update', undefined, u32(5), 'noexist'],
        ['peek'], ['pop'], ['pop'], ['pop'], ['push', u32(6)], ['getnext', undefined], ['lookup', undefined], ['pop'],
      ]), type).toEqual([]);
    }
  });

  it('bloom filter, ring buffer, perf event and prog arrays: their refusals', (ctx) => {
    if (skipReason(reason, 'keyless and fd maps against the kernel')) return ctx.skip();
    expect(compare({ type: 'bloom_filter', key: 0, value: 4, entries: 16 }, [
      ['push', u32(1)], ['update', undefined, u32(1), 'exist'], ['update', undefined, u32(1), 'noexist'], ['getnext', undefined], ['pop'],
    ])).toEqual([]);
    expect(compare({ type: 'ringbuf', key: 0, value: 0, entries: 4096 }, [['lookup', undefined], ['getnext', undefined], ['pop'], ['freeze']])).toEqual([]);
    expect(compare({ type: 'perf_event_array', key: 4, value: 4, entries: 2 }, [
      ['lookup', u32(0)], ['lookup', u32(5)], ['delete', u32(0)], ['delete', u32(5)], ['getnext', u32(0)], ['getnext', u32(1)],
    ])).toEqual([]);
    expect(compare({ type: 'prog_array', key: 4, value: 4, entries: 2 }, [
      ['lookup', u32(0)], ['lookup', u32(5)], ['delete', u32(0)], ['delete', u32(5)], ['getnext', undefined], ['keys', 'ordered'],
    ])).toEqual([]);
  });

  it('bloom filter with BPF_F_ZERO_SEED: the same false positives as the kernel', (ctx) => {
    const python = spawnSync('sh', ['-c', 'command -v python3'], { stdio: 'ignore' }).status === 0;
    if (skipReason(reason ?? (python ? undefined : 'python3 is not installed'), 'bloom filter bits against the kernel')) return ctx.skip();
    const hexOf = (n: number, size: number): string => hex(Uint8Array.from({ length: size }, (_, i) => (n >>> (8 * (i % 4))) & 0xff)).replaceAll(' ', '');
    for (const [size, entries, hashes] of [[4, 2, 5], [3, 1, 3], [8, 4, 0], [5, 3, 7]] as const) {
      const push = Array.from({ length: 12 }, (_, i) => hexOf(i * 7919 + 1, size));
      const probe = Array.from({ length: 1500 }, (_, i) => hexOf(i, size));
      const r = spawnSync('python3', [join(dirname(fileURLToPath(import.meta.url)), 'bloom-oracle.py')], {
        input: JSON.stringify({ valueSize: size, maxEntries: entries, hashes, push, probe }),
        encoding: 'utf8',
      });
      const theirs = JSON.parse(r.stdout) as number[];
      const vm = createMap({ type: mapTypeId('bloom_filter')!, keySize: 0, valueSize: size, maxEntries: entries, flags: MAP_FLAG.zeroSeed, mapExtra: BigInt(hashes) }, { hashSeed: 1234 });
      for (const v of push) expect(vm.push(Buffer.from(v, 'hex'))).toBe(0);
      const mine = probe.map((v) => vm.peek(Buffer.from(v, 'hex')));
      expect(mine.filter((x) => x === 0).length, `size ${size}: some false positives to compare`).toBeGreaterThan(push.length);
      expect(mine, `value size ${size}, ${entries} entries, ${hashes} hashes`).toEqual(theirs);
    }
  });

  it('map-in-maps: inner maps checked against the template, slot rules of arrays and hashes', (ctx) => {
    if (skipReason(reason, 'map-in-maps against the kernel')) return ctx.skip();
    withKernelMaps((make) => {
      const innerAttrs: KernelMapAttrs[] = [
        { type: 'hash', key: 4, value: 4, entries: 4 },
        { type: 'hash', key: 4, value: 4, entries: 5 },
        { type: 'array', key: 4, value: 4, entries: 4 },
        { type: 'hash', key: 4, value: 8, entries: 4 },
        { type: 'hash', key: 4, value: 4, entries: 4, flags: MAP_FLAG.noPrealloc },
      ];
      const inner = innerAttrs.map((a) => make(a));
      const byId = new Map(innerAttrs.map((a, i) => [100 + i, attrsOf(a)] as const));
      for (const outer of ['array_of_maps', 'hash_of_maps'] as const) {
        const k = make({ type: outer, key: 4, value: 4, entries: 2, inner: inner[0] });
        const vm = createMap({ ...attrsOf({ type: outer, key: 4, value: 4, entries: 2 }), inner: byId.get(100) }, { cpus, resolve: { map: (id) => byId.get(id) } });
        const steps: [number, number, Flag][] = [[0, 0, 'any'], [1, 1, 'any'], [1, 2, 'any'], [1, 3, 'any'], [1, 4, 'any'], [2, 0, 'any'], [0, 1, 'noexist'], [0, 1, 'exist'], [3, 1, 'exist']];
        for (const [slot, which, flag] of steps) {
          const key = Uint8Array.from(u32(slot));
          const mine = vm.sysUpdate(key, Uint8Array.from(u32(100 + which)), FLAG[flag]);
          expect(mine, `${outer}[${slot}] = inner ${which} ${flag}`).toBe(k.update(key, inner[which]!, flag));
        }
        for (const slot of [0, 1, 2, 3]) {
          const key = Uint8Array.from(u32(slot));
          const found = (r: Uint8Array | Uint8Array[] | number): boolean | number => (typeof r === 'number' ? r : true);
          expect(found(vm.sysLookup(key)), `${outer} lookup ${slot}`).toBe(found(k.lookup(key)));
          expect(vm.sysDelete(key), `${outer} delete ${slot}`).toBe(k.delete(key));
        }
      }
    });
  });
});
