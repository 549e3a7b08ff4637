import { describe, expect, it } from 'vitest';
import * as errno from '../../../src/errno.js';
import { UPDATE_FLAG } from '../../../src/vm/maps/index.js';
import { make, num, u32 } from './util.js';

const { E2BIG, EINVAL, ENOENT } = errno;

function popAll(m: ReturnType<typeof make>): number[] {
  const out: number[] = [];
  const v = new Uint8Array(4);
  while (m.pop(v) === 0) out.push(num(v));
  return out;
}

describe('queue', () => {
  it('pops in push order and refuses a push when full', () => {
    const m = make('queue', 0, 4, 3);
    for (const x of [1, 2, 3]) expect(m.push(u32(x))).toBe(0);
    expect(m.push(u32(4))).toBe(-E2BIG);
    expect(m.count).toBe(3);
    const v = new Uint8Array(4);
    expect(m.peek(v)).toBe(0);
    expect(num(v)).toBe(1);
    expect([...m.entries()].map((e) => num(e.value as Uint8Array))).toEqual([1, 2, 3]);
    expect(popAll(m)).toEqual([1, 2, 3]);
  });

  it('drops the oldest for a BPF_EXIST push when full', () => {
    const m = make('queue', 0, 4, 2);
    m.push(u32(1));
    m.push(u32(2));
    expect(m.push(u32(3), UPDATE_FLAG.exist)).toBe(0);
    expect(popAll(m)).toEqual([2, 3]);
  });

  it('answers -ENOENT and zeroes the value when empty', () => {
    const m = make('queue', 0, 4, 2);
    const v = u32(0xffffffff);
    expect(m.pop(v)).toBe(-ENOENT);
    expect(num(v)).toBe(0);
    v.fill(9);
    expect(m.peek(v)).toBe(-ENOENT);
    expect(num(v)).toBe(0);
  });

  it('refuses BPF_NOEXIST and unknown push flags', () => {
    const m = make('queue', 0, 4, 2);
    expect(m.push(u32(1), UPDATE_FLAG.noexist)).toBe(-EINVAL);
    expect(m.push(u32(1), 3)).toBe(-EINVAL);
    expect(m.push(u32(1), UPDATE_FLAG.lock)).toBe(-EINVAL);
  });

  it('has no keyed element ops; the syscall side peeks, pushes and pops', () => {
    const m = make('queue', 0, 4, 2);
    expect(m.lookup(new Uint8Array(0))).toBeUndefined();
    expect(m.update(new Uint8Array(0), u32(1))).toBe(-EINVAL);
    expect(m.delete(new Uint8Array(0))).toBe(-EINVAL);
    expect(m.sysDelete(undefined)).toBe(-EINVAL);
    expect(m.sysGetNextKey(undefined)).toBe(-EINVAL);
    expect(m.sysLookup(undefined)).toBe(-ENOENT);
    expect(m.sysUpdate(undefined, u32(5))).toBe(0);
    expect(m.sysUpdate(undefined, u32(6), UPDATE_FLAG.noexist)).toBe(-EINVAL);
    expect(m.sysUpdate(u32(0), u32(6))).toBe(-EINVAL);
    expect(num(m.sysLookup(undefined))).toBe(5);
    expect(m.sysLookupAndDelete(undefined, UPDATE_FLAG.lock)).toBe(-EINVAL);
    expect(num(m.sysLookupAndDelete(undefined))).toBe(5);
    expect(m.sysLookupAndDelete(undefined)).toBe(-ENOENT);
  });

  it('wraps around its ring', () => {
    const m = make('queue', 0, 4, 2);
    const seen: number[] = [];
    const v = new Uint8Array(4);
    for (let i = 0; i < 10; i++) {
      expect(m.push(u32(i))).toBe(0);
      if (i > 0) {
        m.pop(v);
        seen.push(num(v));
      }
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(popAll(m)).toEqual([9]);
  });
});

describe('stack', () => {
  it('pops the newest first', () => {
    const m = make('stack', 0, 4, 3);
    for (const x of [1, 2, 3]) m.push(u32(x));
    expect(m.push(u32(4))).toBe(-E2BIG);
    expect([...m.entries()].map((e) => num(e.value as Uint8Array))).toEqual([3, 2, 1]);
    expect(popAll(m)).toEqual([3, 2, 1]);
  });

  it('drops the bottom element for a BPF_EXIST push when full', () => {
    const m = make('stack', 0, 4, 2);
    m.push(u32(1));
    m.push(u32(2));
    expect(m.push(u32(3), UPDATE_FLAG.exist)).toBe(0);
    expect(popAll(m)).toEqual([3, 2]);
    for (let i = 0; i < 7; i++) m.push(u32(i), UPDATE_FLAG.exist);
    expect(popAll(m)).toEqual([6, 5]);
  });
});
