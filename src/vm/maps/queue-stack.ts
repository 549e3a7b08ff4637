import { MAP_FLAG, MAP_TYPE } from '../../object/index.js';
import { BaseMap } from './base.js';
import { E2BIG, EINVAL, ENOENT } from '../../errno.js';
import { ACCESS_MASK, accessFlagsOk, checkMemory, refuse, type MapFamily } from './family.js';
import { KERNEL_MAP_STRUCTS as S } from './kernel-structs.js';
import { UPDATE_FLAG } from './flags.js';
import type { MapAttrs, MapEntry, ResolvedOptions } from './types.js';

const QS_FLAGS = MAP_FLAG.numaNode | ACCESS_MASK;
const KMALLOC_MAX_SIZE = 4 * 1024 * 1024;

/**
 * BPF_MAP_TYPE_QUEUE (FIFO) and STACK (LIFO): keyless, values pushed and popped. Both
 * keep a ring of max_entries + 1 slots between a head (next push) and a tail (oldest).
 * When full, a push fails with -E2BIG unless it carries BPF_EXIST, which drops the
 * oldest element (for a stack too: the bottom one goes). Element ops answer as the
 * kernel's: lookup finds nothing, update and delete -EINVAL; the syscall's lookup is a
 * peek, its update a push, its lookup-and-delete a pop.
 */
export class QueueStackMap extends BaseMap {
  private readonly lifo: boolean;
  private readonly size: number;
  private readonly ring: Uint8Array;
  private head = 0;
  private tail = 0;

  constructor(attrs: MapAttrs, options: ResolvedOptions) {
    super(attrs, options);
    this.lifo = attrs.type === MAP_TYPE.stack;
    this.size = attrs.maxEntries + 1;
    this.ring = new Uint8Array(this.size * attrs.valueSize);
  }

  get count(): number {
    return (this.head - this.tail + this.size) % this.size;
  }

  protected override store(): number {
    return -EINVAL;
  }

  protected override remove(): number {
    return -EINVAL;
  }

  protected override nextKey(): number {
    return -EINVAL;
  }

  protected override pushValue(value: Uint8Array, flags: number): number {
    if (flags & UPDATE_FLAG.noexist || flags > UPDATE_FLAG.exist) return -EINVAL;
    if ((this.head + 1) % this.size === this.tail) {
      if (!(flags & UPDATE_FLAG.exist)) return -E2BIG;
      this.tail = (this.tail + 1) % this.size;
    }
    this.ring.set(value.subarray(0, this.valueSize), this.head * this.valueSize);
    this.head = (this.head + 1) % this.size;
    return 0;
  }

  protected override popValue(out: Uint8Array): number {
    return this.get(out, true);
  }

  protected override peekValue(out: Uint8Array): number {
    return this.get(out, false);
  }

  protected override sysStore(_key: Uint8Array, value: Uint8Array, flags: number): number {
    return this.pushValue(value, flags);
  }

  protected override copyValue(): Uint8Array | number {
    const out = new Uint8Array(this.valueSize);
    const err = this.get(out, false);
    return err || out;
  }

  protected override take(_key: Uint8Array, flags: number): Uint8Array | number {
    if (flags) return -EINVAL;
    const out = new Uint8Array(this.valueSize);
    const err = this.get(out, true);
    return err || out;
  }

  /** The elements in pop order, keyless. */
  override *entries(): IterableIterator<MapEntry> {
    const n = this.count;
    for (let i = 0; i < n; i++) {
      const slot = this.lifo ? (this.head - 1 - i + 2 * this.size) % this.size : (this.tail + i) % this.size;
      yield { key: new Uint8Array(0), value: this.ring.slice(slot * this.valueSize, (slot + 1) * this.valueSize) };
    }
  }

  /** The element a pop would take: the oldest of a queue, the newest of a stack. Empty: zeroes and -ENOENT. */
  private get(out: Uint8Array, take: boolean): number {
    if (this.head === this.tail) {
      out.fill(0, 0, this.valueSize);
      return -ENOENT;
    }
    const slot = this.lifo ? (this.head - 1 + this.size) % this.size : this.tail;
    out.set(this.ring.subarray(slot * this.valueSize, (slot + 1) * this.valueSize));
    if (take) {
      if (this.lifo) this.head = slot;
      else this.tail = (this.tail + 1) % this.size;
    }
    return 0;
  }
}

export const queueStackFamily: MapFamily = {
  check(attrs, options) {
    if (attrs.maxEntries === 0 || attrs.keySize !== 0 || attrs.valueSize === 0) return refuse(EINVAL, 'queues and stacks need key_size 0, a value_size and max_entries');
    if (attrs.flags & ~QS_FLAGS || !accessFlagsOk(attrs.flags)) return refuse(EINVAL, `flags 0x${attrs.flags.toString(16)} are not for queues and stacks`);
    if (attrs.valueSize > KMALLOC_MAX_SIZE) return refuse(E2BIG, 'value_size over KMALLOC_MAX_SIZE');
    return checkMemory((attrs.maxEntries + 1) * attrs.valueSize, options, 'the queue');
  },
  create: (attrs, options) => new QueueStackMap(attrs, options),
  // One slot more than max_entries: a full ring keeps one free to tell full from empty.
  memlock: (attrs) => S.bpf_queue_stack + (attrs.maxEntries + 1) * attrs.valueSize,
  refusesBtf: true,
  kernelOps: (attrs) =>
    attrs.type === MAP_TYPE.stack
      ? { map_push_elem: 'queue_stack_map_push_elem', map_pop_elem: 'stack_map_pop_elem', map_peek_elem: 'stack_map_peek_elem' }
      : { map_push_elem: 'queue_stack_map_push_elem', map_pop_elem: 'queue_map_pop_elem', map_peek_elem: 'queue_map_peek_elem' },
  libbpfOmitsBtf: true,
};
