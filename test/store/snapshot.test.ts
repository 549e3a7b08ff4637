import { describe, expect, it } from 'vitest';
import { MAP_FLAG, MAP_TYPE } from '../../src/object/kinds.js';
import { createMap } from '../../src/vm/maps/create.js';
import { restoreMap, snapshotMap } from '../../src/vm/maps/snapshot.js';
import type { MapAttrs, VmMap } from '../../src/vm/maps/types.js';
import type { RingbufMap } from '../../src/vm/maps/ringbuf.js';

/** Snapshots go through JSON in the store: every test round-trips through it. */
function roundTrip(attrs: MapAttrs, map: VmMap, cpus = 2): VmMap {
  return restoreMap(attrs, { cpus }, JSON.parse(JSON.stringify(snapshotMap(map))) as ReturnType<typeof snapshotMap>);
}

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const u64 = (n: number) => new Uint8Array(new BigUint64Array([BigInt(n)]).buffer);

function walk(map: VmMap): string[] {
  const out: string[] = [];
  for (let k = map.sysGetNextKey(undefined); typeof k !== 'number'; k = map.sysGetNextKey(k)) {
    const v = map.sysLookup(k, 0);
    out.push(`${Buffer.from(k).toString('hex')}=${typeof v === 'number' ? v : Buffer.from(v).toString('hex')}`);
  }
  return out;
}

describe('map snapshots restore what the map held, in get_next_key order', () => {
  it('a hash map keeps its bucket order, including in-bucket order after replacements', () => {
    const attrs = { type: MAP_TYPE.hash, keySize: 4, valueSize: 8, maxEntries: 8, flags: 0, name: 'h' };
    const m = createMap(attrs, { cpus: 2 });
    for (const k of [5, 1, 9, 3, 17, 33, 2]) m.sysUpdate(u32(k), u64(k * 10), 0);
    m.sysDelete(u32(9));
    m.sysUpdate(u32(1), u64(7), 0);
    const r = roundTrip(attrs, m);
    expect(walk(r)).toEqual(walk(m));
    expect(r.sysUpdate(u32(40), u64(1), 0)).toBe(0);
    expect(r.sysUpdate(u32(41), u64(1), 0)).toBe(0);
    // Full as the original would be: 8 entries.
    expect(r.sysUpdate(u32(42), u64(1), 0)).toBe(-7);
  });

  it('per-CPU values keep every CPU', () => {
    const attrs = { type: MAP_TYPE.percpuHash, keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 };
    const m = createMap(attrs, { cpus: 2 });
    m.sysUpdate(u32(1), new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]), 0);
    m.update(u32(3), u32(9), 0, 1);
    const r = roundTrip(attrs, m);
    expect(walk(r)).toEqual(walk(m));
    expect([...r.lookup(u32(3), 1)!]).toEqual([9, 0, 0, 0]);
  });

  it('arrays, frozen', () => {
    const attrs = { type: MAP_TYPE.array, keySize: 4, valueSize: 4, maxEntries: 3, flags: 0 };
    const m = createMap(attrs);
    m.sysUpdate(u32(2), u32(0xdead), 0);
    m.freeze();
    const r = roundTrip(attrs, m, 1);
    expect(walk(r)).toEqual(walk(m));
    expect(r.frozen).toBe(true);
    expect(r.sysUpdate(u32(0), u32(1), 0)).toBe(-1);
  });

  it('queues pop oldest first and stacks newest first, as before', () => {
    for (const type of [MAP_TYPE.queue, MAP_TYPE.stack]) {
      const attrs = { type, keySize: 0, valueSize: 4, maxEntries: 4, flags: 0 };
      const m = createMap(attrs);
      for (const v of [1, 2, 3]) m.push(u32(v), 0);
      const out = new Uint8Array(4);
      m.pop(out);
      m.push(u32(4), 0);
      const r = roundTrip(attrs, m, 1);
      const popped = (map: VmMap) => {
        const got: number[] = [];
        while (map.pop(out) === 0) got.push(out[0]!);
        return got;
      };
      expect(popped(r)).toEqual(popped(m));
    }
  });

  it('an LPM trie answers the same lookups and walks the same', () => {
    const attrs = { type: MAP_TYPE.lpmTrie, keySize: 8, valueSize: 4, maxEntries: 8, flags: MAP_FLAG.noPrealloc };
    const m = createMap(attrs);
    const key = (len: number, a: number, b: number, c: number, d: number) => new Uint8Array([len, 0, 0, 0, a, b, c, d]);
    m.sysUpdate(key(24, 10, 1, 2, 0), u32(1), 0);
    m.sysUpdate(key(16, 10, 1, 0, 0), u32(2), 0);
    m.sysUpdate(key(8, 192, 0, 0, 0), u32(3), 0);
    const r = roundTrip(attrs, m, 1);
    expect(walk(r)).toEqual(walk(m));
    expect(r.sysLookup(key(32, 10, 1, 9, 9), 0)).toEqual(m.sysLookup(key(32, 10, 1, 9, 9), 0));
  });

  it('a bloom filter keeps its bits, a ring buffer its records and positions', () => {
    const bloomAttrs = { type: MAP_TYPE.bloomFilter, keySize: 0, valueSize: 4, maxEntries: 16, flags: 0 };
    const bloom = createMap(bloomAttrs);
    bloom.push(u32(7), 0);
    const b = roundTrip(bloomAttrs, bloom, 1);
    expect(b.peek(u32(7))).toBe(0);
    expect(b.count).toBe(1);

    const ringAttrs = { type: MAP_TYPE.ringbuf, keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 };
    const ring = createMap(ringAttrs) as RingbufMap;
    expect(ring.output(new Uint8Array([1, 2, 3]), 0)).toBe(0);
    expect(ring.output(new Uint8Array([4, 5]), 0)).toBe(0);
    ring.consume(1);
    const r = roundTrip(ringAttrs, ring, 1) as RingbufMap;
    expect(r.count).toBe(1);
    expect([r.consumerPosition, r.producerPosition]).toEqual([ring.consumerPosition, ring.producerPosition]);
    expect(r.consume().map((rec) => [...rec])).toEqual([[4, 5]]);
  });

  it('prog arrays and map-in-maps keep the ids in their slots', () => {
    const attrs = { type: MAP_TYPE.progArray, keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 };
    const m = createMap(attrs);
    m.sysUpdate(u32(1), u32(42), 0);
    expect(walk(roundTrip(attrs, m, 1))).toEqual(['00000000=-2', '01000000=2a000000', '02000000=-2', '03000000=-2']);
  });
});
