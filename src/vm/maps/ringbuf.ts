import { MAP_FLAG } from '../../object/index.js';
import { BaseMap } from './base.js';
import { round8 } from './bytes.js';
import { E2BIG, EAGAIN, EINVAL, ENOTSUPP } from '../../errno.js';
import { checkMemory, refuse, type MapFamily, type Refusal } from './family.js';
import { KERNEL_MAP_STRUCTS as S } from './kernel-structs.js';
import { RINGBUF_FLAG, RINGBUF_QUERY } from './flags.js';
import { UnmodelledMap } from './unmodelled.js';
import type { MapAttrs, MapEntry, ResolvedOptions } from './types.js';

const PAGE_SIZE = S.page;
export const RINGBUF_HDR_SZ = 8;
export const RINGBUF_BUSY_BIT = 0x80000000;
export const RINGBUF_DISCARD_BIT = 0x40000000;
/** The largest record the kernel reserves (UINT_MAX / 4). */
const MAX_RECORD = Math.floor(0xffffffff / 4);
/** Pages of struct bpf_ringbuf before the data: one not mappable, the consumer's, the producer's. */
const META_PAGES = 3;
/** Limited by the page offset a record header keeps in 32 bits, less 8 bits kept back. */
const MAX_DATA = (2 ** 24 - META_PAGES) * PAGE_SIZE;

/** A record reserved and not yet submitted or discarded. */
export interface RingbufReservation {
  /** The producer position of its header. */
  readonly position: number;
  /** The bytes the program fills: a live view, contiguous even where the record wraps. */
  readonly sample: Uint8Array;
}

/**
 * BPF_MAP_TYPE_RINGBUF: one buffer of max_entries bytes (a power of two and a multiple
 * of the page size) shared by all CPUs, holding records of an 8-byte header (u32 length
 * with a busy and a discard bit, u32 page offset of the header within the ring's
 * memory) followed by the sample, each record padded to 8 bytes.
 *
 * The kernel maps the data pages twice in a row so that a record wrapping past the end
 * is still contiguous. Here the data buffer is twice the ring's size for the same
 * reason: a reservation is a view that may run into the second half, which is kept
 * equal to the first around each record's lifetime (copied in at reserve, back at
 * submit or discard). Positions grow without wrapping, as the kernel's do.
 */
export class RingbufMap extends BaseMap {
  /** The ring's bytes, followed by the mirror of its start. */
  readonly data: Uint8Array;
  private readonly view: DataView;
  private readonly mask: number;
  private consumer = 0;
  private producer = 0;
  /** Start of the oldest record not yet committed (Linux 6.10+ does not reserve past it by more than the ring). */
  private pending = 0;
  private readonly open = new Map<number, RingbufReservation>();
  /** How many times a consumer would have been woken up. */
  wakeups = 0;

  constructor(attrs: MapAttrs, options: ResolvedOptions) {
    super(attrs, options);
    this.mask = attrs.maxEntries - 1;
    this.data = new Uint8Array(2 * attrs.maxEntries);
    this.view = new DataView(this.data.buffer);
  }

  /** Records produced and not yet consumed. */
  get count(): number {
    let n = 0;
    for (let pos = this.consumer; pos < this.producer; ) {
      const len = this.view.getUint32(pos & this.mask, true);
      if (!(len & (RINGBUF_BUSY_BIT | RINGBUF_DISCARD_BIT))) n++;
      pos += round8((len & ~(RINGBUF_BUSY_BIT | RINGBUF_DISCARD_BIT)) + RINGBUF_HDR_SZ);
    }
    return n;
  }

  get consumerPosition(): number {
    return this.consumer;
  }

  get producerPosition(): number {
    return this.producer;
  }

