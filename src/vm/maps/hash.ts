import { MAP_FLAG, MAP_TYPE } from '../../object/kinds.js';
import { BaseMap } from './base.js';
import { keyString, round8 } from './bytes.js';
import { PERCPU_VALUE_MAX } from './array.js';
import { E2BIG, EEXIST, EINVAL, ENOENT, ENOTSUPP } from './errno.js';
import { ACCESS_MASK, accessFlagsOk, checkMemory, refuse, type MapFamily, type Refusal } from './family.js';
import { UPDATE_FLAG } from './flags.js';
import { LinkedList, type Link } from './list.js';
import type { LruNode } from './lru-lists.js';
import type { MapAttrs, MapEntry, ResolvedOptions } from './types.js';

/** One element: its own copy of the key, and value bytes that stay put while it exists. */
export interface HashElem {
  readonly key: Uint8Array;
  /** The value (value_size bytes), or every CPU's copy at a stride of value_size rounded to 8. */
  readonly raw: Uint8Array;
  /** Live views of the value, one per CPU for per-CPU maps. */
  readonly values: Uint8Array[];
  order: Link<HashElem> | undefined;
  /** LRU maps: the node the element holds. */
  lru: LruNode<HashElem> | undefined;
}

const HTAB_FLAGS = MAP_FLAG.noPrealloc | MAP_FLAG.noCommonLru | MAP_FLAG.numaNode | ACCESS_MASK | MAP_FLAG.zeroSeed;
/** KMALLOC_MAX_SIZE on x86-64 with 4 KiB pages, less sizeof(struct htab_elem): key plus value must stay below. */
const HTAB_KV_MAX = 4 * 1024 * 1024 - 48;

/** check_flags: BPF_NOEXIST on an element that exists, BPF_EXIST on one that does not. */
export function checkElemFlags(exists: boolean, flags: number): number {
  const f = flags & ~UPDATE_FLAG.lock;
  if (exists && f === UPDATE_FLAG.noexist) return -EEXIST;
  if (!exists && f === UPDATE_FLAG.exist) return -ENOENT;
  return 0;
}

/**
 * BPF_MAP_TYPE_HASH and PERCPU_HASH. Full means max_entries elements: a new key is then
 * refused with -E2BIG, while replacing an existing one still works (the kernel keeps a
 * spare element per CPU for that).
 *
 * Order: get_next_key walks elements in insertion order. The kernel walks its buckets,
 * and which bucket a key lands in depends on a hash seed drawn at random when the map
 * is created (unless BPF_F_ZERO_SEED), so no order can be promised to match; what
 * matches is the protocol: no key (or a key not in the map) gives the first element,
 * the last element gives -ENOENT.
 *
 * Values: an update of an existing element copies into the element's value in place.
 * The kernel's plain hash instead links a fresh element and frees the old one, so a
 * program still holding the old pointer keeps reading the old value until that memory
 * is reused; here it reads the new one. Keeping values in place is what lets a value
 * be mapped into a program's memory as a region that never moves.
 */
export class HashMap extends BaseMap {
  protected readonly table = new Map<string, HashElem>();
  protected readonly order = new LinkedList<HashElem>();
  protected readonly stride: number;

  constructor(attrs: MapAttrs, options: ResolvedOptions, maxEntries = attrs.maxEntries) {
    super(attrs, options, attrs.type === MAP_TYPE.percpuHash || attrs.type === MAP_TYPE.lruPercpuHash, maxEntries);
    this.stride = round8(this.valueSize);
  }

  get count(): number {
    return this.table.size;
  }

  protected get(key: Uint8Array): HashElem | undefined {
    return this.table.get(keyString(key, this.keySize));
  }

  protected override find(key: Uint8Array, cpu: number, mark: boolean): Uint8Array | undefined {
    const e = this.get(key);
    if (e === undefined) return undefined;
    if (mark) this.touch(e);
    if (!this.perCpu) return e.values[0];
    return cpu >= 0 && cpu < this.cpus ? e.values[cpu] : undefined;
  }

  /** A program looked the element up (LRU maps set its reference bit). */
  protected touch(_e: HashElem): void {}

  protected override store(key: Uint8Array, value: Uint8Array, flags: number, cpu: number, onAllCpus: boolean): number {
    if (this.perCpu) {
      // The per-CPU update path knows no BPF_F_LOCK.
      if (flags > UPDATE_FLAG.exist) return -EINVAL;
    } else {
      if ((flags & ~UPDATE_FLAG.lock) > UPDATE_FLAG.exist) return -EINVAL;
      if (flags & UPDATE_FLAG.lock && !this.options.spinLock) return -EINVAL;
    }
    const old = this.get(key);
    const err = checkElemFlags(old !== undefined, flags);
    if (err) return err;
    if (old) {
      this.write(old, value, cpu, onAllCpus);
      return 0;
    }
    if (this.table.size >= this.maxEntries) return -E2BIG;
    this.insert(key, value, cpu, onAllCpus);
    return 0;
  }

