import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BpfscopeError } from '../errors.js';
import { mapSlotKind, loadObject, type IdSource, type LoadedMap, type LoadedObject, restoreMap, snapshotMap, type MapAttrs, type VmMap } from '../vm/index.js';
import { openObject, loadTarget, type LoadTargetOptions, type ObjectSpec } from '../object/index.js';
import { writeFileAtomic } from './atomic-file.js';
import { damaged, StoreError } from './errors.js';
import { StoreLock } from './lock.js';
import { withLoadOptions, SessionStore, type ObjectLoadOptions } from './session-store.js';
import { storePaths, type StorePaths } from './state-dir.js';
import { formatTrace, parseTrace, type TraceRecord } from './trace-file.js';
import { emptyState, parseState, type CreatedMap, type MapRecord, type ObjectRecord, type StateFile } from './state-file.js';

/**
 * Loaded state kept in a directory across invocations, as the kernel keeps it across
 * bpftool runs: what pins hold stays loaded, ids only grow, map contents persist.
 *
 * Reads take the state file as the last save left it (saves replace it atomically).
 * Commands that change state run in `transaction`: under the directory's lock, on the
 * state as it is on disk at that moment, saved before the lock is released, so
 * concurrent invocations never lose one another's updates. When a command ends, what
 * nothing holds is unloaded, as closing bpftool's fds unloads it: programs and maps
 * without a pin or a holder, and the slots of prog arrays no pin holds (the kernel
 * clears a prog array when its last user reference goes).
 */
export class PersistentStore extends SessionStore {
  readonly paths: StorePaths;
  private state: StateFile | undefined;
  private records: ObjectRecord[] = [];
  private mapRecords = new Map<number, MapRecord>();
  /** Opened objects by content hash: specs are inert and loaded again on every rebuild. */
  private readonly specs = new Map<string, ObjectSpec>();
  private readonly lock: StoreLock;
  private inTransaction = false;
  private pendingTrace: string[] = [];

  constructor(dir: string, cpus?: number) {
    super(cpus);
    this.paths = storePaths(dir);
    this.lock = new StoreLock(this.paths.lock);
  }

  protected override ensure(): void {
    if (!this.state) this.rebuild(this.readState(), false);
  }