  /** bpf_ringbuf_reserve: room for `size` bytes, or undefined (bad flags, too large, no room). */
  reserve(size: number, flags = 0): RingbufReservation | undefined {
    if (flags !== 0) return undefined;
    if (size > MAX_RECORD) return undefined;
    const len = round8(size + RINGBUF_HDR_SZ);
    if (len > this.maxEntries) return undefined;
    // Records committed since the last reservation no longer hold the pending position back.
    while (this.pending < this.producer) {
      const hdr = this.view.getUint32(this.pending & this.mask, true);
      if (hdr & RINGBUF_BUSY_BIT) break;
      this.pending += round8((hdr & ~RINGBUF_DISCARD_BIT) + RINGBUF_HDR_SZ);
    }
    const next = this.producer + len;
    // The producer may run at most size - 1 bytes ahead of the consumer and of the oldest
    // uncommitted record.
    if (next - this.consumer > this.mask || next - this.pending > this.mask) return undefined;
    const at = this.producer & this.mask;
    this.view.setUint32(at, (size | RINGBUF_BUSY_BIT) >>> 0, true);
    this.view.setUint32(at + 4, META_PAGES + Math.floor(at / PAGE_SIZE), true);
    const end = at + len;
    if (end > this.maxEntries) this.data.copyWithin(this.maxEntries, 0, end - this.maxEntries);
    const reservation: RingbufReservation = { position: this.producer, sample: this.data.subarray(at + RINGBUF_HDR_SZ, at + RINGBUF_HDR_SZ + size) };
    this.producer = next;
    this.open.set(reservation.position, reservation);
    return reservation;
  }

  /** bpf_ringbuf_submit. */
  submit(record: RingbufReservation | Uint8Array, flags = 0): void {
    this.commit(record, flags, false);
  }

  /** bpf_ringbuf_discard: the record is skipped by consumers. */
  discard(record: RingbufReservation | Uint8Array, flags = 0): void {
    this.commit(record, flags, true);
  }

  /** bpf_ringbuf_output: reserve, copy, submit. 0, -EINVAL for bad flags, -EAGAIN for no room. */
  output(data: Uint8Array, flags = 0): number {
    if (flags & ~(RINGBUF_FLAG.noWakeup | RINGBUF_FLAG.forceWakeup)) return -EINVAL;
    const r = this.reserve(data.length);
    if (!r) return -EAGAIN;
    r.sample.set(data);
    this.commit(r, flags, false);
    return 0;
  }

  /** bpf_ringbuf_query: 0 for an unknown flag, as in the kernel. */
  query(flags: number): number {
    switch (flags) {
      case RINGBUF_QUERY.availData:
        return this.producer - this.consumer;
      case RINGBUF_QUERY.ringSize:
        return this.maxEntries;
      case RINGBUF_QUERY.consPos:
        return this.consumer;
      case RINGBUF_QUERY.prodPos:
        return this.producer;
      default:
        return 0;
    }
  }

  /**
   * What a user-space consumer (libbpf's ring_buffer__consume) reads: submitted samples
   * in order, discarded ones skipped, stopping at the first record still reserved. The
   * consumer position moves past everything read.
   */
  consume(limit = Infinity): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (this.consumer < this.producer && out.length < limit) {
      const at = this.consumer & this.mask;
      const hdr = this.view.getUint32(at, true);
      if (hdr & RINGBUF_BUSY_BIT) break;
      const size = hdr & ~RINGBUF_DISCARD_BIT;
      if (!(hdr & RINGBUF_DISCARD_BIT)) out.push(this.readWrapped(at + RINGBUF_HDR_SZ, size));
      this.consumer += round8(size + RINGBUF_HDR_SZ);
    }
    return out;
  }

  /** Every map element op of a ring buffer is ENOTSUPP. */
  protected override store(): number {
    return -ENOTSUPP;
  }

  protected override remove(): number {
    return -ENOTSUPP;
  }

  protected override nextKey(): number {
    return -ENOTSUPP;
  }

  protected override copyValue(): number {
    return -ENOTSUPP;
  }

  override *entries(): IterableIterator<MapEntry> {}

  private commit(record: RingbufReservation | Uint8Array, flags: number, discard: boolean): void {
    const r = this.reservationOf(record);
    this.open.delete(r.position);
    const at = r.position & this.mask;
    let len = this.view.getUint32(at, true) ^ RINGBUF_BUSY_BIT;
    if (discard) len |= RINGBUF_DISCARD_BIT;
    const end = at + RINGBUF_HDR_SZ + r.sample.length;
    if (end > this.maxEntries) this.data.copyWithin(0, this.maxEntries, end);
    this.view.setUint32(at, len >>> 0, true);
    // Wake the consumer when asked, or when it is waiting at this very record.
    if (flags & RINGBUF_FLAG.forceWakeup) this.wakeups++;
    else if ((this.consumer & this.mask) === at && !(flags & RINGBUF_FLAG.noWakeup)) this.wakeups++;
  }

  private reservationOf(record: RingbufReservation | Uint8Array): RingbufReservation {
    if (!(record instanceof Uint8Array)) {
      if (this.open.get(record.position) !== record) throw new RangeError(`no open ring buffer record at position ${record.position}`);
      return record;
    }
    for (const r of this.open.values()) if (r.sample.byteOffset === record.byteOffset && r.sample.buffer === record.buffer) return r;
    throw new RangeError('not a reserved ring buffer sample');
  }

  private readWrapped(at: number, size: number): Uint8Array {
    const out = new Uint8Array(size);
    const first = Math.min(size, this.maxEntries - (at & this.mask));
    out.set(this.data.subarray(at & this.mask, (at & this.mask) + first));
    if (first < size) out.set(this.data.subarray(0, size - first), first);
    return out;
  }
}