  /** A new element; from a program, CPUs other than the caller's start zeroed. */
  protected insert(key: Uint8Array, value: Uint8Array, cpu: number, onAllCpus: boolean): HashElem {
    const copies = this.perCpu ? this.cpus : 1;
    const size = this.perCpu ? this.stride : this.valueSize;
    const raw = new Uint8Array(size * copies);
    const values: Uint8Array[] = [];
    for (let c = 0; c < copies; c++) values.push(raw.subarray(c * size, c * size + this.valueSize));
    const e: HashElem = { key: key.slice(0, this.keySize), raw, values, order: undefined, lru: undefined };
    this.write(e, value, cpu, onAllCpus);
    this.table.set(keyString(key, this.keySize), e);
    e.order = this.order.push(e);
    return e;
  }

  protected write(e: HashElem, value: Uint8Array, cpu: number, onAllCpus: boolean): void {
    if (!this.perCpu) {
      e.values[0]!.set(value.subarray(0, this.valueSize));
    } else if (onAllCpus) {
      e.raw.set(value.subarray(0, this.stride * this.cpus));
    } else {
      if (cpu < 0 || cpu >= this.cpus) throw new RangeError(`cpu ${cpu} is not one of the ${this.cpus} possible`);
      e.values[cpu]!.set(value.subarray(0, this.valueSize));
    }
  }

  protected unlink(e: HashElem): void {
    this.table.delete(keyString(e.key, this.keySize));
    if (e.order) this.order.remove(e.order);
    e.order = undefined;
  }

  protected override remove(key: Uint8Array): number {
    const e = this.get(key);
    if (e === undefined) return -ENOENT;
    this.unlink(e);
    return 0;
  }

  protected override nextKey(key: Uint8Array | undefined): Uint8Array | number {
    const e = key === undefined ? undefined : this.get(key);
    const next = e ? e.order?.next : this.order.head;
    return next ? next.value.key.slice() : -ENOENT;
  }

  protected override copyValue(key: Uint8Array): Uint8Array | number {
    const e = this.get(key);
    return e === undefined ? -ENOENT : e.raw.slice();
  }

  protected override take(key: Uint8Array): Uint8Array | number {
    const e = this.get(key);
    if (e === undefined) return -ENOENT;
    this.unlink(e);
    return e.raw.slice();
  }

  override *entries(): IterableIterator<MapEntry> {
    for (const e of this.order) yield { key: e.key, value: this.perCpu ? e.values : e.values[0]! };
  }
}

/** htab_map_alloc_check and htab_map_alloc's checks, for every hash type. */
export function checkHashAttrs(attrs: MapAttrs, options: ResolvedOptions): Refusal | undefined {
  const lru = attrs.type === MAP_TYPE.lruHash || attrs.type === MAP_TYPE.lruPercpuHash;
  const perCpu = attrs.type === MAP_TYPE.percpuHash || attrs.type === MAP_TYPE.lruPercpuHash;
  const perCpuLru = (attrs.flags & MAP_FLAG.noCommonLru) !== 0;
  const prealloc = !(attrs.flags & MAP_FLAG.noPrealloc);
  if (attrs.flags & ~HTAB_FLAGS || !accessFlagsOk(attrs.flags)) return refuse(EINVAL, `flags 0x${attrs.flags.toString(16)} are not for hashes`);
  if (!lru && perCpuLru) return refuse(EINVAL, 'BPF_F_NO_COMMON_LRU is for LRU maps');
  if (lru && !prealloc) return refuse(ENOTSUPP, 'LRU maps are always preallocated');
  if (attrs.flags & MAP_FLAG.numaNode && (perCpu || perCpuLru)) return refuse(EINVAL, 'per-CPU maps take no NUMA node');
  if (attrs.maxEntries === 0 || attrs.keySize === 0 || attrs.valueSize === 0) return refuse(EINVAL, 'hashes need a key_size, a value_size and max_entries');
  if (attrs.keySize + attrs.valueSize >= HTAB_KV_MAX) return refuse(E2BIG, 'key and value too large');
  if (perCpu && round8(attrs.valueSize) > PERCPU_VALUE_MAX) return refuse(E2BIG, `per-CPU values are at most ${PERCPU_VALUE_MAX} bytes`);
  if (hashMaxEntries(attrs, options.cpus) > 2 ** 31) return refuse(E2BIG, 'more than 2^31 entries');
  if (!prealloc) return undefined;
  const elem = 48 + round8(attrs.keySize) + (perCpu ? round8(attrs.valueSize) * options.cpus : round8(attrs.valueSize));
  return checkMemory(hashMaxEntries(attrs, options.cpus) * elem, options, 'the preallocated elements');
}

/** With one LRU list per CPU the kernel rounds max_entries to a multiple of the CPUs, so that each list gets the same share. */
export function hashMaxEntries(attrs: MapAttrs, cpus: number): number {
  if (!(attrs.flags & MAP_FLAG.noCommonLru)) return attrs.maxEntries;
  const up = Math.ceil(attrs.maxEntries / cpus) * cpus;
  return up > 0xffffffff ? Math.floor(attrs.maxEntries / cpus) * cpus : up;
}

export const hashFamily: MapFamily = {
  check: checkHashAttrs,
  create: (attrs, options) => new HashMap(attrs, options),
};
