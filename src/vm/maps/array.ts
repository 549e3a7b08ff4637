import { MAP_FLAG, MAP_TYPE } from '../../object/index.js';
import { BaseMap } from './base.js';
import { nextArrayKey, readU32, round8, u32Bytes } from './bytes.js';
import { E2BIG, EEXIST, EINVAL, ENOENT } from '../../errno.js';
import { ACCESS_MASK, accessFlagsOk, checkMemory, INLINED, refuse, type MapFamily } from './family.js';
import { KERNEL_MAP_STRUCTS as S, pageUp } from './kernel-structs.js';
import { UPDATE_FLAG } from './flags.js';
import type { MapAttrs, MapEntry, ResolvedOptions } from './types.js';

/** PCPU_MIN_UNIT_SIZE: the largest per-CPU value the kernel allocates. */
export const PERCPU_VALUE_MAX = 32768;
const ARRAY_FLAGS = MAP_FLAG.numaNode | MAP_FLAG.mmapable | ACCESS_MASK | MAP_FLAG.preserveElems | MAP_FLAG.innerMap;
const INT_MAX = 2 ** 31 - 1;

/**
 * BPF_MAP_TYPE_ARRAY and PERCPU_ARRAY, global data (.data, .rodata, .bss: single-element
 * arrays) included. Every slot exists from creation, zeroed; like the kernel, slots are
 * laid out at a stride of value_size rounded up to 8 in one buffer (per CPU), so the
 * whole value area of an mmapable array is one contiguous region and each value is a
 * fixed view into it.
 */
export class ArrayMap extends BaseMap {
  private readonly stride: number;
  /** One buffer per CPU (one in all for a plain array). */
  private readonly areas: Uint8Array[];
  private readonly views: Uint8Array[][];

  constructor(attrs: MapAttrs, options: ResolvedOptions) {
    const perCpu = attrs.type === MAP_TYPE.percpuArray;
    super(attrs, options, perCpu);
    this.stride = round8(this.valueSize);
    const copies = perCpu ? this.cpus : 1;
    this.areas = [];
    this.views = [];
    for (let c = 0; c < copies; c++) {
      const area = new Uint8Array(this.stride * this.maxEntries);
      this.areas.push(area);
      this.views.push([]);
    }
  }

  get count(): number {
    return this.maxEntries;
  }

  /**
   * The value area of one CPU's copy: max_entries slots at the stride. For an mmapable
   * array this is what user space maps, and what a program's direct value access
   * (ld_imm64 src 2) points into.
   */
  valueArea(cpu = 0): Uint8Array {
    return this.areas[this.perCpu ? cpu : 0]!;
  }

  protected override find(key: Uint8Array, cpu: number): Uint8Array | undefined {
    const index = readU32(key, this.littleEndian);
    if (index >= this.maxEntries) return undefined;
    if (this.perCpu && (cpu < 0 || cpu >= this.cpus)) return undefined;
    return this.view(this.perCpu ? cpu : 0, index);
  }

  protected override store(key: Uint8Array, value: Uint8Array, flags: number, cpu: number, onAllCpus: boolean): number {
    const index = readU32(key, this.littleEndian);
    if (onAllCpus) {
      // bpf_percpu_array_update: BPF_F_LOCK is an unknown flag here.
      if (flags > UPDATE_FLAG.exist) return -EINVAL;
      if (index >= this.maxEntries) return -E2BIG;
      if (flags === UPDATE_FLAG.noexist) return -EEXIST;
      // User space hands over each CPU's value padded to 8 bytes, padding included.
      for (let c = 0; c < this.cpus; c++) {
        this.areas[c]!.set(value.subarray(c * this.stride, (c + 1) * this.stride), index * this.stride);
      }
      return 0;
    }
    if ((flags & ~UPDATE_FLAG.lock) > UPDATE_FLAG.exist) return -EINVAL;
    // Every slot was preallocated: an index past the end is a new element that cannot be.
    if (index >= this.maxEntries) return -E2BIG;
    // ... and every slot in range already exists.
    if (flags & UPDATE_FLAG.noexist) return -EEXIST;
    if (flags & UPDATE_FLAG.lock && !this.options.spinLock) return -EINVAL;
    if (this.perCpu && (cpu < 0 || cpu >= this.cpus)) throw new RangeError(`cpu ${cpu} is not one of the ${this.cpus} possible`);
    this.view(this.perCpu ? cpu : 0, index).set(value.subarray(0, this.valueSize));
    return 0;
  }

  /** Array slots cannot be deleted. */
  protected override remove(): number {
    return -EINVAL;
  }

  /** Indexes in order; a missing or out-of-range key starts over at 0. */
  protected override nextKey(key: Uint8Array | undefined): Uint8Array | number {
    return nextArrayKey(key, this.maxEntries, this.littleEndian);
  }

