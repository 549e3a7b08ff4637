import { MAP_FLAG, mapTypeName } from '../../object/index.js';
import { need } from './bytes.js';
import { EACCES, EBUSY, EFAULT, EINVAL, ENOENT, ENOTSUPP, EOPNOTSUPP, EPERM } from '../../errno.js';
import { UPDATE_FLAG } from './flags.js';
import type { MapAttrs, MapEntry, ReleaseListener, ResolvedOptions, VmMap } from './types.js';

const NO_KEY = new Uint8Array(0);

/**
 * What every map type shares: the checks the verifier and the bpf() syscall make before
 * a map's own operation runs (access flags, frozen maps, BPF_F_LOCK, key presence), and
 * the answers of operations a type does not have. A family overrides the protected
 * hooks it implements; a hook it leaves alone answers as the kernel does for a map
 * without that op.
 */
export abstract class BaseMap implements VmMap {
  readonly type: number;
  readonly name: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly cpus: number;
  readonly perCpu: boolean;
  protected readonly options: ResolvedOptions;
  protected readonly littleEndian: boolean;
  private isFrozen = false;
  private readonly releaseListeners = new Set<ReleaseListener>();

  constructor(attrs: MapAttrs, options: ResolvedOptions, perCpu = false, maxEntries = attrs.maxEntries) {
    this.type = attrs.type;
    this.name = attrs.name ?? '';
    this.keySize = attrs.keySize;
    this.valueSize = attrs.valueSize;
    this.maxEntries = maxEntries;
    // BPF_F_RDONLY and BPF_F_WRONLY stay with the kernel's fd, not the map; with no fds
    // here they stay with the map and govern every syscall-side access.
    this.flags = attrs.flags;
    this.cpus = options.cpus;
    this.perCpu = perCpu;
    this.options = options;
    this.littleEndian = options.littleEndian;
  }

  get typeName(): string {
    return mapTypeName(this.type);
  }

  get frozen(): boolean {
    return this.isFrozen;
  }

  get programAccess(): 'r' | 'rw' {
    return this.flags & MAP_FLAG.rdonlyProg ? 'r' : 'rw';
  }

  abstract get count(): number;

  // ---------------------------------------------------------------- program side

  lookup(key: Uint8Array, cpu = 0): Uint8Array | undefined {
    need(key, this.keySize, 'key');
    return this.find(key, cpu, true);
  }

  /**
   * Writes from a program into a BPF_F_RDONLY_PROG map are refused by the verifier
   * ("write into map forbidden"); with no verifier pass for it yet, the call answers
   * -EACCES, the verifier's errno.
   */
  update(key: Uint8Array, value: Uint8Array, flags = 0, cpu = 0): number {
    if (this.flags & MAP_FLAG.rdonlyProg) return -EACCES;
    need(key, this.keySize, 'key');
    need(value, this.valueSize, 'value');
    return this.store(key, value, flags, cpu, false);
  }

  delete(key: Uint8Array): number {
    if (this.flags & MAP_FLAG.rdonlyProg) return -EACCES;
    need(key, this.keySize, 'key');
    return this.remove(key);
  }

  push(value: Uint8Array, flags = 0): number {
    if (this.flags & MAP_FLAG.rdonlyProg) return -EACCES;
    need(value, this.valueSize, 'value');
    return this.pushValue(value, flags);
  }

  pop(out: Uint8Array): number {
    if (this.flags & MAP_FLAG.rdonlyProg) return -EACCES;
    need(out, this.valueSize, 'value');
    return this.popValue(out);
  }

  peek(value: Uint8Array): number {
    need(value, this.valueSize, 'value');
    return this.peekValue(value);
  }

  // ---------------------------------------------------------------- syscall side

  sysLookup(key: Uint8Array | undefined, flags = 0, value?: Uint8Array): Uint8Array | number {
    if (flags & ~UPDATE_FLAG.lock) return -EINVAL;
    if (!this.sysReadable) return -EPERM;
    if (flags & UPDATE_FLAG.lock && !this.options.spinLock) return -EINVAL;
    const k = this.sysKey(key);
    if (typeof k === 'number') return k;
    if (value !== undefined && value.length < this.valueSize) return -EFAULT;
    return this.copyValue(k, flags, value);
  }

  sysUpdate(key: Uint8Array | undefined, value: Uint8Array, flags = 0): number {
    if (!this.sysWritable) return -EPERM;
    if (flags & UPDATE_FLAG.lock && !this.options.spinLock) return -EINVAL;
    const k = this.sysKey(key);
    if (typeof k === 'number') return k;
    if (value.length < this.sysValueSize) return -EFAULT;
    return this.sysStore(k, value, flags);
  }

  sysDelete(key: Uint8Array | undefined): number {
    if (!this.sysWritable) return -EPERM;
    const k = this.sysKey(key);
    if (typeof k === 'number') return k;
    return this.remove(k);
  }

