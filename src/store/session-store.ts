import { cpus as hostCpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { ObjectError } from '../errors.js';
import { progTypeName, type ProgTypeName, openObject, loadTarget, type LoadTargetOptions, type MapSpec, type ObjectSpec } from '../object/index.js';
import { mapMemlock, loadObject, type LoadOptions, type IdSource, type LoadedMap, type LoadedObject, type LoadedProgram, createMapFromSpec, ProgArrayMap, type MapAttrs, type MapOptions, type SlotKind, type VmMap } from '../vm/index.js';
import { EEXIST, ENOTDIR } from '../errno.js';
import { normalizePinPath, type PinTarget } from './pins.js';

/**
 * Loaded state: programs and maps with their ids, the maps' contents, and pins.
 * This class holds one invocation's (the objects given with `--object`, loaded in
 * order, numbered from 1 as a fresh kernel would number them); PersistentStore keeps
 * the same state in a directory across invocations.
 */
export class SessionStore implements IdSource {
  protected progId = 0;
  protected mapId = 0;
  protected btfId = 0;
  protected readonly loadedObjects: LoadedObject[] = [];
  /** Every map by id, as first created (a map an object reuses keeps its creator's record). */
  protected readonly mapTable = new Map<number, LoadedMap>();
  /** Maps made by `map create`, with what created them. */
  protected readonly created = new Map<number, MapAttrs>();
  protected readonly pinTable = new Map<string, PinTarget>();
  /** Maps as data structures, made on first use. */
  protected readonly vmMaps = new Map<number, VmMap>();
  /** Possible CPUs: how many values a per-CPU map holds. */
  protected cpuCount: number;

  constructor(cpus = hostCpus().length) {
    this.cpuCount = cpus;
  }

  get cpus(): number {
    this.ensure();
    return this.cpuCount;
  }

  nextProgramId(): number {
    return ++this.progId;
  }

  nextMapId(): number {
    return ++this.mapId;
  }

  nextBtfId(): number {
    return ++this.btfId;
  }

  /** Reads whatever state backs this store; a session's is all in memory. */
  protected ensure(): void {}

  load(spec: ObjectSpec, options: LoadOptions = {}): LoadedObject {
    this.ensure();
    const loaded = loadObject(spec, this, { possibleCpus: this.cpus, ...options });
    this.adopt(loaded);
    return loaded;
  }

  /**
   * libbpf's open and load of an object file, as `prog load` does it: every program
   * (as `progType` when given), and the maps `reuse` names (map index to map id)
   * taken instead of created.
   */
  loadFile(file: string, options: ObjectLoadOptions = {}): LoadedObject {
    this.ensure();
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new ObjectError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
    }
    const spec = withLoadOptions(openObject(bytes, file, { target: loadTarget(options.target) }), options);
    let index = 0;
    const ids: IdSource = {
      nextProgramId: () => this.nextProgramId(),
      nextBtfId: () => this.nextBtfId(),
      nextMapId: () => options.reuse?.get(index++) ?? this.nextMapId(),
    };
    const loaded = loadObject(spec, ids, { possibleCpus: this.cpus });
    this.adopt(loaded);
    this.recordObject(loaded, bytes, options);
    return loaded;
  }

  /** Keeps what a persistent store needs to load the object again; a session needs nothing. */
  protected recordObject(_loaded: LoadedObject, _bytes: Uint8Array, _options: ObjectLoadOptions): void {}

  /** Takes a loaded object's maps and programs into the tables. */
  protected adopt(loaded: LoadedObject): void {
    this.loadedObjects.push(loaded);
    for (const m of loaded.maps) if (!this.mapTable.has(m.id)) this.mapTable.set(m.id, m);
  }

  get objects(): readonly LoadedObject[] {
    this.ensure();
    return this.loadedObjects;
  }

  get programs(): LoadedProgram[] {
    this.ensure();
    return this.loadedObjects.flatMap((o) => o.programs).sort((a, b) => a.id - b.id);
  }

  get maps(): LoadedMap[] {
    this.ensure();
    return [...this.mapTable.values()].sort((a, b) => a.id - b.id);
  }

  program(id: number): LoadedProgram | undefined {
    return this.programs.find((p) => p.id === id);
  }

  map(id: number): LoadedMap | undefined {
    this.ensure();
    return this.mapTable.get(id);
  }

  /** The loaded object a program belongs to. */
  objectOf(prog: LoadedProgram): LoadedObject {
    this.ensure();
    // By id: a program selected before a transaction rebuilt the state is still found.
    return this.loadedObjects.find((o) => o.programs.some((p) => p.id === prog.id))!;
  }

  /** The object that created a map, or undefined for a map made by `map create`. */
  objectOfMap(map: LoadedMap): LoadedObject | undefined {
    this.ensure();
    return this.loadedObjects.find((o) => o.maps.includes(map));
  }

  /** BPF_MAP_CREATE outside any object (`map create`): the map's record. */
  createMap(attrs: MapAttrs & { name: string }): LoadedMap {
    this.ensure();
    const vm = this.makeVmMap(attrs);
    const loaded = this.createdRecord(this.nextMapId(), attrs);
    this.created.set(loaded.id, attrs);
    this.mapTable.set(loaded.id, loaded);
    this.vmMaps.set(loaded.id, vm);
    return loaded;
  }

  protected createdRecord(id: number, attrs: MapAttrs & { name: string }): LoadedMap {
    const spec = specOf(attrs);
    return { id, name: attrs.name.slice(0, 15), spec, btfId: 0, frozen: false, memlock: mapMemlock(spec, this.cpuCount) };
  }

  /** The map's contents as a data structure with the kernel's semantics. */
  vmMap(id: number): VmMap {
    this.ensure();
    let vm = this.vmMaps.get(id);
    if (!vm) {
      vm = this.materialize(id);
      this.vmMaps.set(id, vm);
    }
    return vm;
  }

  /**
   * The object's maps that are still loaded, by id, for a runtime to run its programs
   * on (a map nothing held was unloaded; a runtime makes a fresh one that is not kept).
   */
  vmMapsOf(object: LoadedObject): Map<number, VmMap> {
    this.ensure();
    return new Map(object.maps.filter((m) => this.mapTable.has(m.id)).map((m) => [m.id, this.vmMap(m.id)] as const));
  }

  /** A map as libbpf leaves it after load: global data written, `.rodata` frozen, `.maps` initialisers filled. */
  protected materialize(id: number): VmMap {
    const loaded = this.mapTable.get(id);
    if (!loaded) throw new RangeError(`no map with id ${id}`);
    const attrs = this.created.get(id);
    if (attrs) return this.makeVmMap(attrs);
    const object = this.objectOfMap(loaded)!;
    const programIds = new Map(object.programs.map((p) => [p.spec.name, p.id] as const));
    const mapIds = new Map(object.maps.map((m) => [m.spec.name, m.id] as const));
    const slotTarget = (name: string, kind: SlotKind) => (kind === 'program' ? programIds.get(name) : mapIds.get(name));
    const vm = createMapFromSpec({ ...loaded.spec, name: loaded.name }, this.mapOptions(object.spec.littleEndian), slotTarget);
    if (vm instanceof ProgArrayMap && loaded.ownerProgType !== undefined) vm.claim(loaded.ownerProgType);
    return vm;
  }

  protected makeVmMap(attrs: MapAttrs): VmMap {
    return createMapFromSpec(specOf(attrs), this.mapOptions(true));
  }

  protected mapOptions(littleEndian: boolean): MapOptions {
    return {
      cpus: this.cpus,
      littleEndian,
      resolve: {
        program: (id) => {
          const p = this.program(id);
          return p ? { type: p.spec.kind.progType } : undefined;
        },
        map: (id) => {
          const m = this.map(id);
          return m ? { ...m.spec, maxEntries: this.vmMap(id).maxEntries } : undefined;
        },
      },
    };
  }

  // ---------------------------------------------------------------- the virtual bpffs

  /** What is pinned at a path (normalised as the kernel resolves it), if anything. */
  pinned(path: string): PinTarget | undefined {
    this.ensure();
    return this.pinTable.get(normalizePinPath(path));
  }

  get pins(): ReadonlyMap<string, PinTarget> {
    this.ensure();
    return this.pinTable;
  }

  /** BPF_OBJ_PIN: -EEXIST when the path is taken (by a pin or a directory of pins), -ENOTDIR under a pin. */
  pin(path: string, target: PinTarget): number {
    this.ensure();
    const p = normalizePinPath(path);
    if (this.pinTable.has(p) || [...this.pinTable.keys()].some((k) => k.startsWith(`${p}/`))) return -EEXIST;
    if ([...this.pinTable.keys()].some((k) => p.startsWith(`${k}/`))) return -ENOTDIR;
    this.pinTable.set(p, target);
    return 0;
  }

  /** Removes the pin at a path, or every pin under it when it names a directory; the paths removed. */
  unpin(path: string): string[] {
    this.ensure();
    const p = normalizePinPath(path);
    const gone = [...this.pinTable.keys()].filter((k) => k === p || k.startsWith(`${p}/`));
    for (const k of gone) this.pinTable.delete(k);
    return gone;
  }

  /**
   * Runs a command that changes state. A session changes memory only; a persistent
   * store runs it under the directory's lock on fresh state and saves the result.
   */
  transaction<T>(fn: () => T): T {
    this.ensure();
    return fn();
  }

  /** Appends trace_printk records (as trace_pipe prints them, newlines included); a session keeps them in memory. */
  protected traceLines: string[] = [];

  appendTrace(lines: readonly string[]): void {
    this.traceLines.push(...lines);
  }

  /** The trace records not read yet, read once as trace_pipe gives them. */
  takeTrace(): string[] {
    const lines = this.traceLines;
    this.traceLines = [];
    return lines;
  }
}

