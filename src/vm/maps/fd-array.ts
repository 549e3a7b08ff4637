import { MAP_FLAG, progTypeId } from '../../object/index.js';
import { checkArrayAttrs, pointerArrayMemlock } from './array.js';
import { UnmodelledMap } from './unmodelled.js';
import { BaseMap } from './base.js';
import { nextArrayKey, readU32, u32Bytes } from './bytes.js';
import { E2BIG, EBADF, EINVAL, ENOENT, ENOTSUPP, EOPNOTSUPP } from '../../errno.js';
import { INLINED, refuse, type MapFamily } from './family.js';
import { PERF_FLAG, UPDATE_FLAG } from './flags.js';
import { checkInnerTemplate, innerMapCompatible, type SlotMap } from './slots.js';
import type { MapAttrs, MapEntry, ResolvedOptions, SlotKind } from './types.js';

/**
 * The arrays whose slots hold references (BPF_MAP_TYPE_PROG_ARRAY, PERF_EVENT_ARRAY,
 * ARRAY_OF_MAPS): array keys, u32 values. From user space a slot is set only with
 * BPF_ANY, read back as an id, and emptied by delete (-ENOENT when already empty).
 * Programs do not read or write the slots as values; the verifier lets them use such a
 * map only through its own helper (tail call, perf event output, map-in-map lookup),
 * so the element ops answer -EOPNOTSUPP to programs.
 */
abstract class FdArrayMap extends BaseMap implements SlotMap {
  abstract readonly slotKind: SlotKind;
  protected readonly slots: number[];

  constructor(attrs: MapAttrs, options: ResolvedOptions) {
    super(attrs, options);
    this.slots = new Array<number>(attrs.maxEntries).fill(0);
  }

  get count(): number {
    return this.slots.reduce((n, id) => n + (id ? 1 : 0), 0);
  }

  slot(key: Uint8Array): number | undefined {
    const i = readU32(key, this.littleEndian);
    return i < this.maxEntries && this.slots[i] ? this.slots[i] : undefined;
  }

  override update(): number {
    return -EOPNOTSUPP;
  }

  override delete(): number {
    return -EOPNOTSUPP;
  }

  /** Whether the id may go into slot `index`: 0 or -errno. */
  protected abstract accept(id: number, index: number): number;

  protected override sysStore(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (flags !== UPDATE_FLAG.any) return -EINVAL;
    const i = readU32(key, this.littleEndian);
    if (i >= this.maxEntries) return -E2BIG;
    const id = readU32(value, this.littleEndian);
    const err = this.accept(id, i);
    if (err) return err;
    this.slots[i] = id;
    return 0;
  }

  protected override remove(key: Uint8Array): number {
    const i = readU32(key, this.littleEndian);
    if (i >= this.maxEntries) return -E2BIG;
    if (!this.slots[i]) return -ENOENT;
    this.slots[i] = 0;
    return 0;
  }

  protected override nextKey(key: Uint8Array | undefined): Uint8Array | number {
    return nextArrayKey(key, this.maxEntries, this.littleEndian);
  }

  protected override copyValue(key: Uint8Array): Uint8Array | number {
    const id = this.slot(key);
    return id === undefined ? -ENOENT : u32Bytes(id, this.littleEndian);
  }

  override *entries(): IterableIterator<MapEntry> {
    for (let i = 0; i < this.maxEntries; i++) {
      if (this.slots[i]) yield { key: u32Bytes(i, this.littleEndian), value: u32Bytes(this.slots[i]!, this.littleEndian) };
    }
  }
}

const EXT = progTypeId('ext');

/**
 * BPF_MAP_TYPE_PROG_ARRAY: programs by id, for bpf_tail_call. The first program stored
 * (or the first program loaded that uses the map, through `claim`) fixes the program
 * type every other must have; freplace (ext) programs are never taken.
 */
export class ProgArrayMap extends FdArrayMap {
  readonly slotKind = progArrayFamily.slots;
  /** The program type the map is bound to, once bound. */
  owner: number | undefined;

  /** bpf_prog_map_compatible for a program that uses the map: binds it, or tells whether the type matches. */
  claim(progType: number): boolean {
    this.owner ??= progType;
    return this.owner === progType;
  }

  protected accept(id: number): number {
    const resolve = this.options.resolve.program;
    if (!resolve) return id ? 0 : -EBADF;
    const prog = resolve(id);
    if (!prog) return -EBADF;
    if (prog.type === EXT || !this.claim(prog.type)) return -EINVAL;
    return 0;
  }
}

/** A sample written by bpf_perf_event_output. */
export interface PerfEventRecord {
  /** The slot (event) it went to. */
  index: number;
  cpu: number;
  data: Uint8Array;
}

