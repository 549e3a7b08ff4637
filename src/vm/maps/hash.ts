import { MAP_FLAG, MAP_TYPE } from '../../object/index.js';
import { BaseMap } from './base.js';
import { keyString, round8 } from './bytes.js';
import { PERCPU_VALUE_MAX } from './array.js';
import { E2BIG, EEXIST, EINVAL, ENOENT, ENOTSUPP } from '../../errno.js';
import { ACCESS_MASK, accessFlagsOk, checkMemory, INLINED, refuse, type MapFamily, type Refusal } from './family.js';
import { KERNEL_MAP_STRUCTS as S } from './kernel-structs.js';
import { UPDATE_FLAG } from './flags.js';
import { mapHash } from './jhash.js';
import type { LruNode } from './lru-lists.js';
import type { MapAttrs, MapEntry, ResolvedOptions } from './types.js';

/** One element: its own copy of the key, and value bytes that stay put while it exists. */
export interface HashElem {
  readonly key: Uint8Array;
  readonly hash: number;
  /** The value (value_size bytes), or every CPU's copy at a stride of value_size rounded to 8. */
  readonly raw: Uint8Array;
  /** Live views of the value, one per CPU for per-CPU maps. */
  readonly values: Uint8Array[];
  /** Neighbours in the element's bucket. */
  prev: HashElem | undefined;
  next: HashElem | undefined;
  /** LRU maps: the node the element holds. */
  lru: LruNode<HashElem> | undefined;
}

const HTAB_FLAGS = MAP_FLAG.noPrealloc | MAP_FLAG.noCommonLru | MAP_FLAG.numaNode | ACCESS_MASK | MAP_FLAG.zeroSeed;
/** KMALLOC_MAX_SIZE on x86-64 with 4 KiB pages, less sizeof(struct htab_elem): key plus value must stay below. */
const HTAB_KV_MAX = 4 * 1024 * 1024 - 48;
/** sizeof(struct bucket): the kernel allocates one per bucket up front, preallocated or not. */
const BUCKET_SIZE = S.htab_bucket;
/** The per-CPU lock counters a hash keeps (HASHTAB_MAP_LOCK_COUNT). */
const HASHTAB_MAP_LOCK_COUNT = 8;

/** check_flags: BPF_NOEXIST on an element that exists, BPF_EXIST on one that does not. */
export function checkElemFlags(exists: boolean, flags: number): number {
  const f = flags & ~UPDATE_FLAG.lock;
  if (exists && f === UPDATE_FLAG.noexist) return -EEXIST;
  if (!exists && f === UPDATE_FLAG.exist) return -ENOENT;
  return 0;
}

/** The kernel's bucket count: max_entries rounded up to a power of two. */
export function bucketCount(maxEntries: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, maxEntries)));
}

/**
 * BPF_MAP_TYPE_HASH and PERCPU_HASH. Full means max_entries elements: a new key is then
 * refused with -E2BIG, while replacing an existing one still works (the kernel keeps a
 * spare element per CPU for that).
 *
 * Order: elements sit in buckets picked as the kernel picks them (jhash of the key with
 * the map's seed, masked to a power-of-two bucket count), newest first in a bucket, and
 * get_next_key walks the buckets in order. The kernel seeds each map at random unless
 * it has BPF_F_ZERO_SEED; with the same seed (`hashSeed`, 0 by default) the walk is the
 * kernel's, so a zero-seed map dumps in bpftool's order. A key that is not in the map
 * starts the walk over, the last element ends it with -ENOENT.
 *
 * Values: an update of an existing element copies into the element's value in place,
 * so a value is one Uint8Array for the element's whole life (what lets it be mapped
 * into a program's memory as a region that never moves). The kernel's plain hash
 * instead links a fresh element at the head of the bucket and frees the old one: the
 * element moves to the head of its bucket (as here), and a program still holding the
 * old pointer keeps reading the old value until that memory is reused (here it reads
 * the new one).
 */
export class HashMap extends BaseMap {
  protected readonly table = new Map<string | number, HashElem>();
  protected readonly stride: number;
  private readonly buckets: (HashElem | undefined)[];
  private readonly seed: number;

