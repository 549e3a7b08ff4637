import { describe, expect, it } from 'vitest';
import { MAP_FLAG } from '../../../src/object/kinds.js';
import { bytes, make, u32, u64 } from './util.js';

describe('onRelease', () => {
  it('reports the value of an element deleted by a program or from user space, or taken', () => {
    const m = make('hash', 4, 8, 4);
    const released: Uint8Array[][] = [];
    const stop = m.onRelease((v) => released.push([...v]));
    for (const k of [1, 2, 3]) m.update(u32(k), u64(k));
    const [one, two, three] = [1, 2, 3].map((k) => m.lookup(u32(k))!);
    m.delete(u32(1));
    m.sysDelete(u32(2));
    m.sysLookupAndDelete(u32(3));
    expect(released).toEqual([[one], [two], [three]]);
    // An update in place keeps the element, and nothing is reported after unsubscribing.
    m.update(u32(4), u64(4));
    m.update(u32(4), u64(5));
    stop();
    m.delete(u32(4));
    expect(released).toHaveLength(3);
  });

  it('reports every CPU’s copy of a per-CPU element', () => {
    const m = make('percpu_hash', 4, 8, 4, {}, { cpus: 2 });
    const released: number[] = [];
    m.onRelease((v) => released.push(v.length));
    m.update(u32(1), u64(1), 0, 1);
    m.delete(u32(1));
    expect(released).toEqual([2]);
  });

  it('reports an LRU eviction', () => {
    const m = make('lru_hash', 4, 4, 2);
    const released: Uint8Array[] = [];
    m.onRelease((v) => released.push(...v));
    for (let k = 1; k <= 3; k++) m.update(u32(k), u32(k));
    expect(m.count).toBe(2);
    expect(released).toHaveLength(1);
    expect([...released[0]!]).toEqual([...u32(1)]);
  });

  it('reports a deleted LPM trie prefix', () => {
    const m = make('lpm_trie', 8, 4, 4, { flags: MAP_FLAG.noPrealloc });
    const released: Uint8Array[] = [];
    m.onRelease((v) => released.push(...v));
    const key = bytes(24, 0, 0, 0, 10, 0, 1, 0);
    m.update(key, u32(7));
    const value = m.lookup(bytes(32, 0, 0, 0, 10, 0, 1, 9))!;
    m.delete(key);
    expect(released).toEqual([value]);
  });
});