/**
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY: perf events by id, usually one per CPU at the CPU's
 * index. The events' ring buffers are not modelled: what bpf_perf_event_output writes
 * is appended to `records`. User space cannot read the slots back (-ENOTSUPP).
 */
export class PerfEventArrayMap extends FdArrayMap {
  readonly slotKind = perfEventArrayFamily.slots;
  readonly records: PerfEventRecord[] = [];
  private readonly eventCpus: number[];

  constructor(attrs: MapAttrs, options: ResolvedOptions) {
    super(attrs, options);
    this.eventCpus = new Array<number>(attrs.maxEntries).fill(-1);
  }

  /**
   * bpf_perf_event_output from a program on `cpu`: the low 32 bits of `flags` pick the
   * slot (all ones: the slot of this CPU), the event there must be bound to this CPU.
   */
  output(flags: number | bigint, data: Uint8Array, cpu = 0): number {
    const f = BigInt(flags);
    if (f < 0n || f > BigInt(PERF_FLAG.indexMask)) return -EINVAL;
    const index = f === BigInt(PERF_FLAG.currentCpu) ? cpu : Number(f);
    if (index >= this.maxEntries) return -E2BIG;
    if (!this.slots[index]) return -ENOENT;
    if (this.eventCpus[index] !== cpu) return -EOPNOTSUPP;
    this.records.push({ index, cpu, data: data.slice() });
    return 0;
  }

  protected accept(id: number, index: number): number {
    const resolve = this.options.resolve.perfEvent;
    if (!resolve) {
      if (!id) return -EBADF;
      this.eventCpus[index] = index;
      return 0;
    }
    const event = resolve(id);
    if (!event) return -EBADF;
    this.eventCpus[index] = event.cpu;
    return 0;
  }

  protected override copyValue(): number {
    return -ENOTSUPP;
  }
}

/** BPF_MAP_TYPE_ARRAY_OF_MAPS: maps by id, each one like the template the map was created with. */
export class ArrayOfMapsMap extends FdArrayMap {
  readonly slotKind = arrayOfMapsFamily.slots;
  readonly template: MapAttrs;

  constructor(attrs: MapAttrs, options: ResolvedOptions) {
    super(attrs, options);
    this.template = attrs.inner!;
  }

  protected accept(id: number): number {
    const resolve = this.options.resolve.map;
    if (!resolve) return id ? 0 : -EBADF;
    const map = resolve(id);
    if (!map) return -EBADF;
    return innerMapCompatible(this.template, map) ? 0 : -EINVAL;
  }
}

/** fd_array_map_alloc_check: u32 values, no program access flags, then the array checks. */
function checkFdArray(attrs: MapAttrs, options: ResolvedOptions): ReturnType<MapFamily['check']> {
  if (attrs.valueSize !== 4) return refuse(EINVAL, 'the values of fd arrays are 4 bytes');
  if (attrs.flags & (MAP_FLAG.rdonlyProg | MAP_FLAG.wronlyProg)) return refuse(EINVAL, 'fd arrays take no program access flags');
  return checkArrayAttrs(attrs, options);
}

export const progArrayFamily = {
  check: checkFdArray,
  create: (attrs, options) => new ProgArrayMap(attrs, options),
  memlock: pointerArrayMemlock,
  refusesBtf: true,
  slots: 'program',
} as const satisfies MapFamily;

export const perfEventArrayFamily = {
  check: checkFdArray,
  create: (attrs, options) => new PerfEventArrayMap(attrs, options),
  memlock: pointerArrayMemlock,
  refusesBtf: true,
  slots: 'perf_event',
  libbpfOmitsBtf: true,
  // libbpf sizes a perf event array of 0 entries to the possible CPUs.
  libbpfAttrs: (attrs, cpus) => (attrs.maxEntries === 0 ? { ...attrs, maxEntries: cpus } : attrs),
} as const satisfies MapFamily;

/** Cgroups by fd, which bpfscope has none of: an empty array whose slots read back as -ENOTSUPP (no map_fd_sys_lookup_elem). */
export const cgroupArrayFamily: MapFamily = {
  check: checkFdArray,
  create: (attrs, options) =>
    new UnmodelledMap(attrs, options, { nextKey: 'indexes', lookup: () => ENOTSUPP, delete: (a, key, le) => (readU32(key, le) >= a.maxEntries ? E2BIG : ENOENT) }),
  memlock: pointerArrayMemlock,
  refusesBtf: true,
  libbpfOmitsBtf: true,
};

export const arrayOfMapsFamily = {
  check: (attrs, options) => checkFdArray(attrs, options) ?? checkInnerTemplate(attrs),
  create: (attrs, options) => new ArrayOfMapsMap(attrs, options),
  memlock: pointerArrayMemlock,
  refusesBtf: true,
  kernelOps: () => ({ map_lookup_elem: INLINED }),
  slots: 'map',
  libbpfOmitsBtf: true,
} as const satisfies MapFamily;

