import { describe, expect, it } from 'vitest';
import { MAP_FLAG, MAP_TYPE, progTypeId } from '../../../src/object/kinds.js';
import * as errno from '../../../src/errno.js';
import { isSlotMap, PERF_FLAG, PerfEventArrayMap, ProgArrayMap, UPDATE_FLAG, type MapAttrs, type SlotResolver } from '../../../src/vm/maps/index.js';
import { jhash2 } from '../../../src/vm/maps/jhash.js';
import { attrs, make, num, u32, walk } from './util.js';

const { E2BIG, EBADF, EEXIST, EINVAL, ENOENT, ENOTSUPP, EOPNOTSUPP } = errno;

const XDP = progTypeId('xdp');
const KPROBE = progTypeId('kprobe');
const EXT = progTypeId('ext');

describe('prog_array', () => {
  const programs: Record<number, { type: number }> = { 10: { type: XDP }, 11: { type: XDP }, 12: { type: KPROBE }, 13: { type: EXT } };
  const resolve: SlotResolver = { program: (id) => programs[id] };

  it('holds programs by id for tail calls, set with BPF_ANY only', () => {
    const m = make('prog_array', 4, 4, 4, {}, { resolve }) as ProgArrayMap;
    expect(isSlotMap(m)).toBe(true);
    expect(m.slotKind).toBe('program');
    expect(m.sysUpdate(u32(1), u32(10))).toBe(0);
    expect(m.slot(u32(1))).toBe(10);
    expect(m.slot(u32(0))).toBeUndefined();
    expect(m.slot(u32(9))).toBeUndefined();
    expect(num(m.sysLookup(u32(1)))).toBe(10);
    expect(m.sysLookup(u32(0))).toBe(-ENOENT);
    expect(m.sysLookup(u32(9))).toBe(-ENOENT);
    expect(m.sysUpdate(u32(1), u32(11), UPDATE_FLAG.exist)).toBe(-EINVAL);
    expect(m.sysUpdate(u32(2), u32(11), UPDATE_FLAG.noexist)).toBe(-EINVAL);
    expect(m.sysUpdate(u32(4), u32(11))).toBe(-E2BIG);
    expect(m.count).toBe(1);
    expect(walk(m).length).toBe(4);
    expect([...m.entries()].map((e) => [num(e.key), num(e.value as Uint8Array)])).toEqual([[1, 10]]);
  });

  it('binds to the type of the first program and refuses others, ext always', () => {
    const m = make('prog_array', 4, 4, 4, {}, { resolve }) as ProgArrayMap;
    expect(m.sysUpdate(u32(0), u32(99))).toBe(-EBADF);
    expect(m.sysUpdate(u32(0), u32(13))).toBe(-EINVAL);
    expect(m.owner).toBeUndefined();
    expect(m.sysUpdate(u32(0), u32(10))).toBe(0);
    expect(m.owner).toBe(XDP);
    expect(m.sysUpdate(u32(1), u32(12))).toBe(-EINVAL);
    expect(m.claim(KPROBE)).toBe(false);
    expect(m.claim(XDP)).toBe(true);
    const fresh = make('prog_array', 4, 4, 1, {}, { resolve }) as ProgArrayMap;
    expect(fresh.claim(KPROBE)).toBe(true);
    expect(fresh.sysUpdate(u32(0), u32(10))).toBe(-EINVAL);
  });

  it('empties slots with delete: -ENOENT when empty, -E2BIG past the end', () => {
    const m = make('prog_array', 4, 4, 2, {}, { resolve });
    m.sysUpdate(u32(0), u32(10));
    expect(m.sysDelete(u32(0))).toBe(0);
    expect(m.sysDelete(u32(0))).toBe(-ENOENT);
    expect(m.sysDelete(u32(2))).toBe(-E2BIG);
  });

  it('is not a value map to programs', () => {
    const m = make('prog_array', 4, 4, 2);
    m.sysUpdate(u32(0), u32(10));
    expect(m.lookup(u32(0))).toBeUndefined();
    expect(m.update(u32(0), u32(11))).toBe(-EOPNOTSUPP);
    expect(m.delete(u32(0))).toBe(-EOPNOTSUPP);
    // Without a resolver any nonzero id is taken.
    expect(m.sysUpdate(u32(1), u32(0))).toBe(-EBADF);
  });
});