  constructor(attrs: MapAttrs, options: ResolvedOptions, maxEntries = attrs.maxEntries) {
    super(attrs, options, attrs.type === MAP_TYPE.percpuHash || attrs.type === MAP_TYPE.lruPercpuHash, maxEntries);
    this.stride = round8(this.valueSize);
    this.buckets = new Array<HashElem | undefined>(bucketCount(maxEntries));
    this.seed = attrs.flags & MAP_FLAG.zeroSeed ? 0 : options.hashSeed;
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
      // A plain update links a new element at the head of the bucket; per-CPU, map-in-map
      // and BPF_F_LOCK updates write in place.
      if (!this.perCpu && this.type !== MAP_TYPE.hashOfMaps && !(flags & UPDATE_FLAG.lock)) this.toBucketHead(old);
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
    const k = key.slice(0, this.keySize);
    const e: HashElem = { key: k, hash: mapHash(k, this.keySize, this.seed), raw, values, prev: undefined, next: undefined, lru: undefined };
    this.write(e, value, cpu, onAllCpus);
    this.table.set(keyString(key, this.keySize), e);
    this.link(e);
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

  /** Takes the element out of the table and its bucket. */
  protected unlink(e: HashElem): void {
    this.table.delete(keyString(e.key, this.keySize));
    this.unlinkBucket(e);
    this.released(e.values);
  }

  protected toBucketHead(e: HashElem): void {
    this.unlinkBucket(e);
    this.link(e);
  }

  protected override remove(key: Uint8Array): number {
    const e = this.get(key);
    if (e === undefined) return -ENOENT;
    this.unlink(e);
    return 0;
  }

  protected override nextKey(key: Uint8Array | undefined): Uint8Array | number {
    const e = key === undefined ? undefined : this.get(key);
    if (e?.next) return e.next.key.slice();
    const mask = this.buckets.length - 1;
    for (let b = e ? (e.hash & mask) + 1 : 0; b < this.buckets.length; b++) {
      const first = this.buckets[b];
      if (first) return first.key.slice();
    }
    return -ENOENT;
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

  /** In get_next_key order; the element just yielded may be deleted. */
  override *entries(): IterableIterator<MapEntry> {
    for (let b = 0; b < this.buckets.length; b++) {
      for (let e = this.buckets[b]; e; ) {
        const next = e.next;
        yield { key: e.key, value: this.perCpu ? e.values.slice() : e.values[0]! };
        e = next;
      }
    }
  }

  private link(e: HashElem): void {
    const b = e.hash & (this.buckets.length - 1);
    e.prev = undefined;
    e.next = this.buckets[b];
    if (e.next) e.next.prev = e;
    this.buckets[b] = e;
  }

  private unlinkBucket(e: HashElem): void {
    if (e.prev) e.prev.next = e.next;
    else this.buckets[e.hash & (this.buckets.length - 1)] = e.next;
    if (e.next) e.next.prev = e.prev;
    e.prev = e.next = undefined;
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
  const maxEntries = hashMaxEntries(attrs, options.cpus);
  if (maxEntries > 2 ** 31) return refuse(E2BIG, 'more than 2^31 entries');
  const buckets = bucketCount(maxEntries);
  if (buckets > Math.floor(0xffffffff / BUCKET_SIZE)) return refuse(E2BIG, 'too many buckets');
  const elem = 48 + round8(attrs.keySize) + (perCpu ? round8(attrs.valueSize) * options.cpus : round8(attrs.valueSize));
  return checkMemory(buckets * BUCKET_SIZE + (prealloc ? maxEntries * elem : 0), options, prealloc ? 'the buckets and preallocated elements' : 'the buckets');
}

/** With one LRU list per CPU the kernel rounds max_entries to a multiple of the CPUs, so that each list gets the same share. */
export function hashMaxEntries(attrs: MapAttrs, cpus: number): number {
  if (!(attrs.flags & MAP_FLAG.noCommonLru)) return attrs.maxEntries;
  const up = Math.ceil(attrs.maxEntries / cpus) * cpus;
  return up > 0xffffffff ? Math.floor(attrs.maxEntries / cpus) * cpus : up;
}

const isLruType = (type: number): boolean => type === MAP_TYPE.lruHash || type === MAP_TYPE.lruPercpuHash;

/** A hash without preallocation (LRU maps always preallocate) charges per element. */
export function hashCountsElements(attrs: MapAttrs): boolean {
  return !isLruType(attrs.type) && (attrs.flags & MAP_FLAG.noPrealloc) !== 0;
}

/**
 * htab_map_mem_usage: the htab, its buckets and per-CPU lock counters, then the
 * elements: all max_entries preallocated (plus a spare one a CPU for updates of a full
 * plain hash), or those held.
 */
export function hashMemlock(attrs: MapAttrs, cpus: number, elements: number): number {
  const percpu = attrs.type === MAP_TYPE.percpuHash || attrs.type === MAP_TYPE.lruPercpuHash;
  const lru = isLruType(attrs.type);
  const value = round8(attrs.valueSize);
  const elem = S.htab_elem + round8(attrs.keySize) + (percpu ? 8 : value);
  let usage = S.bpf_htab + S.htab_bucket * bucketCount(attrs.maxEntries) + 4 * cpus * HASHTAB_MAP_LOCK_COUNT;
  if (hashCountsElements(attrs)) {
    usage += (elem + S.llist_node) * elements;
    // A per-CPU value is allocated apart, with a node and a pointer of its own.
    return percpu ? usage + (S.llist_node + 8 + value * cpus) * elements : usage;
  }
  // A map-in-map swaps pointers and needs no spare elements.
  const extra = !percpu && !lru && attrs.type !== MAP_TYPE.hashOfMaps;
  const entries = attrs.maxEntries + (extra ? cpus : 0);
  usage += elem * entries;
  if (percpu) usage += value * cpus * entries;
  else if (!lru) usage += 8 * cpus;
  return usage;
}

export const hashFamily: MapFamily = {
  check: checkHashAttrs,
  create: (attrs, options) => new HashMap(attrs, options),
  memlock: hashMemlock,
  countsElements: hashCountsElements,
  kernelOps: (attrs) =>
    attrs.type === MAP_TYPE.percpuHash
      ? { map_lookup_elem: INLINED, map_update_elem: 'htab_percpu_map_update_elem', map_delete_elem: 'htab_map_delete_elem', map_lookup_percpu_elem: 'htab_percpu_map_lookup_percpu_elem', for_each_map_elem: 'bpf_for_each_hash_elem' }
      : { map_lookup_elem: INLINED, map_update_elem: 'htab_map_update_elem', map_delete_elem: 'htab_map_delete_elem', for_each_map_elem: 'bpf_for_each_hash_elem' },
};
