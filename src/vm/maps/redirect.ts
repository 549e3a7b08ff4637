import { MAP_FLAG, MAP_TYPE } from '../../object/index.js';
import { DEFAULT_KERNEL_PROFILE } from '../fixups/kernel-profile.js';
import { BaseMap } from './base.js';
import { nextArrayKey, readU32, u32Bytes } from './bytes.js';
import { bucketCount } from './hash.js';
import { E2BIG, EBADF, EEXIST, EINVAL, ENODEV, ENOENT, ENOMEM, EOPNOTSUPP, EOVERFLOW } from '../../errno.js';
import { INLINED, refuse, type MapFamily, type Refusal } from './family.js';
import { KERNEL_MAP_STRUCTS as S } from './kernel-structs.js';
import { UPDATE_FLAG } from './flags.js';
import type { MapAttrs, MapEntry, ResolvedOptions, VmMap } from './types.js';

/**
 * The maps bpf_redirect_map sends XDP frames through (kernel/bpf/devmap.c, cpumap.c,
 * net/xdp/xskmap.c): DEVMAP and DEVMAP_HASH hold net devices by ifindex, CPUMAP
 * receive queues by CPU, XSKMAP AF_XDP sockets. A test run sends nothing, so what
 * matters is which keys hold a target and what user space reads back. The devices are
 * those of bpfscope's network, the loopback device alone; AF_XDP sockets and programs
 * attached to entries are not modelled, and are refused as the kernel refuses an fd
 * that is none.
 */

/** bpf_redirect_map's flags beyond the fallback action, which only device maps take. */
export const BPF_F_BROADCAST = 1n << 3n;
const BPF_F_EXCLUDE_INGRESS = 1n << 4n;
const DEVMAP_REDIRECT_FLAGS = BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS;
/** The most CPUs the kernel is built for (CONFIG_NR_CPUS of the Linux 6.18 build bpfscope follows), which caps a cpumap. */
const NR_CPUS = 256;
/** cpu_map_update_elem's sanity limit on a queue. */
const CPUMAP_QSIZE_MAX = 16384;

/** A map bpf_redirect_map takes. */
export interface RedirectMap extends VmMap {
  /** The flags beyond the fallback action (the low two bits) this type takes. */
  readonly redirectFlags: bigint;
  /** Whether the u32 key names a target (the kernel's lookup for the redirect). */
  redirectTarget(key: number): boolean;
}

export function isRedirectMap(map: VmMap): map is RedirectMap {
  return map instanceof SlotArrayMap || map instanceof DevMapHash;
}

/** A device map value as stored: ifindex, then (8-byte values) the entry program's id, 0 with none. */
function deviceValue(value: Uint8Array, size: number, options: ResolvedOptions, emptyOk: boolean): Uint8Array | number | undefined {
  const le = options.littleEndian;
  const ifindex = readU32(value, le);
  const prog = size === 8 ? readU32(value, le, 4) | 0 : 0;
  if (!ifindex) return emptyOk && prog <= 0 ? undefined : -EINVAL;
  if (!(options.resolve.device ?? isLoopback)(ifindex)) return -EINVAL;
  if (prog > 0) return -EINVAL;
  const out = new Uint8Array(size);
  out.set(value.subarray(0, 4));
  return out;
}

const isLoopback = (ifindex: number) => ifindex === DEFAULT_KERNEL_PROFILE.loopbackIfindex;

/**
 * DEVMAP, CPUMAP and XSKMAP: arrays whose empty slots stay keys (get_next_key walks
 * every index, a lookup of an empty one is -ENOENT), set with any flag but
 * BPF_NOEXIST (-EEXIST even for an empty slot), emptied by a value of 0 or by delete.
 */
abstract class SlotArrayMap extends BaseMap implements RedirectMap {
  abstract readonly redirectFlags: bigint;
  protected readonly slots: (Uint8Array | undefined)[];

  constructor(attrs: MapAttrs, options: ResolvedOptions, flags = attrs.flags) {
    super({ ...attrs, flags }, options);
    this.slots = new Array<Uint8Array | undefined>(attrs.maxEntries).fill(undefined);
  }

