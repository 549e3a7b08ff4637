import { describe, expect, it } from 'vitest';
import { MAP_FLAG } from '../../../src/object/kinds.js';
import * as errno from '../../../src/errno.js';
import { UPDATE_FLAG } from '../../../src/vm/maps/index.js';
import { jhash, jhash2 } from '../../../src/vm/maps/jhash.js';
import { bytes, make, num, u32, walk } from './util.js';

const { E2BIG, EEXIST, EINVAL, ENOENT } = errno;

describe('hash', () => {
  it('creates, updates and deletes with the kernel flags', () => {
    const m = make('hash', 4, 4, 2);
    expect(m.lookup(u32(1))).toBeUndefined();
    expect(m.update(u32(1), u32(10), UPDATE_FLAG.exist)).toBe(-ENOENT);
    expect(m.update(u32(1), u32(10), UPDATE_FLAG.noexist)).toBe(0);
    expect(m.update(u32(1), u32(11), UPDATE_FLAG.noexist)).toBe(-EEXIST);
    expect(m.update(u32(1), u32(12), UPDATE_FLAG.exist)).toBe(0);
    expect(num(m.lookup(u32(1))!)).toBe(12);
    expect(m.count).toBe(1);
    expect(m.delete(u32(1))).toBe(0);
    expect(m.delete(u32(1))).toBe(-ENOENT);
    expect(m.sysDelete(u32(1))).toBe(-ENOENT);
    expect(m.sysLookup(u32(1))).toBe(-ENOENT);
    expect(m.update(u32(1), u32(1), 3)).toBe(-EINVAL);
    expect(m.update(u32(1), u32(1), UPDATE_FLAG.lock)).toBe(-EINVAL);
  });

  it('refuses a new key when full with -E2BIG, but still replaces existing ones', () => {
    const m = make('hash', 4, 4, 2);
    expect(m.sysUpdate(u32(1), u32(1))).toBe(0);
    expect(m.sysUpdate(u32(2), u32(2))).toBe(0);
    expect(m.sysUpdate(u32(3), u32(3))).toBe(-E2BIG);
    expect(m.sysUpdate(u32(2), u32(22))).toBe(0);
    expect(m.sysUpdate(u32(3), u32(3), UPDATE_FLAG.exist)).toBe(-ENOENT);
    expect(num(m.sysLookup(u32(2)))).toBe(22);
  });

  it('keeps a value the same bytes while the element lives, updates included', () => {
    const m = make('hash', 4, 4, 2);
    m.update(u32(1), u32(5));
    const v = m.lookup(u32(1))!;
    m.update(u32(1), u32(6));
    expect(m.lookup(u32(1))).toBe(v);
    expect(num(v)).toBe(6);
    v[0] = 7;
    expect(num(m.sysLookup(u32(1)))).toBe(7);
  });

  it('copies keys, so callers may reuse their buffers', () => {
    const m = make('hash', 4, 4, 2);
    const k = u32(1);
    m.update(k, u32(5));
    k[0] = 2;
    expect(m.lookup(u32(1))).toBeDefined();
    expect(m.lookup(u32(2))).toBeUndefined();
  });

  it('walks buckets in order, newest first within one; an unknown key restarts the walk', () => {
    const m = make('hash', 4, 4, 8);
    const keys = [5, 3, 9, 12, 7, 1, 30, 17];
    for (const k of keys) m.update(u32(k), u32(k));
    // Bucket = jhash2(key, seed 0) & 7; a stable sort by bucket of the keys newest first.
    const expected = [...keys].reverse().sort((a, b) => (jhash2(u32(a), 1, 0) & 7) - (jhash2(u32(b), 1, 0) & 7));
    const order = walk(m).map((k) => k[0]!);
    expect(order).toEqual(expected);
    expect([...m.entries()].map((e) => e.key[0])).toEqual(expected);
    expect(num(m.sysGetNextKey(u32(42)))).toBe(order[0]);
    expect(m.sysGetNextKey(u32(order[7]!))).toBe(-ENOENT);
    m.delete(u32(order[3]!));
    expect(walk(m).map((k) => k[0])).toEqual(order.filter((_, i) => i !== 3));
    expect(make('hash', 4, 4, 1).sysGetNextKey(undefined)).toBe(-ENOENT);
  });

  it('moves a replaced element to the head of its bucket, as the kernel links a fresh one', () => {
    // Two keys that share a bucket of a 2-bucket map.
    const a = 0;
    let b = 1;
    while ((jhash2(u32(b), 1, 0) & 1) !== (jhash2(u32(a), 1, 0) & 1)) b++;
    const m = make('hash', 4, 4, 2);
    m.update(u32(a), u32(1));
    m.update(u32(b), u32(2));
    expect(walk(m).map((k) => k[0])).toEqual([b, a]);
    m.update(u32(a), u32(3));
    expect(walk(m).map((k) => k[0])).toEqual([a, b]);
    // A per-CPU update writes in place.
    const p = make('percpu_hash', 4, 4, 2);
    p.update(u32(a), u32(1));
    p.update(u32(b), u32(2));
    p.update(u32(a), u32(3));
    expect(walk(p).map((k) => k[0])).toEqual([b, a]);
  });

  it('orders by the seed: a seeded map differs, BPF_F_ZERO_SEED ignores the seed', () => {
    const keys = Array.from({ length: 16 }, (_, i) => i);
    const order = (m: ReturnType<typeof make>): number[] => {
      for (const k of keys) m.update(u32(k), u32(k));
      return walk(m).map((k) => k[0]!);
    };
    const zero = order(make('hash', 4, 4, 16));
    expect(order(make('hash', 4, 4, 16, {}, { hashSeed: 99 }))).not.toEqual(zero);
    expect(order(make('hash', 4, 4, 16, { flags: MAP_FLAG.zeroSeed }, { hashSeed: 99 }))).toEqual(zero);
  });

  it('takes an element with lookup-and-delete', () => {
    const m = make('hash', 4, 4, 2);
    m.update(u32(1), u32(5));
    expect(num(m.sysLookupAndDelete(u32(1)))).toBe(5);
    expect(m.sysLookupAndDelete(u32(1))).toBe(-ENOENT);
    expect(m.sysLookupAndDelete(u32(1), 1)).toBe(-EINVAL);
    expect(m.count).toBe(0);
  });

  it('dumps the elements as they live, deleting while walking allowed', () => {
    const m = make('hash', 2, 3, 4);
    m.update(bytes(1, 0), bytes(1, 2, 3));
    m.update(bytes(2, 0), bytes(4, 5, 6));
    const seen: number[] = [];
    for (const e of m.entries()) {
      seen.push(e.key[0]!);
      m.delete(e.key);
    }
    expect(seen.sort()).toEqual([1, 2]);
    expect(m.count).toBe(0);
  });
});