  protected override copyValue(key: Uint8Array): Uint8Array | number {
    const index = readU32(key, this.littleEndian);
    if (index >= this.maxEntries) return -ENOENT;
    if (!this.perCpu) return this.view(0, index).slice();
    const out = new Uint8Array(this.stride * this.cpus);
    for (let c = 0; c < this.cpus; c++) out.set(this.areas[c]!.subarray(index * this.stride, (index + 1) * this.stride), c * this.stride);
    return out;
  }

  override *entries(): IterableIterator<MapEntry> {
    for (let i = 0; i < this.maxEntries; i++) {
      const key = u32Bytes(i, this.littleEndian);
      yield { key, value: this.perCpu ? this.areas.map((_, c) => this.view(c, i)) : this.view(0, i) };
    }
  }

  /** Views are made on first use and kept, so a value is always the same Uint8Array. */
  private view(copy: number, index: number): Uint8Array {
    const views = this.views[copy]!;
    let v = views[index];
    if (v === undefined) {
      v = this.areas[copy]!.subarray(index * this.stride, index * this.stride + this.valueSize);
      views[index] = v;
    }
    return v;
  }
}

/** array_map_alloc_check, shared with the fd arrays (which add their own checks first). */
export function checkArrayAttrs(attrs: MapAttrs, options: ResolvedOptions): ReturnType<MapFamily['check']> {
  const perCpu = attrs.type === MAP_TYPE.percpuArray;
  if (attrs.maxEntries === 0 || attrs.keySize !== 4 || attrs.valueSize === 0) return refuse(EINVAL, 'arrays need key_size 4, a value_size and max_entries');
  if (attrs.flags & ~ARRAY_FLAGS || !accessFlagsOk(attrs.flags)) return refuse(EINVAL, `flags 0x${attrs.flags.toString(16)} are not for arrays`);
  if (perCpu && attrs.flags & MAP_FLAG.numaNode) return refuse(EINVAL, 'per-CPU arrays take no NUMA node');
  if (attrs.type !== MAP_TYPE.array && attrs.flags & (MAP_FLAG.mmapable | MAP_FLAG.innerMap)) return refuse(EINVAL, 'only plain arrays are mmapable or inner-map templates');
  if (attrs.type !== MAP_TYPE.perfEventArray && attrs.flags & MAP_FLAG.preserveElems) return refuse(EINVAL, 'BPF_F_PRESERVE_ELEMS is for perf event arrays');
  if (attrs.valueSize > INT_MAX) return refuse(E2BIG, 'value_size over INT_MAX');
  if (perCpu && round8(attrs.valueSize) > PERCPU_VALUE_MAX) return refuse(E2BIG, `per-CPU values are at most ${PERCPU_VALUE_MAX} bytes`);
  return checkMemory(attrs.maxEntries * round8(attrs.valueSize) * (perCpu ? options.cpus : 1), options, 'the array');
}

/** array_map_mem_usage: the bpf_array and its values (an mmapable one in whole pages), per-CPU ones with a pointer per slot. */
function arrayMemlock(attrs: MapAttrs, cpus: number): number {
  const value = round8(attrs.valueSize);
  if (attrs.type === MAP_TYPE.percpuArray) return S.bpf_array + 8 * attrs.maxEntries + value * attrs.maxEntries * cpus;
  if (attrs.flags & MAP_FLAG.mmapable) return pageUp(S.bpf_array) + pageUp(value * attrs.maxEntries);
  return S.bpf_array + value * attrs.maxEntries;
}

export const arrayFamily: MapFamily = {
  check: checkArrayAttrs,
  create: (attrs, options) => new ArrayMap(attrs, options),
  memlock: arrayMemlock,
  kernelOps(attrs) {
    // map_gen_lookup inlines lookups, except in an inner-map template.
    const inner = (attrs.flags & MAP_FLAG.innerMap) !== 0;
    const perCpu = attrs.type === MAP_TYPE.percpuArray;
    return {
      map_lookup_elem: inner ? (perCpu ? 'percpu_array_map_lookup_elem' : 'array_map_lookup_elem') : INLINED,
      map_update_elem: 'array_map_update_elem',
      map_delete_elem: 'array_map_delete_elem',
      for_each_map_elem: 'bpf_for_each_array_elem',
      ...(perCpu ? { map_lookup_percpu_elem: 'percpu_array_map_lookup_percpu_elem' } : {}),
    };
  },
};

/** The memlock of an array of pointers (fd arrays, cgroup arrays): the bpf_array and one pointer a slot. */
export function pointerArrayMemlock(attrs: MapAttrs): number {
  return S.bpf_array + 8 * attrs.maxEntries;
}