  /** The state file as saved, or an empty store when there is none. */
  readState(): StateFile {
    let text: string;
    try {
      text = readFileSync(this.paths.state, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyState(this.cpuCount);
      throw new StoreError(`${this.paths.state}: cannot read: ${(e as Error).message}`);
    }
    return parseState(this.paths.state, text);
  }

  override transaction<T>(fn: () => T): T {
    if (this.inTransaction) return fn();
    this.openDirectory();
    this.lock.acquire();
    try {
      this.removeLeftovers();
      const fresh = this.readState();
      if (!this.state || fresh.generation !== this.state.generation) this.rebuild(fresh, false);
      this.inTransaction = true;
      const result = fn();
      this.save();
      return result;
    } catch (e) {
      // What the failed command changed in memory is dropped: the next read rebuilds from disk.
      this.state = undefined;
      this.pendingTrace = [];
      throw e;
    } finally {
      this.inTransaction = false;
      this.lock.release();
    }
  }

  protected override recordObject(loaded: LoadedObject, bytes: Uint8Array, options: ObjectLoadOptions): void {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const blob = this.blobPath(sha256);
    if (!existsSync(blob)) writeStoreFile(blob, bytes);
    this.specs.set(specKey(sha256, options.target), loaded.spec);
    this.records.push({
      file: loaded.spec.fileName,
      sha256,
      ...(options.progType !== undefined ? { progType: options.progType, expectedAttachType: options.expectedAttachType ?? 0 } : {}),
      ...(options.target && Object.keys(options.target).length ? { target: options.target } : {}),
      btfId: loaded.btfId,
      mapIds: loaded.maps.map((m) => m.id),
      programs: loaded.programs.map((p) => ({ name: p.spec.name, id: p.id })),
      loadedAt: (loaded.programs[0]?.loadedAt ?? new Date()).toISOString(),
      uid: loaded.programs[0]?.uid ?? process.getuid?.() ?? 0,
    });
  }

  /** A map from its saved contents; contents or attributes the map refuses are a damaged state file. */
  protected override materialize(id: number): VmMap {
    const contents = this.mapRecords.get(id)?.contents;
    const loaded = this.mapTable.get(id)!;
    try {
      if (!contents) return super.materialize(id);
      const object = this.objectOfMap(loaded);
      return restoreMap(this.attrsOf(id), this.mapOptions(object?.spec.littleEndian ?? true), contents);
    } catch (e) {
      if (e instanceof StoreError || !(e instanceof BpfscopeError)) throw e;
      throw damaged(this.paths.state, `map ${id} (${loaded.name || 'no name'}) does not load from its record: ${e.reason}`);
    }
  }

  override appendTrace(lines: readonly string[]): void {
    if (this.inTransaction) this.pendingTrace.push(...lines);
    else this.transaction(() => this.pendingTrace.push(...lines));
  }

  /**
   * The committed records, emptied from the log in one atomic write under the lock (the
   * state does not change, so nothing else is saved), as reading trace_pipe consumes.
   */
  override takeTrace(): string[] {
    this.openDirectory();
    this.lock.acquire();
    try {
      const { committed, all } = this.readTrace(this.readState().generation);
      if (all.length) {
        this.lock.assertOwned();
        writeStoreFile(this.paths.trace, '');
      }
      return committed.map((r) => r.text);
    } finally {
      this.lock.release();
    }
  }

  private openDirectory(): void {
    try {
      mkdirSync(this.paths.objects, { recursive: true });
    } catch (e) {
      throw new StoreError(`${this.paths.dir}: cannot create the state directory: ${(e as Error).message}`);
    }
  }

  /** Empties the store: everything unloaded, ids from 1 again (a fresh kernel). */
  reset(): void {
    mkdirSync(this.paths.dir, { recursive: true });
    this.lock.acquire();
    try {
      this.lock.assertOwned();
      // The state first: killed before the log is emptied, its records are newer than the state and left out.
      writeStoreFile(this.paths.state, JSON.stringify(emptyState(this.cpuCount)));
      writeStoreFile(this.paths.trace, '');
      this.state = undefined;
    } finally {
      this.lock.release();
    }
  }

  /** Opens everything the state file names (objects, map contents) and the trace log: the first problem as a StoreError. */
  check(): { programs: number; maps: number; pins: number } {
    this.state = undefined;
    this.ensure();
    for (const m of this.maps) this.vmMap(m.id);
    this.readTrace(this.state!.generation);
    return { programs: this.programs.length, maps: this.maps.length, pins: this.pins.size };
  }

  /**
   * Temporary files of writers killed before their rename. Only a lock holder writes,
   * so under the lock every temporary file is a leftover.
   */
  private removeLeftovers(): void {
    for (const dir of [this.paths.dir, this.paths.objects]) {
      for (const f of readdirSync(dir)) if (/\.tmp-\d+-\d+$/.test(f)) rmSync(join(dir, f), { force: true });
    }
  }

  // ---------------------------------------------------------------- rebuilding and saving

  private blobPath(sha256: string): string {
    return join(this.paths.objects, `${sha256}.o`);
  }

  private specOf(record: ObjectRecord): ObjectSpec {
    let spec = this.specs.get(specKey(record.sha256, record.target));
    if (!spec) {
      const blob = this.blobPath(record.sha256);
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(blob);
      } catch {
        throw damaged(blob, `missing, needed by ${record.file}`);
      }
      if (createHash('sha256').update(bytes).digest('hex') !== record.sha256) throw damaged(blob, 'its contents do not match its name');
      try {
        spec = openObject(bytes, record.file, { target: loadTarget(record.target) });
      } catch (e) {
        throw damaged(blob, (e as Error).message);
      }
      this.specs.set(specKey(record.sha256, record.target), spec);
    }
    return spec;
  }

