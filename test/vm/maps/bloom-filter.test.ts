import { describe, expect, it } from 'vitest';
import { MAP_FLAG } from '../../../src/object/kinds.js';
import * as errno from '../../../src/errno.js';
import { UPDATE_FLAG } from '../../../src/vm/maps/index.js';
import { bloomShape } from '../../../src/vm/maps/bloom-filter.js';
import { jhash, jhash2 } from '../../../src/vm/maps/jhash.js';
import { attrs, make, u32 } from './util.js';

const { EINVAL, ENOENT, EOPNOTSUPP, ENOTSUPP } = errno;

describe('bloom_filter', () => {
  it('answers 0 for every value pushed and -ENOENT for (nearly) all others', () => {
    const m = make('bloom_filter', 0, 4, 100);
    for (let i = 0; i < 100; i++) expect(m.push(u32(i * 7))).toBe(0);
    for (let i = 0; i < 100; i++) expect(m.peek(u32(i * 7))).toBe(0);
    let positives = 0;
    for (let i = 0; i < 1000; i++) if (m.peek(u32(1_000_000 + i)) === 0) positives++;
    // 100 values, 5 hashes, 1024 bits: about 1% false positives.
    expect(positives).toBeLessThan(50);
    expect(m.count).toBe(100);
  });

  it('pushes only with BPF_ANY, and has no other op', () => {
    const m = make('bloom_filter', 0, 4, 8);
    expect(m.push(u32(1), UPDATE_FLAG.exist)).toBe(-EINVAL);
    expect(m.push(u32(1), UPDATE_FLAG.noexist)).toBe(-EINVAL);
    expect(m.pop(u32(0))).toBe(-EOPNOTSUPP);
    expect(m.lookup(new Uint8Array(0))).toBeUndefined();
    expect(m.update(new Uint8Array(0), u32(1))).toBe(-EINVAL);
    expect(m.delete(new Uint8Array(0))).toBe(-EOPNOTSUPP);
    expect(m.sysGetNextKey(undefined)).toBe(-EOPNOTSUPP);
    expect(m.sysDelete(undefined)).toBe(-EOPNOTSUPP);
    expect(m.sysLookupAndDelete(undefined)).toBe(-ENOTSUPP);
    expect([...m.entries()]).toEqual([]);
  });

  it('is tested from the syscall side with the value as input', () => {
    const m = make('bloom_filter', 0, 4, 8);
    expect(m.sysUpdate(undefined, u32(5))).toBe(0);
    expect(m.sysLookup(undefined, 0, u32(5))).toEqual(u32(5));
    expect(m.sysLookup(undefined, 0, u32(6))).toBe(-ENOENT);
    expect(m.sysLookup(undefined)).toBe(-EINVAL);
  });

  it('sizes its bit array as the kernel does', () => {
    expect(bloomShape(attrs('bloom_filter', 0, 4, 1))).toEqual({ hashes: 5, bits: 64 });
    expect(bloomShape(attrs('bloom_filter', 0, 4, 100))).toEqual({ hashes: 5, bits: 1024 });
    expect(bloomShape(attrs('bloom_filter', 0, 4, 100, { mapExtra: 3n }))).toEqual({ hashes: 3, bits: 512 });
    expect(bloomShape(attrs('bloom_filter', 0, 4, 2 ** 31))).toEqual({ hashes: 5, bits: 2 ** 32 });
  });

  it('hashes with the seed, zero under BPF_F_ZERO_SEED', () => {
    const a = make('bloom_filter', 0, 4, 1, { flags: MAP_FLAG.zeroSeed }, { hashSeed: 1234 });
    const b = make('bloom_filter', 0, 4, 1, {}, { hashSeed: 0 });
    for (let i = 0; i < 20; i++) {
      a.push(u32(i));
      b.push(u32(i));
    }
    for (let i = 100; i < 400; i++) expect(a.peek(u32(i))).toBe(b.peek(u32(i)));
  });

  it('sets the bits the kernel sets: jhash of the value, seeded with seed + i', () => {
    // One entry, 3 hashes: 64 bits. A value may be present exactly when its bits are all set.
    for (const size of [4, 3]) {
      const m = make('bloom_filter', 0, size, 1, { mapExtra: 3n }, { hashSeed: 5 });
      const h = (v: Uint8Array, i: number): number => (size % 4 ? jhash(v, size, 5 + i) : jhash2(v, size / 4, 5 + i)) & 63;
      const value = (n: number): Uint8Array => u32(n).subarray(0, size);
      const set = new Set([0, 1, 2].map((i) => h(value(77), i)));
      m.push(value(77));
      for (let n = 0; n < 2000; n++) {
        const maybe = [0, 1, 2].every((i) => set.has(h(value(n), i)));
        expect(m.peek(value(n)), `value ${n}`).toBe(maybe ? 0 : -ENOENT);
      }
    }
  });
});