  get count(): number {
    return this.slots.reduce((n, v) => n + (v ? 1 : 0), 0);
  }

  redirectTarget(key: number): boolean {
    return key < this.maxEntries && this.slots[key] !== undefined;
  }

  /** The value to keep for slot `index`, undefined to empty it, or -errno. */
  protected abstract accept(value: Uint8Array, index: number): Uint8Array | number | undefined;

  protected override find(key: Uint8Array): Uint8Array | undefined {
    const i = readU32(key, this.littleEndian);
    return i < this.maxEntries ? this.slots[i] : undefined;
  }

  protected override sysStore(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (flags > UPDATE_FLAG.exist) return -EINVAL;
    const i = readU32(key, this.littleEndian);
    if (i >= this.maxEntries) return -E2BIG;
    if (flags === UPDATE_FLAG.noexist) return -EEXIST;
    const kept = this.accept(value, i);
    if (typeof kept === 'number') return kept;
    this.empty(i);
    this.slots[i] = kept;
    return 0;
  }

  protected override remove(key: Uint8Array): number {
    const i = readU32(key, this.littleEndian);
    if (i >= this.maxEntries) return -EINVAL;
    this.empty(i);
    return 0;
  }

  protected override nextKey(key: Uint8Array | undefined): Uint8Array | number {
    return nextArrayKey(key, this.maxEntries, this.littleEndian);
  }

  override *entries(): IterableIterator<MapEntry> {
    for (let i = 0; i < this.maxEntries; i++) {
      const v = this.slots[i];
      if (v) yield { key: u32Bytes(i, this.littleEndian), value: v };
    }
  }

  private empty(i: number): void {
    const old = this.slots[i];
    this.slots[i] = undefined;
    if (old) this.released([old]);
  }
}

/** dev_map_init_map makes device maps BPF_F_RDONLY_PROG: a program's lookup points at the entry itself. */
const deviceMapFlags = (flags: number): number => flags | MAP_FLAG.rdonlyProg;

/** BPF_MAP_TYPE_DEVMAP: devices by index. */
class DevMap extends SlotArrayMap {
  readonly redirectFlags = DEVMAP_REDIRECT_FLAGS;

  constructor(attrs: MapAttrs, options: ResolvedOptions) {
    super(attrs, options, deviceMapFlags(attrs.flags));
  }

  protected accept(value: Uint8Array): Uint8Array | number | undefined {
    return deviceValue(value, this.valueSize, this.options, true);
  }
}

/** BPF_MAP_TYPE_CPUMAP: a queue size (and entry program) per possible CPU; programs only redirect through it. */
class CpuMap extends SlotArrayMap {
  readonly redirectFlags = 0n;

  protected accept(value: Uint8Array, index: number): Uint8Array | number | undefined {
    const qsize = readU32(value, this.littleEndian);
    if (qsize > CPUMAP_QSIZE_MAX) return -EOVERFLOW;
    if (index >= this.cpus) return -ENODEV;
    if (qsize === 0) return undefined;
    // __cpu_map_entry_alloc fails (NULL, so -ENOMEM) on an fd that is no cpumap program.
    if (this.valueSize === 8 && (readU32(value, this.littleEndian, 4) | 0) > 0) return -ENOMEM;
    const out = new Uint8Array(this.valueSize);
    out.set(value.subarray(0, 4));
    return out;
  }

  protected override find(): undefined {
    return undefined;
  }

  protected override copyValue(key: Uint8Array): Uint8Array | number {
    const i = readU32(key, this.littleEndian);
    const v = i < this.maxEntries ? this.slots[i] : undefined;
    return v ? v.slice() : -ENOENT;
  }
}

/**
 * BPF_MAP_TYPE_XSKMAP: AF_XDP sockets by queue. bpfscope has no file descriptors, so a
 * value names no socket (-EBADF, as an fd nothing has open), and user space never reads a slot.
 */
class XskMap extends SlotArrayMap {
  readonly redirectFlags = 0n;