  /** Loads every object again with the ids it had and takes the maps and pins the state names. */
  private rebuild(state: StateFile, keepMaps: boolean): void {
    const keep = keepMaps ? this.vmMaps : undefined;
    this.cpuCount = state.cpus;
    this.loadedObjects.length = 0;
    this.mapTable.clear();
    this.created.clear();
    this.pinTable.clear();
    this.records = state.objects.map((r) => ({ ...r }));
    this.mapRecords = new Map(state.maps.map((m) => [m.id, m] as const));
    this.progId = state.last.prog;
    this.mapId = state.last.map;
    this.btfId = state.last.btf;
    for (const record of this.records) {
      const live = new Map(record.programs.map((p) => [p.name, p.id] as const));
      const spec = withLoadOptions(this.specOf(record), record);
      const only = { ...spec, programs: spec.programs.map((p) => ({ ...p, kind: { ...p.kind, autoload: live.has(p.name) } })) };
      const progIds = only.programs.filter((p) => p.kind.autoload).map((p) => live.get(p.name)!);
      const mapIds = [...record.mapIds];
      const replay: IdSource = { nextProgramId: () => progIds.shift()!, nextMapId: () => mapIds.shift()!, nextBtfId: () => record.btfId };
      try {
        this.loadedObjects.push(loadObject(only, replay, { possibleCpus: state.cpus, uid: record.uid, now: new Date(record.loadedAt) }));
      } catch (e) {
        throw damaged(this.paths.state, `${record.file} no longer loads: ${(e as Error).message}`);
      }
    }
    for (const m of state.maps) {
      const loaded = m.object ? this.loadedObjects[m.object.index]?.maps[m.object.map] : this.createdMap(m.id, fromCreated(m.created!));
      if (!loaded || loaded.id !== m.id) throw damaged(this.paths.state, `map ${m.id} is not where its record says`);
      loaded.frozen = m.frozen;
      if (m.ownerProgType !== undefined) loaded.ownerProgType = m.ownerProgType;
      this.mapTable.set(m.id, loaded);
    }
    for (const p of state.pins) this.pinTable.set(p.path, { kind: p.kind, id: p.id });
    const vmMaps = new Map(keep ?? []);
    this.vmMaps.clear();
    for (const [id, vm] of vmMaps) if (this.mapTable.has(id)) this.vmMaps.set(id, vm);
    this.state = state;
  }

  private createdMap(id: number, attrs: MapAttrs & { name: string }): LoadedMap {
    this.created.set(id, attrs);
    return this.createdRecord(id, attrs);
  }

  private attrsOf(id: number): MapAttrs {
    const created = this.created.get(id);
    if (created) return created;
    const loaded = this.mapTable.get(id)!;
    return { ...loaded.spec, name: loaded.name };
  }

  private save(): void {
    this.collect();
    const liveObjects = this.loadedObjects.map((o, i) => ({ o, r: this.records[i]! })).filter(({ o }) => o.programs.some((p) => this.isLiveProgram(p.id)) || o.maps.some((m) => this.mapTable.get(m.id) === m));
    const maps: MapRecord[] = [];
    for (const [id, loaded] of [...this.mapTable].sort((a, b) => a[0] - b[0])) {
      const index = liveObjects.findIndex(({ o }) => o.maps.includes(loaded));
      const created = this.created.get(id);
      // A map this process never touched keeps the contents it was saved with.
      const saved = this.vmMaps.has(id) ? undefined : this.mapRecords.get(id)?.contents;
      maps.push({
        id,
        ...(index >= 0 ? { object: { index, map: liveObjects[index]!.o.maps.indexOf(loaded) } } : { created: toCreated(created!) }),
        frozen: loaded.frozen,
        ...(loaded.ownerProgType !== undefined ? { ownerProgType: loaded.ownerProgType } : {}),
        contents: saved ?? snapshotMap(this.vmMap(id)),
      });
    }
    const state: StateFile = {
      format: 'bpfscope-store',
      version: 1,
      generation: (this.state?.generation ?? 0) + 1,
      cpus: this.state?.cpus ?? this.cpus,
      last: { prog: this.progId, map: this.mapId, btf: this.btfId },
      objects: liveObjects.map(({ o, r }) => ({ ...r, programs: o.programs.filter((p) => this.isLiveProgram(p.id)).map((p) => ({ name: p.spec.name, id: p.id })) })),
      maps,
      pins: [...this.pinTable].map(([path, t]) => ({ path, kind: t.kind, id: t.id })),
    };
    // The log before the state, its new records tagged with the new generation: a kill in
    // between leaves records newer than the saved state, which readers leave out. Those
    // of an earlier killed writer go now, before their generation is committed.
    const { committed, all } = this.readTrace(this.state?.generation ?? 0);
    this.lock.assertOwned();
    if (this.pendingTrace.length || committed.length !== all.length) {
      const added = this.pendingTrace.map((text) => ({ generation: state.generation, text }));
      writeStoreFile(this.paths.trace, formatTrace(committed.concat(added)));
      this.pendingTrace = [];
      this.lock.assertOwned();
    }
    writeStoreFile(this.paths.state, JSON.stringify(state));
    // The maps in memory are what was just saved: kept rather than restored again.
    this.rebuild(state, true);
  }

