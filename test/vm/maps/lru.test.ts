import { describe, expect, it } from 'vitest';
import { MAP_FLAG } from '../../../src/object/kinds.js';
import * as errno from '../../../src/errno.js';
import { UPDATE_FLAG, type VmMap } from '../../../src/vm/maps/index.js';
import { make, num, u32, walk } from './util.js';

const { EEXIST, EINVAL, ENOENT } = errno;

/**
 * Sequences whose outcome was read off Linux 6.18 (bpftool on CPU 0 of a 2-CPU
 * machine), so the maps here have 2 CPUs; kernel.test.ts replays more against the
 * kernel itself.
 */
const cpus = 2;

function keys(m: VmMap): number[] {
  return walk(m).map((k) => k[0]!).sort((a, b) => a - b);
}

function lru(entries: number, flags = 0): VmMap {
  return make('lru_hash', 4, 4, entries, { flags }, { cpus });
}

describe('lru_hash', () => {
  it('evicts the oldest element instead of refusing a new key', () => {
    const m = lru(4);
    for (const k of [1, 2, 3, 4]) expect(m.sysUpdate(u32(k), u32(k))).toBe(0);
    expect(keys(m)).toEqual([1, 2, 3, 4]);
    expect(m.sysUpdate(u32(5), u32(5))).toBe(0);
    expect(keys(m)).toEqual([2, 3, 4, 5]);
  });

  it('takes a node for every update: replacing a key in a full map evicts another, and the replaced one is referenced', () => {
    const m = lru(4);
    for (const k of [1, 2, 3, 4, 5]) m.sysUpdate(u32(k), u32(k));
    expect(m.sysUpdate(u32(3), u32(33))).toBe(0);
    expect(keys(m)).toEqual([3, 4, 5]);
    expect(num(m.sysLookup(u32(3)))).toBe(33);
    m.sysUpdate(u32(6), u32(6));
    expect(keys(m)).toEqual([3, 4, 5, 6]);
    m.sysUpdate(u32(7), u32(7));
    expect(keys(m)).toEqual([3, 5, 6, 7]);
  });

  it('evicts even for an update that then fails, and may evict the key being updated', () => {
    const m = lru(2);
    m.sysUpdate(u32(1), u32(1));
    m.sysUpdate(u32(2), u32(2));
    expect(m.sysUpdate(u32(2), u32(0), UPDATE_FLAG.noexist)).toBe(-EEXIST);
    expect(keys(m)).toEqual([2]);
    m.sysUpdate(u32(3), u32(3));
    expect(m.sysUpdate(u32(2), u32(0), UPDATE_FLAG.exist)).toBe(-ENOENT);
    expect(keys(m)).toEqual([3]);
  });

  it('frees target_free nodes at once: max_entries / CPUs / 2', () => {
    const m = lru(8);
    for (let k = 1; k <= 8; k++) m.sysUpdate(u32(k), u32(k));
    // A ninth key makes CPU 0 shrink by 2.
    m.sysUpdate(u32(9), u32(9));
    expect(keys(m)).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });

  it('spares an element a program looked up; a syscall lookup does not count', () => {
    const bySyscall = lru(4);
    const byProgram = lru(4);
    for (const m of [bySyscall, byProgram]) for (const k of [1, 2, 3, 4]) m.sysUpdate(u32(k), u32(k));
    bySyscall.sysLookup(u32(1));
    byProgram.lookup(u32(1));
    bySyscall.sysUpdate(u32(5), u32(5));
    byProgram.sysUpdate(u32(5), u32(5));
    expect(keys(bySyscall)).toEqual([2, 3, 4, 5]);
    expect(keys(byProgram)).toEqual([1, 3, 4, 5]);
  });

  it('gives nodes back on delete and lookup-and-delete', () => {
    const m = lru(2);
    m.sysUpdate(u32(1), u32(1));
    m.sysUpdate(u32(2), u32(2));
    expect(m.sysDelete(u32(1))).toBe(0);
    expect(num(m.sysLookupAndDelete(u32(2)))).toBe(2);
    m.sysUpdate(u32(3), u32(3));
    m.sysUpdate(u32(4), u32(4));
    expect(keys(m)).toEqual([3, 4]);
  });

  it('refuses BPF_F_LOCK and unknown flags before taking a node', () => {
    const m = make('lru_hash', 4, 4, 1, {}, { cpus, spinLock: true });
    m.sysUpdate(u32(1), u32(1));
    expect(m.sysUpdate(u32(2), u32(2), UPDATE_FLAG.lock)).toBe(-EINVAL);
    expect(m.sysUpdate(u32(2), u32(2), 3)).toBe(-EINVAL);
    expect(keys(m)).toEqual([1]);
  });

  it('with BPF_F_NO_COMMON_LRU, gives each CPU its share of max_entries (rounded up) and shrinks by 4', () => {
    const m = lru(3, MAP_FLAG.noCommonLru);
    expect(m.maxEntries).toBe(4);
    m.update(u32(1), u32(1), 0, 0);
    m.update(u32(2), u32(2), 0, 0);
    m.update(u32(7), u32(7), 0, 1);
    m.update(u32(8), u32(8), 0, 1);
    // CPU 0 is out of nodes: it frees up to 4 of its own, never CPU 1's.
    m.update(u32(3), u32(3), 0, 0);
    expect(keys(m)).toEqual([3, 7, 8]);
    expect(() => m.update(u32(3), u32(3), 0, 2)).toThrow(RangeError);
  });
});

describe('lru_percpu_hash', () => {
  it('updates in place without a node for BPF_EXIST, and takes one (maybe evicting) otherwise', () => {
    const m = make('lru_percpu_hash', 4, 4, 2, {}, { cpus });
    m.update(u32(1), u32(1), 0, 0);
    m.update(u32(2), u32(2), 0, 0);
    expect(m.update(u32(1), u32(11), UPDATE_FLAG.exist, 1)).toBe(0);
    expect(keys(m)).toEqual([1, 2]);
    expect(num(m.lookup(u32(1), 1)!)).toBe(11);
    expect(num(m.lookup(u32(1), 0)!)).toBe(1);
    // BPF_ANY on an existing key in a full map takes a node first: 2 goes, 1 (referenced) stays.
    expect(m.update(u32(1), u32(12), UPDATE_FLAG.any, 0)).toBe(0);
    expect(keys(m)).toEqual([1]);
    expect(m.update(u32(9), u32(9), UPDATE_FLAG.exist, 0)).toBe(-ENOENT);
    expect(m.sysUpdate(u32(1), new Uint8Array(16), UPDATE_FLAG.lock)).toBe(-EINVAL);
  });
});
