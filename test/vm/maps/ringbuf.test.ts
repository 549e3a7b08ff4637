import { describe, expect, it } from 'vitest';
import * as errno from '../../../src/errno.js';
import { RINGBUF_FLAG, RINGBUF_QUERY, RingbufMap, RINGBUF_BUSY_BIT, RINGBUF_DISCARD_BIT } from '../../../src/vm/maps/index.js';
import { bytes, make, u32 } from './util.js';

const { EAGAIN, EINVAL, ENOTSUPP } = errno;

function ring(size = 4096): RingbufMap {
  return make('ringbuf', 0, 0, size) as RingbufMap;
}

function header(r: RingbufMap, position: number): { len: number; pgOff: number } {
  const v = new DataView(r.data.buffer);
  const at = position & (r.maxEntries - 1);
  return { len: v.getUint32(at, true), pgOff: v.getUint32(at + 4, true) };
}

describe('ringbuf', () => {
  it('reserves records behind an 8-byte header, busy until submitted', () => {
    const r = ring();
    const a = r.reserve(5)!;
    expect(a.position).toBe(0);
    expect(a.sample.length).toBe(5);
    expect(header(r, 0)).toEqual({ len: (5 | RINGBUF_BUSY_BIT) >>> 0, pgOff: 3 });
    a.sample.set([1, 2, 3, 4, 5]);
    // Records are padded to 8 bytes: 8 + 5 -> 16.
    const b = r.reserve(1)!;
    expect(b.position).toBe(16);
    expect(r.query(RINGBUF_QUERY.prodPos)).toBe(32);
    expect(r.consume()).toEqual([]);
    r.submit(a);
    expect(header(r, 0).len).toBe(5);
    b.sample[0] = 9;
    r.submit(b.sample);
    expect(r.count).toBe(2);
    expect(r.consume()).toEqual([bytes(1, 2, 3, 4, 5), bytes(9)]);
    expect(r.query(RINGBUF_QUERY.consPos)).toBe(32);
    expect(r.query(RINGBUF_QUERY.availData)).toBe(0);
  });

  it('stops a consumer at a busy record even when later ones are done', () => {
    const r = ring();
    const a = r.reserve(4)!;
    const b = r.reserve(4)!;
    r.submit(b);
    expect(r.consume()).toEqual([]);
    r.submit(a);
    expect(r.consume().length).toBe(2);
  });

  it('skips discarded records', () => {
    const r = ring();
    const a = r.reserve(4)!;
    r.discard(a);
    expect(header(r, 0).len).toBe((4 | RINGBUF_DISCARD_BIT) >>> 0);
    expect(r.output(u32(7))).toBe(0);
    expect(r.consume()).toEqual([u32(7)]);
    expect(r.query(RINGBUF_QUERY.consPos)).toBe(32);
  });

  it('refuses flags, oversized records, and records past the room left', () => {
    const r = ring();
    expect(r.reserve(4, 1)).toBeUndefined();
    expect(r.reserve(4096)).toBeUndefined();
    expect(r.reserve(4096 - 8)).toBeUndefined();
    // The producer stays at most size - 1 bytes ahead of the consumer.
    const big = r.reserve(4096 - 16)!;
    expect(big).toBeDefined();
    expect(r.reserve(1)).toBeUndefined();
    expect(r.output(u32(1))).toBe(-EAGAIN);
    expect(r.output(u32(1), 4)).toBe(-EINVAL);
    r.submit(big);
    expect(r.consume().length).toBe(1);
    expect(r.reserve(1)).toBeDefined();
  });

  it('does not reserve more than the ring past the oldest uncommitted record', () => {
    const r = ring();
    const old = r.reserve(2040)!;
    const mid = r.reserve(2032)!;
    r.submit(mid);
    // The consumer cannot pass `old`, so this could not be read anyway; and from `old` on
    // the ring is full.
    expect(r.reserve(8)).toBeUndefined();
    r.submit(old);
    r.consume();
    expect(r.reserve(8)).toBeDefined();
  });

  it('gives a contiguous sample across the end of the ring', () => {
    const r = ring();
    r.submit(r.reserve(4072)!);
    expect(r.consume().length).toBe(1);
    const s = r.reserve(40)!;
    expect(s.position).toBe(4080);
    expect(s.sample.length).toBe(40);
    s.sample.set(Array.from({ length: 40 }, (_, i) => i + 1));
    r.submit(s);
    // The part past the end lands at the start of the ring.
    expect([...r.data.subarray(0, 8)]).toEqual([9, 10, 11, 12, 13, 14, 15, 16]);
    expect([...r.consume()[0]!]).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('wakes the consumer when it waits at the record, or when forced', () => {
    const r = ring();
    r.output(u32(1));
    expect(r.wakeups).toBe(1);
    r.output(u32(2));
    expect(r.wakeups).toBe(1);
    r.output(u32(3), RINGBUF_FLAG.forceWakeup);
    expect(r.wakeups).toBe(2);
    r.consume();
    r.output(u32(4), RINGBUF_FLAG.noWakeup);
    expect(r.wakeups).toBe(2);
    r.consume();
    const a = r.reserve(4)!;
    r.discard(a);
    expect(r.wakeups).toBe(3);
  });

  it('answers queries, 0 for an unknown one', () => {
    const r = ring(8192);
    r.output(u32(1));
    expect(r.query(RINGBUF_QUERY.ringSize)).toBe(8192);
    expect(r.query(RINGBUF_QUERY.availData)).toBe(16);
    expect(r.query(RINGBUF_QUERY.prodPos)).toBe(16);
    expect(r.query(RINGBUF_QUERY.consPos)).toBe(0);
    expect(r.query(99)).toBe(0);
  });

  it('has no element ops', () => {
    const r = ring();
    expect(r.sysLookup(undefined)).toBe(-ENOTSUPP);
    expect(r.sysUpdate(undefined, new Uint8Array(0))).toBe(-ENOTSUPP);
    expect(r.sysDelete(undefined)).toBe(-ENOTSUPP);
    expect(r.sysGetNextKey(undefined)).toBe(-ENOTSUPP);
    expect(r.sysLookupAndDelete(undefined)).toBe(-ENOTSUPP);
    expect(r.lookup(new Uint8Array(0))).toBeUndefined();
  });

  it('refuses to commit what it did not reserve', () => {
    const r = ring();
    expect(() => r.submit(new Uint8Array(4))).toThrow(RangeError);
    const a = r.reserve(4)!;
    r.submit(a);
    expect(() => r.discard(a)).toThrow(RangeError);
  });
});