  private liveProgs = new Set<number>();

  private isLiveProgram(id: number): boolean {
    return this.liveProgs.has(id);
  }

  /**
   * What stays loaded once the command's fds close: pinned programs and maps, the maps
   * live programs use, the programs live prog arrays hold and the maps live map-in-maps
   * hold. Prog arrays no pin holds lose their slots first.
   */
  private collect(): void {
    const pinnedMaps = new Set<number>();
    const progs = new Set<number>();
    for (const t of this.pinTable.values()) (t.kind === 'map' ? pinnedMaps : progs).add(t.id);
    for (const m of this.mapTable.values()) {
      if (mapSlotKind(m.spec.type) !== 'program' || pinnedMaps.has(m.id)) continue;
      const vm = this.vmMap(m.id);
      for (const { key } of [...vm.entries()]) vm.sysDelete(key);
    }
    const maps = new Set(pinnedMaps);
    for (let changed = true; changed; ) {
      changed = false;
      const add = (set: Set<number>, id: number) => {
        if (!set.has(id)) {
          set.add(id);
          changed = true;
        }
      };
      for (const id of progs) for (const m of this.program(id)?.mapIds ?? []) add(maps, m);
      for (const id of maps) {
        const m = this.mapTable.get(id);
        if (!m) continue;
        const holds = mapSlotKind(m.spec.type);
        if (holds !== 'program' && holds !== 'map') continue;
        for (const { value } of this.vmMap(id).entries()) {
          const held = new DataView((value as Uint8Array).buffer, (value as Uint8Array).byteOffset).getUint32(0, true);
          add(holds === 'program' ? progs : maps, held);
        }
      }
    }
    for (const id of [...this.mapTable.keys()]) {
      if (!maps.has(id)) {
        this.mapTable.delete(id);
        this.created.delete(id);
        this.vmMaps.delete(id);
      }
    }
    this.liveProgs = progs;
  }

  /** The trace log's records, and those of them a state of this generation committed. */
  private readTrace(generation: number): { committed: TraceRecord[]; all: TraceRecord[] } {
    let text: string;
    try {
      text = readFileSync(this.paths.trace, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { committed: [], all: [] };
      throw new StoreError(`${this.paths.trace}: cannot read: ${(e as Error).message}`);
    }
    const all = parseTrace(this.paths.trace, text);
    return { committed: all.filter((r) => r.generation <= generation), all };
  }
}

function toCreated(a: MapAttrs & { name?: string }): CreatedMap {
  return {
    name: a.name ?? '',
    type: a.type,
    keySize: a.keySize,
    valueSize: a.valueSize,
    maxEntries: a.maxEntries,
    flags: a.flags,
    ...(a.mapExtra ? { mapExtra: a.mapExtra.toString() } : {}),
    ...(a.inner ? { inner: toCreated(a.inner) } : {}),
  };
}

function fromCreated(c: CreatedMap): MapAttrs & { name: string } {
  return {
    name: c.name,
    type: c.type,
    keySize: c.keySize,
    valueSize: c.valueSize,
    maxEntries: c.maxEntries,
    flags: c.flags,
    ...(c.mapExtra ? { mapExtra: BigInt(c.mapExtra) } : {}),
    ...(c.inner ? { inner: fromCreated(c.inner) } : {}),
  };
}

/** An atomic write whose failure (a full disk, a read-only directory) is one StoreError naming the file. */
function writeStoreFile(file: string, data: string | Uint8Array): void {
  try {
    writeFileAtomic(file, data);
  } catch (e) {
    throw new StoreError(`${file}: cannot write: ${(e as Error).message}`);
  }
}

/** One object's bytes finished for two targets are two specs. */
function specKey(sha256: string, target: LoadTargetOptions | undefined): string {
  return target && Object.keys(target).length ? `${sha256} ${JSON.stringify(target)}` : sha256;
}