  protected accept(): number {
    return -EBADF;
  }

  protected override copyValue(): number {
    return -EOPNOTSUPP;
  }
}

/**
 * BPF_MAP_TYPE_DEVMAP_HASH: devices under any u32 key, in roundup_pow_of_two(max_entries)
 * buckets by the key's low bits, newest first within a bucket (get_next_key's order).
 * BPF_EXIST is not checked (an update of a missing key adds it); a missing key's next
 * is the first key.
 */
class DevMapHash extends BaseMap implements RedirectMap {
  readonly redirectFlags = DEVMAP_REDIRECT_FLAGS;
  private readonly buckets: { key: number; value: Uint8Array }[][];
  private items = 0;

  constructor(attrs: MapAttrs, options: ResolvedOptions) {
    super({ ...attrs, flags: deviceMapFlags(attrs.flags) }, options);
    this.buckets = Array.from({ length: bucketCount(attrs.maxEntries) }, () => []);
  }

  get count(): number {
    return this.items;
  }

  redirectTarget(key: number): boolean {
    return this.element(key) !== undefined;
  }

  private bucket(key: number): { key: number; value: Uint8Array }[] {
    return this.buckets[key & (this.buckets.length - 1)]!;
  }

  private element(key: number): { key: number; value: Uint8Array } | undefined {
    return this.bucket(key).find((e) => e.key === key);
  }

  protected override find(key: Uint8Array): Uint8Array | undefined {
    return this.element(readU32(key, this.littleEndian))?.value;
  }

  protected override sysStore(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (flags > UPDATE_FLAG.exist) return -EINVAL;
    const k = readU32(key, this.littleEndian);
    const old = this.element(k);
    if (old && flags & UPDATE_FLAG.noexist) return -EEXIST;
    const kept = deviceValue(value, this.valueSize, this.options, false);
    if (kept === undefined || typeof kept === 'number') return kept ?? -EINVAL;
    if (old) {
      old.value.set(kept);
      return 0;
    }
    if (this.items >= this.maxEntries) return -E2BIG;
    this.bucket(k).unshift({ key: k, value: kept });
    this.items++;
    return 0;
  }

  protected override remove(key: Uint8Array): number {
    const k = readU32(key, this.littleEndian);
    const b = this.bucket(k);
    const i = b.findIndex((e) => e.key === k);
    if (i < 0) return -ENOENT;
    const [gone] = b.splice(i, 1);
    this.items--;
    this.released([gone!.value]);
    return 0;
  }

  protected override nextKey(key: Uint8Array | undefined): Uint8Array | number {
    let from = 0;
    if (key !== undefined) {
      const k = readU32(key, this.littleEndian);
      const b = this.bucket(k);
      const i = b.findIndex((e) => e.key === k);
      if (i >= 0) {
        if (i + 1 < b.length) return u32Bytes(b[i + 1]!.key, this.littleEndian);
        from = (k & (this.buckets.length - 1)) + 1;
      }
    }
    for (let i = from; i < this.buckets.length; i++) {
      const first = this.buckets[i]![0];
      if (first) return u32Bytes(first.key, this.littleEndian);
    }
    return -ENOENT;
  }

  override *entries(): IterableIterator<MapEntry> {
    for (let k = this.nextKey(undefined); typeof k !== 'number'; k = this.nextKey(k)) yield { key: k, value: this.find(k)! };
  }
}

/** dev_map_alloc_check: 4-byte keys, 4- or 8-byte values, only NUMA and syscall access flags; a hash's buckets fit 32 bits. */
function checkDevMap(attrs: MapAttrs): Refusal | undefined {
  if (attrs.maxEntries === 0 || attrs.keySize !== 4 || (attrs.valueSize !== 4 && attrs.valueSize !== 8)) return refuse(EINVAL, 'device maps need key_size 4, value_size 4 or 8 and max_entries');
  if (attrs.flags & ~(MAP_FLAG.numaNode | MAP_FLAG.rdonly | MAP_FLAG.wronly)) return refuse(EINVAL, `flags 0x${attrs.flags.toString(16)} are not for device maps`);
  if (attrs.type === MAP_TYPE.devmapHash && attrs.maxEntries > 2 ** 31) return refuse(EINVAL, 'a devmap_hash holds at most 2^31 entries');
  return undefined;
}