export interface ObjectLoadOptions {
  /** `type TYPE`: every program loaded as this type, with this expected attach type. */
  progType?: number;
  expectedAttachType?: number;
  /** `map { idx IDX | name NAME } MAP`: the object's map at an index taken from an existing id. */
  reuse?: ReadonlyMap<number, number>;
  /** The kernel the object is finished for (`--btf-target`, `--kconfig`); the running one by default. */
  target?: LoadTargetOptions;
}

/** The spec with every program's type set as `prog load ... type TYPE` sets it. */
export function withLoadOptions(spec: ObjectSpec, options: { progType?: number; expectedAttachType?: number }): ObjectSpec {
  const { progType, expectedAttachType } = options;
  if (progType === undefined) return spec;
  return {
    ...spec,
    programs: spec.programs.map((p) => ({ ...p, kind: { ...p.kind, progType, progTypeName: progTypeName(progType) as ProgTypeName, expectedAttachType: expectedAttachType ?? 0 } })),
  };
}

/** A map made outside any object, as a spec: like a legacy definition, it carries no BTF. */
function specOf(attrs: MapAttrs): MapSpec {
  return {
    name: attrs.name ?? '',
    origin: 'legacy',
    sectionName: '',
    type: attrs.type,
    keySize: attrs.keySize,
    valueSize: attrs.valueSize,
    maxEntries: attrs.maxEntries,
    flags: attrs.flags,
    numaNode: 0,
    pinning: 0,
    mapExtra: attrs.mapExtra ?? 0n,
    btfKeyTypeId: 0,
    btfValueTypeId: 0,
    initialSlots: [],
    ...(attrs.inner ? { inner: specOf(attrs.inner) } : {}),
  };
}
