import { BpfscopeError, UsageError } from '../errors.js';
import { mapTypeName, openObject, type ObjectSpec } from '../object/index.js';
import type { LoadedMap } from './loaded.js';
import { ENOENT, strerror } from '../errno.js';
import type { VmMap } from './maps/types.js';
import { load, type LoadForRunOptions, type RunnableObject, type RunnableProgram } from './run.js';
import { decodeBtf, encodeBtf, type BtfValue } from '../btf/index.js';

/** A map operation the kernel would refuse: `errno` is what bpf() would return (positive). */
export class MapOperationError extends BpfscopeError {
  declare readonly errno: number;

  constructor(errno: number, map: string, what: string) {
    super(`map ${map}: ${what} failed: ${strerror(errno)}`, {}, errno);
  }
}

export type UpdateFlag = 'any' | 'noexist' | 'exist';
const UPDATE_FLAGS: Record<UpdateFlag, number> = { any: 0, noexist: 1, exist: 2 };

/** A key or value: typed by BTF where the map has it, or the bytes themselves. */
export type MapValue = BtfValue;

/**
 * One map of a loaded object, with keys and values as JavaScript values by the map's
 * BTF (see btf-codec.ts): what `bpftool map lookup/update/delete/dump` do, from code.
 * Per-CPU maps give one value per possible CPU; an update with a single value writes
 * it to every CPU, as bpftool does. Maps without BTF take and give bytes (a key may be
 * a number, written little-endian in the key's size).
 */
export class BpfMap {
  constructor(
    readonly loaded: LoadedMap,
    readonly raw: VmMap,
    private readonly spec: ObjectSpec,
  ) {}

  get name(): string {
    return this.loaded.name;
  }

  get type(): string {
    return mapTypeName(this.loaded.spec.type);
  }

  get perCpu(): boolean {
    return this.raw.perCpu;
  }

  private btfFor(kind: 'key' | 'value'): number {
    if (!this.loaded.btfId || !this.spec.btf) return 0;
    return kind === 'key' ? this.loaded.spec.btfKeyTypeId : this.loaded.spec.btfValueTypeId;
  }

  private keyBytes(key: MapValue): Uint8Array | undefined {
    const size = this.loaded.spec.keySize;
    if (size === 0) return undefined;
    if (key instanceof Uint8Array) return key;
    const id = this.btfFor('key');
    if (id) return encodeBtf(this.spec.btf!, id, key, size);
    if (typeof key === 'number' || typeof key === 'bigint') return littleEndian(BigInt(key), size);
    throw new UsageError(`map ${this.name}: a key without BTF is bytes or a number`);
  }

  private valueBytes(value: MapValue): Uint8Array {
    const size = this.loaded.spec.valueSize;
    const id = this.btfFor('value');
    const one = (v: MapValue): Uint8Array => {
      if (v instanceof Uint8Array) return v;
      if (id) return encodeBtf(this.spec.btf!, id, v, size);
      if (typeof v === 'number' || typeof v === 'bigint') return littleEndian(BigInt(v), size);
      throw new UsageError(`map ${this.name}: a value without BTF is bytes or a number`);
    };
    if (!this.raw.perCpu) return one(value);
    const stride = Math.ceil(size / 8) * 8;
    const all = new Uint8Array(stride * this.raw.cpus);
    for (let cpu = 0; cpu < this.raw.cpus; cpu++) all.set(one(Array.isArray(value) && !this.isArrayValue() ? value[cpu]! : value).subarray(0, size), cpu * stride);
    return all;
  }

  /** Whether the value type is itself an array (so an array given is one value, not one per CPU). */
  private isArrayValue(): boolean {
    const id = this.btfFor('value');
    return id !== 0 && this.spec.btf!.resolved(id).kind === 'ARRAY';
  }

  private decodeKey(bytes: Uint8Array): MapValue {
    const id = this.btfFor('key');
    return id ? decodeBtf(this.spec.btf!, id, bytes) : bytes;
  }

  private decodeValue(bytes: Uint8Array): MapValue {
    const id = this.btfFor('value');
    const size = this.loaded.spec.valueSize;
    const one = (b: Uint8Array) => (id ? decodeBtf(this.spec.btf!, id, b) : b.slice());
    if (!this.raw.perCpu) return one(bytes);
    const stride = Math.ceil(size / 8) * 8;
    return Array.from({ length: this.raw.cpus }, (_, cpu) => one(bytes.subarray(cpu * stride, cpu * stride + size)));
  }

