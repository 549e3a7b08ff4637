import { describe, expect, it } from 'vitest';
import { MAP_FLAG } from '../../../src/object/kinds.js';
import * as errno from '../../../src/errno.js';
import { ArrayMap, UPDATE_FLAG } from '../../../src/vm/maps/index.js';
import { bytes, make, num, u32, u64, walk } from './util.js';

const { E2BIG, EACCES, EEXIST, EINVAL, ENOENT, EPERM, EFAULT, ENOTSUPP } = errno;

describe('array', () => {
  it('has every slot, zeroed, from the start', () => {
    const m = make('array', 4, 4, 3);
    expect(m.count).toBe(3);
    expect([...m.lookup(u32(2))!]).toEqual([0, 0, 0, 0]);
    expect(m.lookup(u32(3))).toBeUndefined();
    expect(m.sysLookup(u32(3))).toBe(-ENOENT);
  });

  it('updates in range, refuses BPF_NOEXIST and indexes past the end', () => {
    const m = make('array', 4, 4, 2);
    expect(m.update(u32(1), u32(7), UPDATE_FLAG.any)).toBe(0);
    expect(m.update(u32(1), u32(8), UPDATE_FLAG.exist)).toBe(0);
    expect(num(m.sysLookup(u32(1)))).toBe(8);
    expect(m.update(u32(1), u32(9), UPDATE_FLAG.noexist)).toBe(-EEXIST);
    expect(m.update(u32(2), u32(9))).toBe(-E2BIG);
    expect(m.sysUpdate(u32(2), u32(9))).toBe(-E2BIG);
    // Bad flags come first, even for an index past the end.
    expect(m.update(u32(5), u32(9), 3)).toBe(-EINVAL);
    expect(m.update(u32(0), u32(9), 8)).toBe(-EINVAL);
    // BPF_F_LOCK needs a bpf_spin_lock in the value.
    expect(m.update(u32(0), u32(9), UPDATE_FLAG.lock)).toBe(-EINVAL);
    expect(m.sysUpdate(u32(0), u32(9), UPDATE_FLAG.lock)).toBe(-EINVAL);
    expect(m.sysLookup(u32(0), UPDATE_FLAG.lock)).toBe(-EINVAL);
    expect(m.sysLookup(u32(0), 1)).toBe(-EINVAL);
  });

  it('takes BPF_F_LOCK when the value has a spin lock', () => {
    const m = make('array', 4, 8, 1, {}, { spinLock: true });
    expect(m.update(u32(0), u64(5), UPDATE_FLAG.lock)).toBe(0);
    expect(m.update(u32(0), u64(5), UPDATE_FLAG.lock | UPDATE_FLAG.noexist)).toBe(-EEXIST);
    expect(m.freeze()).toBe(-ENOTSUPP);
  });

  it('cannot delete', () => {
    const m = make('array', 4, 4, 2);
    expect(m.delete(u32(0))).toBe(-EINVAL);
    expect(m.sysDelete(u32(9))).toBe(-EINVAL);
  });

  it('walks keys by index; a missing key starts over at 0', () => {
    const m = make('array', 4, 4, 3);
    expect(walk(m)).toEqual([[0, 0, 0, 0], [1, 0, 0, 0], [2, 0, 0, 0]]);
    expect(m.sysGetNextKey(u32(2))).toBe(-ENOENT);
    expect([...(m.sysGetNextKey(u32(77)) as Uint8Array)]).toEqual([0, 0, 0, 0]);
    expect(m.sysGetNextKey(bytes(1, 0))).toBe(-EFAULT);
  });

  it('keeps each value a fixed view into one contiguous area at an 8-byte stride', () => {
    const m = make('array', 4, 5, 3) as ArrayMap;
    const v = m.lookup(u32(1))!;
    expect(m.lookup(u32(1))).toBe(v);
    v.set([1, 2, 3, 4, 5]);
    expect([...m.valueArea().subarray(8, 13)]).toEqual([1, 2, 3, 4, 5]);
    m.update(u32(1), bytes(9, 9, 9, 9, 9));
    expect([...v]).toEqual([9, 9, 9, 9, 9]);
    expect(v.length).toBe(5);
    expect(m.valueArea().length).toBe(24);
  });

  it('dumps every slot', () => {
    const m = make('array', 4, 4, 2);
    m.update(u32(1), u32(3));
    expect([...m.entries()].map((e) => [num(e.key), num(e.value as Uint8Array)])).toEqual([[0, 0], [1, 3]]);
  });

  it('has syscall-side access flags', () => {
    const ro = make('array', 4, 4, 1, { flags: MAP_FLAG.rdonly });
    expect(ro.sysUpdate(u32(0), u32(1))).toBe(-EPERM);
    expect(ro.sysDelete(u32(0))).toBe(-EPERM);
    expect(ro.freeze()).toBe(-EPERM);
    expect(num(ro.sysLookup(u32(0)))).toBe(0);
    expect(ro.update(u32(0), u32(1))).toBe(0);
    const wo = make('array', 4, 4, 1, { flags: MAP_FLAG.wronly });
    expect(wo.sysLookup(u32(0))).toBe(-EPERM);
    expect(wo.sysGetNextKey(undefined)).toBe(-EPERM);
    expect(wo.sysUpdate(u32(0), u32(1))).toBe(0);
  });

  it('freezes once: then the syscall side cannot write, programs still can', () => {
    const m = make('array', 4, 4, 1);
    expect(m.freeze()).toBe(0);
    expect(m.frozen).toBe(true);
    // Frozen maps have no write permission left, which is checked before "already frozen".
    expect(m.freeze()).toBe(-EPERM);
    expect(m.sysUpdate(u32(0), u32(1))).toBe(-EPERM);
    expect(m.sysLookupAndDelete(u32(0))).toBe(-EPERM);
    expect(m.update(u32(0), u32(1))).toBe(0);
    expect(num(m.sysLookup(u32(0)))).toBe(1);
  });

  it('is read-only to programs under BPF_F_RDONLY_PROG', () => {
    const m = make('array', 4, 4, 1, { flags: MAP_FLAG.rdonlyProg });
    expect(m.programAccess).toBe('r');
    expect(m.update(u32(0), u32(1))).toBe(-EACCES);
    expect(m.sysUpdate(u32(0), u32(1))).toBe(0);
    expect(num(m.lookup(u32(0))!)).toBe(1);
    expect(make('array', 4, 4, 1).programAccess).toBe('rw');
  });

  it('has no lookup-and-delete', () => {
    expect(make('array', 4, 4, 1).sysLookupAndDelete(u32(0))).toBe(-ENOTSUPP);
  });

  it('rejects short syscall keys and values with -EFAULT, short program arguments by throwing', () => {
    const m = make('array', 4, 4, 1);
    expect(m.sysLookup(bytes(0))).toBe(-EFAULT);
    expect(m.sysUpdate(u32(0), bytes(1))).toBe(-EFAULT);
    expect(m.sysLookup(undefined)).toBe(-EFAULT);
    expect(() => m.lookup(bytes(0))).toThrow(RangeError);
    expect(() => m.update(u32(0), bytes(1))).toThrow(RangeError);
  });
});