/** cpu_map_alloc: 4-byte keys, 4- or 8-byte values, no flags but NUMA, at most NR_CPUS entries. */
function checkCpuMap(attrs: MapAttrs): Refusal | undefined {
  if (attrs.maxEntries === 0 || attrs.keySize !== 4 || (attrs.valueSize !== 4 && attrs.valueSize !== 8) || attrs.flags & ~MAP_FLAG.numaNode) {
    return refuse(EINVAL, 'cpumaps need key_size 4, value_size 4 or 8, max_entries and no flags but BPF_F_NUMA_NODE');
  }
  return attrs.maxEntries > NR_CPUS ? refuse(E2BIG, `a cpumap has at most ${NR_CPUS} entries (NR_CPUS)`) : undefined;
}

/** xsk_map_alloc: 4-byte keys and values, only NUMA and syscall access flags. */
function checkXskMap(attrs: MapAttrs): Refusal | undefined {
  if (attrs.maxEntries === 0 || attrs.keySize !== 4 || attrs.valueSize !== 4 || attrs.flags & ~(MAP_FLAG.numaNode | MAP_FLAG.rdonly | MAP_FLAG.wronly)) {
    return refuse(EINVAL, 'xskmaps need key_size 4, value_size 4, max_entries and no flags but NUMA and access ones');
  }
  return undefined;
}

const pointers = (attrs: MapAttrs): number => 8 * attrs.maxEntries;

export const devMapFamily: MapFamily = {
  check: checkDevMap,
  create: (attrs, options) => new DevMap(attrs, options),
  keptFlags: deviceMapFlags,
  memlock: (attrs) => S.bpf_dtab + pointers(attrs),
  refusesBtf: true,
  kernelOps: () => ({ map_lookup_elem: 'dev_map_lookup_elem', map_update_elem: 'dev_map_update_elem', map_delete_elem: 'dev_map_delete_elem', redirect_map: 'dev_map_redirect' }),
  libbpfOmitsBtf: true,
};

export const devMapHashFamily: MapFamily = {
  check: checkDevMap,
  create: (attrs, options) => new DevMapHash(attrs, options),
  keptFlags: deviceMapFlags,
  // The buckets, then each device held (struct bpf_dtab_netdev).
  memlock: (attrs, _cpus, elements) => S.bpf_dtab + 8 * bucketCount(attrs.maxEntries) + S.bpf_dtab_netdev * elements,
  countsElements: () => true,
  refusesBtf: true,
  kernelOps: () => ({ map_lookup_elem: 'dev_map_hash_lookup_elem', map_update_elem: 'dev_map_hash_update_elem', map_delete_elem: 'dev_map_hash_delete_elem', redirect_map: 'dev_hash_map_redirect' }),
  libbpfOmitsBtf: true,
};

export const cpuMapFamily: MapFamily = {
  check: checkCpuMap,
  create: (attrs, options) => new CpuMap(attrs, options),
  memlock: (attrs) => S.bpf_cpu_map + pointers(attrs),
  refusesBtf: true,
  kernelOps: () => ({ map_lookup_elem: 'cpu_map_lookup_elem', map_update_elem: 'cpu_map_update_elem', map_delete_elem: 'cpu_map_delete_elem', redirect_map: 'cpu_map_redirect' }),
  libbpfOmitsBtf: true,
};

export const xskMapFamily: MapFamily = {
  check: checkXskMap,
  create: (attrs, options) => new XskMap(attrs, options),
  memlock: (attrs) => S.xsk_map + pointers(attrs),
  refusesBtf: true,
  kernelOps: () => ({ map_lookup_elem: INLINED, map_update_elem: 'xsk_map_update_elem', map_delete_elem: 'xsk_map_delete_elem', redirect_map: 'xsk_map_redirect' }),
  libbpfOmitsBtf: true,
};