  /** BPF_MAP_LOOKUP_ELEM: the value, or undefined when there is no such element. */
  lookup(key: MapValue): MapValue | undefined {
    const r = this.raw.sysLookup(this.keyBytes(key), 0);
    if (typeof r === 'number') {
      if (r === -ENOENT) return undefined;
      throw new MapOperationError(-r, this.name, 'lookup');
    }
    return this.decodeValue(r);
  }

  /** BPF_MAP_UPDATE_ELEM with BPF_ANY, BPF_NOEXIST or BPF_EXIST. */
  update(key: MapValue, value: MapValue, flag: UpdateFlag = 'any'): void {
    const err = this.raw.sysUpdate(this.keyBytes(key), this.valueBytes(value), UPDATE_FLAGS[flag]);
    if (err) throw new MapOperationError(-err, this.name, 'update');
  }

  /** BPF_MAP_DELETE_ELEM: false when there was no such element. */
  delete(key: MapValue): boolean {
    const err = this.raw.sysDelete(this.keyBytes(key));
    if (err === -ENOENT) return false;
    if (err) throw new MapOperationError(-err, this.name, 'delete');
    return true;
  }

  /** Every element in get_next_key order, as `map dump` walks them (empty prog array slots left out). */
  *entries(): IterableIterator<[MapValue, MapValue]> {
    for (let k = this.raw.sysGetNextKey(undefined); typeof k !== 'number'; k = this.raw.sysGetNextKey(k)) {
      const v = this.raw.sysLookup(k, 0);
      if (typeof v !== 'number') yield [this.decodeKey(k), this.decodeValue(v)];
    }
  }

  *keys(): IterableIterator<MapValue> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): IterableIterator<MapValue> {
    for (const [, v] of this.entries()) yield v;
  }
}

/** A BPF object loaded into a VM kernel of its own: programs to run, maps to read and write. */
export class BpfObject {
  readonly maps: readonly BpfMap[];

  constructor(readonly runnable: RunnableObject) {
    const spec = runnable.loaded.spec;
    this.maps = runnable.loaded.maps.map((m) => new BpfMap(m, runnable.runtime.map(m.id), spec));
  }

  get programs(): readonly RunnableProgram[] {
    return this.runnable.programs;
  }

  /**
   * The program with this name: its full name in the object, else the kernel's (its
   * first 15 characters), which several programs may share: then the error lists them.
   */
  program(name: string): RunnableProgram {
    const { programs } = this.runnable;
    const full = programs.filter((p) => p.loaded.spec.name === name);
    const found = full.length ? full : programs.filter((p) => p.name === name);
    return this.one(found, name, 'program', (p) => p.loaded, programs.map((p) => p.loaded.spec.name));
  }

  /**
   * The map with this name: its name in the object, else the kernel's (15 characters,
   * which several maps may share: then the error lists them), or for global data its
   * section (`.data` is `globals.data` or `.data`).
   */
  map(name: string): BpfMap {
    const internal = (m: BpfMap) => m.loaded.spec.origin !== 'btf' && m.loaded.spec.origin !== 'legacy';
    const byObject = this.maps.filter((m) => m.loaded.spec.name === name);
    const found = byObject.length ? byObject : this.maps.filter((m) => m.loaded.name === name || (internal(m) && m.loaded.spec.sectionName === name));
    return this.one(found, name, 'map', (m) => ({ id: m.loaded.id, spec: m.loaded.spec }), this.maps.map((m) => m.loaded.spec.name));
  }

  /** The one match, or a UsageError naming the object and listing the candidates (or, for none, what there is). */
  private one<T>(found: readonly T[], name: string, kind: 'program' | 'map', of: (t: T) => { id: number; spec: { name: string } }, all: readonly string[]): T {
    if (found.length === 1) return found[0]!;
    const file = this.runnable.loaded.spec.fileName;
    if (!found.length) throw new UsageError(`no ${kind} named ${name} (the ${kind}s: ${all.join(', ')})`, { file });
    const candidates = found.map((t) => `id ${of(t).id} ${of(t).spec.name}`).join(', ');
    throw new UsageError(`several ${kind}s are named ${name} (${candidates}); name one by its full name`, { file });
  }
}

/**
 * Opens and loads a BPF object (a path or its bytes) as libbpf and the kernel would,
 * into a VM of its own: `program(name).run({ data })` runs a program as
 * BPF_PROG_TEST_RUN does, `map(name)` reads and writes its maps.
 */
export function loadBpfObject(source: string | Uint8Array, options: LoadForRunOptions & { fileName?: string } = {}): BpfObject {
  const spec = openObject(source, options.fileName);
  return new BpfObject(load(spec, options));
}

function littleEndian(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}