describe('perf_event_array', () => {
  it('sends output to the event of the slot picked by the flags, on its CPU only', () => {
    const m = make('perf_event_array', 4, 4, 2, {}, { cpus: 2 }) as PerfEventArrayMap;
    const data = Uint8Array.from([1, 2, 3]);
    expect(m.output(PERF_FLAG.currentCpu, data, 0)).toBe(-ENOENT);
    expect(m.sysUpdate(u32(0), u32(100))).toBe(0);
    expect(m.sysUpdate(u32(1), u32(101))).toBe(0);
    expect(m.output(PERF_FLAG.currentCpu, data, 1)).toBe(0);
    expect(m.output(0, data, 0)).toBe(0);
    expect(m.output(0, data, 1)).toBe(-EOPNOTSUPP);
    expect(m.output(2, data, 0)).toBe(-E2BIG);
    expect(m.output(2n ** 32n, data, 0)).toBe(-EINVAL);
    expect(m.records).toEqual([{ index: 1, cpu: 1, data }, { index: 0, cpu: 0, data }]);
  });

  it('takes the CPU of an event from the resolver', () => {
    const m = make('perf_event_array', 4, 4, 2, {}, { cpus: 2, resolve: { perfEvent: (id) => (id === 7 ? { cpu: 1 } : undefined) } }) as PerfEventArrayMap;
    expect(m.sysUpdate(u32(0), u32(8))).toBe(-EBADF);
    expect(m.sysUpdate(u32(0), u32(7))).toBe(0);
    expect(m.output(0, new Uint8Array(1), 1)).toBe(0);
    expect(m.output(0, new Uint8Array(1), 0)).toBe(-EOPNOTSUPP);
  });

  it('cannot be read back from user space', () => {
    const m = make('perf_event_array', 4, 4, 2);
    m.sysUpdate(u32(0), u32(100));
    expect(m.sysLookup(u32(0))).toBe(-ENOTSUPP);
    expect(m.sysDelete(u32(0))).toBe(0);
    expect(m.sysDelete(u32(0))).toBe(-ENOENT);
    expect(m.sysDelete(u32(5))).toBe(-E2BIG);
  });
});