describe('percpu_array', () => {
  const cpus = 3;

  it('gives programs one CPU copy and the syscall all of them, 8-byte padded', () => {
    const m = make('percpu_array', 4, 4, 2, {}, { cpus });
    expect(m.perCpu).toBe(true);
    expect(m.update(u32(1), u32(0x11), 0, 1)).toBe(0);
    expect(num(m.lookup(u32(1), 1)!)).toBe(0x11);
    expect(num(m.lookup(u32(1), 0)!)).toBe(0);
    expect(m.lookup(u32(1), 3)).toBeUndefined();
    const all = m.sysLookup(u32(1)) as Uint8Array;
    expect(all.length).toBe(24);
    expect([...all]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('writes every CPU from the syscall, padding included', () => {
    const m = make('percpu_array', 4, 4, 1, {}, { cpus: 2 });
    const v = bytes(1, 0, 0, 0, 0xaa, 0, 0, 0, 2, 0, 0, 0, 0xbb, 0, 0, 0);
    expect(m.sysUpdate(u32(0), v)).toBe(0);
    expect([...(m.sysLookup(u32(0)) as Uint8Array)]).toEqual([...v]);
    expect(num(m.lookup(u32(0), 1)!)).toBe(2);
    expect(m.sysUpdate(u32(0), v.subarray(0, 8))).toBe(-EFAULT);
    expect(m.sysUpdate(u32(0), v, UPDATE_FLAG.noexist)).toBe(-EEXIST);
    expect(m.sysUpdate(u32(1), v)).toBe(-E2BIG);
    expect(m.sysUpdate(u32(0), v, 3)).toBe(-EINVAL);
    const e = [...m.entries()];
    expect(e.length).toBe(1);
    expect((e[0]!.value as Uint8Array[]).map((x) => num(x))).toEqual([1, 2]);
  });
});