/** ringbuf_map_mem_usage: the map, the pages (metadata and data) and a page pointer for each page mapped, data pages twice. */
function ringbufMemlock(attrs: MapAttrs): number {
  const dataPages = Math.floor(attrs.maxEntries / PAGE_SIZE);
  const pages = META_PAGES + dataPages;
  return S.bpf_ringbuf_map + pages * PAGE_SIZE + (pages + dataPages) * 8;
}

/** ringbuf_map_alloc's checks, which the user ring buffer shares. */
function checkRingbufAttrs(attrs: MapAttrs, options: ResolvedOptions): Refusal | undefined {
  if (attrs.flags & ~MAP_FLAG.numaNode) return refuse(EINVAL, `flags 0x${attrs.flags.toString(16)} are not for ring buffers`);
  const n = attrs.maxEntries;
  if (attrs.keySize || attrs.valueSize || n === 0 || !Number.isInteger(Math.log2(n)) || n % PAGE_SIZE !== 0) {
    return refuse(EINVAL, 'ring buffers need key_size 0, value_size 0 and max_entries a power of 2 and a multiple of the page size');
  }
  if (n > MAX_DATA) return refuse(E2BIG, 'ring buffer larger than the header page offset can reach');
  return checkMemory(2 * n, options, 'the ring');
}

/** libbpf's adjust_ringbuf_sz: a size that is not a power-of-2 number of pages becomes the next one that is. */
function libbpfRingbufSize<A extends MapAttrs>(attrs: A): A {
  const size = attrs.maxEntries;
  const pages = size / S.page;
  if (size === 0 || (Number.isInteger(pages) && Number.isInteger(Math.log2(pages)))) return attrs;
  for (let mul = 1; mul <= Math.floor(0xffffffff / S.page); mul *= 2) if (mul * S.page > size) return { ...attrs, maxEntries: mul * S.page };
  return attrs;
}

export const ringbufFamily: MapFamily = {
  check: checkRingbufAttrs,
  create: (attrs, options) => new RingbufMap(attrs, options),
  memlock: ringbufMemlock,
  libbpfAttrs: libbpfRingbufSize,
};

/** The user ring buffer (user space produces, bpf_user_ringbuf_drain consumes): a ring buffer's checks and memlock, no element ops. */
export const userRingbufFamily: MapFamily = {
  check: checkRingbufAttrs,
  create: (attrs, options) => new UnmodelledMap(attrs, options, { nextKey: ENOTSUPP, lookup: () => ENOTSUPP, update: () => ENOTSUPP, delete: () => ENOTSUPP }),
  memlock: ringbufMemlock,
  libbpfAttrs: libbpfRingbufSize,
};