describe('percpu_hash', () => {
  it('zeroes the other CPUs of an element a program creates, and updates one CPU after', () => {
    const m = make('percpu_hash', 4, 4, 4, {}, { cpus: 2 });
    expect(m.update(u32(1), u32(7), 0, 1)).toBe(0);
    expect(num(m.lookup(u32(1), 1)!)).toBe(7);
    expect(num(m.lookup(u32(1), 0)!)).toBe(0);
    expect(m.update(u32(1), u32(8), 0, 0)).toBe(0);
    expect([...(m.sysLookup(u32(1)) as Uint8Array)]).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('writes all CPUs from the syscall and refuses BPF_F_LOCK as an unknown flag', () => {
    const m = make('percpu_hash', 4, 4, 1, {}, { cpus: 2, spinLock: true });
    const v = bytes(1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0);
    expect(m.sysUpdate(u32(1), v)).toBe(0);
    expect(m.sysUpdate(u32(2), v)).toBe(-E2BIG);
    expect(m.sysUpdate(u32(1), v, UPDATE_FLAG.lock)).toBe(-EINVAL);
    expect(m.sysUpdate(u32(1), v, UPDATE_FLAG.noexist)).toBe(-EEXIST);
    expect(num(m.lookup(u32(1), 1)!)).toBe(2);
    expect(m.lookup(u32(1), 2)).toBeUndefined();
    const [e] = [...m.entries()];
    expect((e!.value as Uint8Array[]).map((x) => num(x))).toEqual([1, 2]);
    expect((m.sysLookupAndDelete(u32(1)) as Uint8Array).length).toBe(16);
  });
});

describe('jhash', () => {
  it('is lookup3: its published vectors', () => {
    const text = new TextEncoder().encode('Four score and seven years ago');
    expect(jhash(new Uint8Array(0), 0, 0)).toBe(0xdeadbeef);
    expect(jhash(new Uint8Array(0), 0, 0xdeadbeef)).toBe(0xbd5b7dde);
    expect(jhash(text, text.length, 0)).toBe(0x17770551);
    expect(jhash(text, text.length, 1)).toBe(0xcd628161);
  });

  it('over words equals over their little-endian bytes', () => {
    const b = Uint8Array.from({ length: 36 }, (_, i) => (i * 37) & 0xff);
    for (let words = 0; words <= 9; words++) expect(jhash2(b, words, 7)).toBe(jhash(b, words * 4, 7));
  });
});
