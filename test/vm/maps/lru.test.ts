import { describe, expect, it } from 'vitest';
import { MAP_FLAG } from '../../../src/object/kinds.js';
import { errno, UPDATE_FLAG } from '../../../src/vm/maps/index.js';
import { make, num, u32, walk } from './util.js';

const { EEXIST, EINVAL, ENOENT } = errno;

function keys(m: ReturnType<typeof make>): number[] {
  return walk(m).map((k) => k[0]!).sort((a, b) => a - b);
}

describe('lru_hash', () => {
  it('evicts the oldest element instead of refusing a new key', () => {
    const m = make('lru_hash', 4, 4, 3);
    for (const k of [1, 2, 3, 4]) expect(m.sysUpdate(u32(k), u32(k))).toBe(0);
    expect(keys(m)).toEqual([2, 3, 4]);
  });

  it('gives elements a program looked up a second chance; syscall lookups do not count', () => {
    const m = make('lru_hash', 4, 4, 3);
    for (const k of [1, 2, 3]) m.sysUpdate(u32(k), u32(k));
    m.sysLookup(u32(1));
    m.sysUpdate(u32(4), u32(4));
    expect(keys(m)).toEqual([2, 3, 4]);
    m.lookup(u32(2));
    m.sysUpdate(u32(5), u32(5));
    expect(keys(m)).toEqual([2, 4, 5]);
  });

  it('takes a node for every update: replacing a key in a full map evicts another', () => {
    const m = make('lru_hash', 4, 4, 4);
    for (const k of [1, 2, 3, 4]) m.sysUpdate(u32(k), u32(k));
    expect(m.sysUpdate(u32(3), u32(33))).toBe(0);
    expect(keys(m)).toEqual([2, 3, 4]);
    expect(m.count).toBe(3);
    expect(num(m.sysLookup(u32(3)))).toBe(33);
    // The replaced element is referenced: the next eviction passes over it.
    m.sysUpdate(u32(5), u32(5));
    m.sysUpdate(u32(6), u32(6));
    m.sysUpdate(u32(7), u32(7));
    expect(keys(m)).toEqual([3, 5, 6, 7]);
  });

  it('evicts even for an update that then fails', () => {
    const m = make('lru_hash', 4, 4, 2);
    m.sysUpdate(u32(1), u32(1));
    m.sysUpdate(u32(2), u32(2));
    expect(m.sysUpdate(u32(2), u32(0), UPDATE_FLAG.noexist)).toBe(-EEXIST);
    expect(keys(m)).toEqual([2]);
    // The key itself can be the one evicted; then BPF_EXIST finds nothing.
    m.sysUpdate(u32(3), u32(3));
    expect(m.sysUpdate(u32(2), u32(0), UPDATE_FLAG.exist)).toBe(-ENOENT);
    expect(keys(m)).toEqual([3]);
  });

  it('refuses BPF_F_LOCK and unknown flags', () => {
    const m = make('lru_hash', 4, 4, 2, {}, { spinLock: true });
    expect(m.sysUpdate(u32(1), u32(1), UPDATE_FLAG.lock)).toBe(-EINVAL);
    expect(m.sysUpdate(u32(1), u32(1), 3)).toBe(-EINVAL);
    expect(m.count).toBe(0);
  });

  it('frees nodes on delete and lookup-and-delete', () => {
    const m = make('lru_hash', 4, 4, 2);
    m.sysUpdate(u32(1), u32(1));
    m.sysUpdate(u32(2), u32(2));
    expect(m.sysDelete(u32(1))).toBe(0);
    expect(num(m.sysLookupAndDelete(u32(2)))).toBe(2);
    m.sysUpdate(u32(3), u32(3));
    m.sysUpdate(u32(4), u32(4));
    expect(keys(m)).toEqual([3, 4]);
  });

  it('with BPF_F_NO_COMMON_LRU, rounds max_entries to the CPUs and evicts from the updating CPU only', () => {
    const m = make('lru_hash', 4, 4, 3, { flags: MAP_FLAG.noCommonLru }, { cpus: 2 });
    expect(m.maxEntries).toBe(4);
    m.update(u32(1), u32(1), 0, 0);
    m.update(u32(2), u32(2), 0, 0);
    m.update(u32(3), u32(3), 0, 1);
    m.update(u32(4), u32(4), 0, 0);
    expect(keys(m)).toEqual([2, 3, 4]);
  });
});

describe('lru_percpu_hash', () => {
  it('updates in place without a node for BPF_EXIST, and takes one (maybe evicting) otherwise', () => {
    const m = make('lru_percpu_hash', 4, 4, 2, {}, { cpus: 2 });
    m.update(u32(1), u32(1), 0, 0);
    m.update(u32(2), u32(2), 0, 1);
    expect(m.update(u32(1), u32(11), UPDATE_FLAG.exist, 1)).toBe(0);
    expect(keys(m)).toEqual([1, 2]);
    expect(num(m.lookup(u32(1), 1)!)).toBe(11);
    expect(num(m.lookup(u32(1), 0)!)).toBe(1);
    // BPF_ANY on an existing key in a full map: a node is taken first, so 2 goes
    // (1 was referenced by the update), then given back.
    expect(m.update(u32(1), u32(12), UPDATE_FLAG.any, 0)).toBe(0);
    expect(keys(m)).toEqual([1]);
    expect(m.update(u32(9), u32(9), UPDATE_FLAG.exist, 0)).toBe(-ENOENT);
    expect(m.sysUpdate(u32(1), new Uint8Array(16), UPDATE_FLAG.lock)).toBe(-EINVAL);
  });
});