describe('map-in-maps', () => {
  const inner = attrs('hash', 4, 4, 4);
  const maps: Record<number, MapAttrs> = {
    20: attrs('hash', 4, 4, 4),
    21: attrs('hash', 4, 4, 5),
    22: attrs('array', 4, 4, 4),
    23: attrs('hash', 4, 8, 4),
    24: attrs('hash', 4, 4, 4, { flags: MAP_FLAG.noPrealloc }),
    25: attrs('hash', 4, 4, 4, { flags: MAP_FLAG.rdonly }),
  };
  const resolve: SlotResolver = { map: (id) => maps[id] };

  it('array_of_maps holds maps like its template: type, sizes, flags (max_entries free for hashes)', () => {
    const m = make('array_of_maps', 4, 4, 8, { inner }, { resolve });
    expect(isSlotMap(m) && m.slotKind).toBe('map');
    expect(m.sysUpdate(u32(0), u32(20))).toBe(0);
    expect(m.sysUpdate(u32(1), u32(21))).toBe(0);
    expect(m.sysUpdate(u32(2), u32(22))).toBe(-EINVAL);
    expect(m.sysUpdate(u32(2), u32(23))).toBe(-EINVAL);
    expect(m.sysUpdate(u32(2), u32(24))).toBe(-EINVAL);
    expect(m.sysUpdate(u32(2), u32(25))).toBe(0);
    expect(m.sysUpdate(u32(3), u32(99))).toBe(-EBADF);
    expect(m.sysUpdate(u32(8), u32(20))).toBe(-E2BIG);
    expect(m.sysUpdate(u32(0), u32(21), UPDATE_FLAG.noexist)).toBe(-EINVAL);
    expect(num(m.sysLookup(u32(1)))).toBe(21);
    expect(isSlotMap(m) && m.slot(u32(0))).toBe(20);
    expect(m.lookup(u32(0))).toBeUndefined();
  });

  it('an array template fixes max_entries, unless it is BPF_F_INNER_MAP', () => {
    const arrays: Record<number, MapAttrs> = { 1: attrs('array', 4, 4, 4), 2: attrs('array', 4, 4, 8), 3: attrs('array', 4, 4, 8, { flags: MAP_FLAG.innerMap }) };
    const fixed = make('array_of_maps', 4, 4, 2, { inner: attrs('array', 4, 4, 4) }, { resolve: { map: (id) => arrays[id] } });
    expect(fixed.sysUpdate(u32(0), u32(1))).toBe(0);
    expect(fixed.sysUpdate(u32(0), u32(2))).toBe(-EINVAL);
    const free = make('array_of_maps', 4, 4, 2, { inner: attrs('array', 4, 4, 4, { flags: MAP_FLAG.innerMap }) }, { resolve: { map: (id) => arrays[id] } });
    expect(free.sysUpdate(u32(0), u32(3))).toBe(0);
    expect(free.sysUpdate(u32(0), u32(1))).toBe(-EINVAL);
  });

  it('hash_of_maps: ids checked before flags, hash rules after', () => {
    const m = make('hash_of_maps', 4, 4, 2, { inner }, { resolve });
    expect(m.sysUpdate(u32(0), u32(99), 3)).toBe(-EBADF);
    expect(m.sysUpdate(u32(0), u32(20), 3)).toBe(-EINVAL);
    expect(m.sysUpdate(u32(0), u32(20))).toBe(0);
    expect(m.sysUpdate(u32(1), u32(21))).toBe(0);
    expect(m.sysUpdate(u32(2), u32(21))).toBe(-E2BIG);
    expect(m.sysUpdate(u32(0), u32(21), UPDATE_FLAG.noexist)).toBe(-EEXIST);
    expect(m.sysUpdate(u32(5), u32(21), UPDATE_FLAG.exist)).toBe(-ENOENT);
    expect(m.sysUpdate(u32(0), u32(22))).toBe(-EINVAL);
    expect(num(m.sysLookup(u32(0)))).toBe(20);
    expect(isSlotMap(m) && m.slot(u32(1))).toBe(21);
    expect(isSlotMap(m) && m.slot(u32(7))).toBeUndefined();
    expect(m.lookup(u32(0))).toBeUndefined();
    expect(m.update(u32(0), u32(20))).toBe(-EOPNOTSUPP);
    expect(m.sysDelete(u32(0))).toBe(0);
    expect(m.sysDelete(u32(0))).toBe(-ENOENT);
    expect(walk(m)).toEqual([[1, 0, 0, 0]]);
  });

  it('are the only maps with slots', () => {
    expect(isSlotMap(make('hash', 4, 4, 1))).toBe(false);
    expect(MAP_TYPE.hashOfMaps).toBeGreaterThan(0);
  });
});

describe('hash_of_maps order', () => {
  it('replaces an inner map in place, without moving it in its bucket', () => {
    const a = 0;
    let b = 1;
    while ((jhash2(u32(b), 1, 0) & 1) !== (jhash2(u32(a), 1, 0) & 1)) b++;
    const m = make('hash_of_maps', 4, 4, 2, { inner: attrs('hash', 4, 4, 4) });
    m.sysUpdate(u32(a), u32(10));
    m.sysUpdate(u32(b), u32(11));
    expect(walk(m).map((k) => k[0])).toEqual([b, a]);
    expect(m.sysUpdate(u32(a), u32(12))).toBe(0);
    expect(walk(m).map((k) => k[0])).toEqual([b, a]);
    expect(isSlotMap(m) && m.slot(u32(a))).toBe(12);
  });
});