  sysGetNextKey(key: Uint8Array | undefined): Uint8Array | number {
    if (!this.sysReadable) return -EPERM;
    if (key === undefined) return this.nextKey(undefined);
    const k = this.sysKey(key);
    if (typeof k === 'number') return k;
    return this.nextKey(k);
  }

  sysLookupAndDelete(key: Uint8Array | undefined, flags = 0): Uint8Array | number {
    if (flags & ~UPDATE_FLAG.lock) return -EINVAL;
    if (!this.sysReadable || !this.sysWritable) return -EPERM;
    if (flags & UPDATE_FLAG.lock && !this.options.spinLock) return -EINVAL;
    const k = this.sysKey(key);
    if (typeof k === 'number') return k;
    return this.take(k, flags);
  }

  freeze(): number {
    // A value with special fields (spin locks, timers, kptrs) cannot be frozen.
    if (this.options.spinLock) return -ENOTSUPP;
    if (!this.sysWritable) return -EPERM;
    if (this.isFrozen) return -EBUSY;
    this.isFrozen = true;
    return 0;
  }

  *entries(): IterableIterator<MapEntry> {
    for (let k = this.nextKey(undefined); typeof k !== 'number'; k = this.nextKey(k)) {
      const value = this.dumpValue(k);
      if (value !== undefined) yield { key: k, value };
    }
  }

  onRelease(listener: ReleaseListener): () => void {
    this.releaseListeners.add(listener);
    return () => this.releaseListeners.delete(listener);
  }

  /** A family calls this when an element's value bytes stop being the element's. */
  protected released(values: readonly Uint8Array[]): void {
    for (const listener of this.releaseListeners) listener(values);
  }

  // ---------------------------------------------------------------- family hooks

  /** The value's live bytes on `cpu`; `mark` is set for program lookups (LRU recency). */
  protected find(_key: Uint8Array, _cpu: number, _mark: boolean): Uint8Array | undefined {
    return undefined;
  }

  /** Update from a program (`onAllCpus` false, one CPU's copy) or the syscall (true, every CPU's). */
  protected store(_key: Uint8Array, _value: Uint8Array, _flags: number, _cpu: number, _onAllCpus: boolean): number {
    return -EOPNOTSUPP;
  }

  protected remove(_key: Uint8Array): number {
    return -EOPNOTSUPP;
  }

  protected pushValue(_value: Uint8Array, _flags: number): number {
    return -EOPNOTSUPP;
  }

  protected popValue(_out: Uint8Array): number {
    return -EOPNOTSUPP;
  }

  protected peekValue(_value: Uint8Array): number {
    return -EOPNOTSUPP;
  }

  protected nextKey(_key: Uint8Array | undefined): Uint8Array | number {
    return -EOPNOTSUPP;
  }

  /** BPF_MAP_LOOKUP_ELEM after the generic checks: a copy, or -errno. */
  protected copyValue(key: Uint8Array, _flags: number, _value: Uint8Array | undefined): Uint8Array | number {
    const v = this.find(key, 0, false);
    return v === undefined ? -ENOENT : v.slice();
  }

  /** BPF_MAP_UPDATE_ELEM after the generic checks. */
  protected sysStore(key: Uint8Array, value: Uint8Array, flags: number): number {
    return this.store(key, value, flags, 0, this.perCpu);
  }

  /** BPF_MAP_LOOKUP_AND_DELETE_ELEM after the generic checks: only queues, stacks and hashes have it. */
  protected take(_key: Uint8Array, _flags: number): Uint8Array | number {
    return -ENOTSUPP;
  }

  protected dumpValue(key: Uint8Array): Uint8Array | Uint8Array[] | undefined {
    if (!this.perCpu) return this.find(key, 0, false);
    const out: Uint8Array[] = [];
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      const v = this.find(key, cpu, false);
      if (v === undefined) return undefined;
      out.push(v);
    }
    return out;
  }

  /** What a syscall-side value holds: every CPU's copy padded to 8 bytes for per-CPU maps. */
  protected get sysValueSize(): number {
    return this.perCpu ? Math.ceil(this.valueSize / 8) * 8 * this.cpus : this.valueSize;
  }

  protected get sysReadable(): boolean {
    return !(this.flags & MAP_FLAG.wronly);
  }

  protected get sysWritable(): boolean {
    return !this.isFrozen && !(this.flags & MAP_FLAG.rdonly);
  }

  /** The key as the syscall copies it: none for keyless maps, key_size bytes otherwise. */
  private sysKey(key: Uint8Array | undefined): Uint8Array | number {
    if (this.keySize === 0) return key === undefined || key.length === 0 ? NO_KEY : -EINVAL;
    if (key === undefined || key.length < this.keySize) return -EFAULT;
    return key.subarray(0, this.keySize);
  }
}
