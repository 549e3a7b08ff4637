import { NotModelledError } from '../../errors.js';
import { BaseMap } from './base.js';
import { nextArrayKey } from './bytes.js';
import { ENOENT } from '../../errno.js';
import type { MapAttrs, MapEntry, ResolvedOptions, VmMap } from './types.js';

/**
 * What the kernel answers, on the syscall side, for a map of a type the VM creates but
 * does not model. Nothing in bpfscope can fill such a map (the programs that would run
 * no `prog run`, and updates that take sockets, cgroups or tasks by fd are not modelled),
 * so the map is always empty; these are the kernel's answers for an empty map. An
 * operation left out throws NotModelledError.
 */
export interface EmptyMapAnswers {
  /** BPF_MAP_GET_NEXT_KEY: `end` (-ENOENT at once), `indexes` (arrays walk every index), or the errno the type always answers. */
  nextKey: 'end' | 'indexes' | number;
  /** BPF_MAP_LOOKUP_ELEM: the errno for any key. */
  lookup?(attrs: MapAttrs, key: Uint8Array, littleEndian: boolean): number;
  /** BPF_MAP_DELETE_ELEM: the errno for any key. */
  delete?(attrs: MapAttrs, key: Uint8Array, littleEndian: boolean): number;
  /** BPF_MAP_UPDATE_ELEM, where the kernel's answer needs no file descriptor: the errno. */
  update?(attrs: MapAttrs, flags: number): number;
  /** BPF_MAP_LOOKUP_AND_DELETE_ELEM, for the types the syscall takes it for (otherwise -ENOTSUPP). */
  lookupAndDelete?: number;
  /** BPF_MAP_FREEZE, where the type refuses it (otherwise the generic answer). */
  freeze?: number;
}

/**
 * A map of a type the VM does not model: created with the kernel's checks, shown with its
 * memlock, answering the syscall side as an empty map of its type does. A program that
 * uses it cannot run (runtime/modelled.ts), so its program side never answers.
 */
export class UnmodelledMap extends BaseMap {
  constructor(
    attrs: MapAttrs,
    options: ResolvedOptions,
    private readonly answers: EmptyMapAnswers,
    perCpu = false,
  ) {
    super(attrs, options, perCpu);
  }

  get count(): number {
    return 0;
  }

  override *entries(): IterableIterator<MapEntry> {}

  protected override find(): Uint8Array | undefined {
    throw this.notModelled('the program side');
  }

  protected override store(): number {
    throw this.notModelled('BPF_MAP_UPDATE_ELEM');
  }

  protected override sysStore(_key: Uint8Array, _value: Uint8Array, flags: number): number {
    const { update } = this.answers;
    if (!update) throw this.notModelled('BPF_MAP_UPDATE_ELEM');
    return -update(this, flags);
  }

  protected override copyValue(key: Uint8Array): Uint8Array | number {
    const { lookup } = this.answers;
    if (!lookup) throw this.notModelled('BPF_MAP_LOOKUP_ELEM');
    return -lookup(this, key, this.littleEndian);
  }

  protected override remove(key: Uint8Array): number {
    const answer = this.answers.delete;
    if (!answer) throw this.notModelled('BPF_MAP_DELETE_ELEM');
    return -answer(this, key, this.littleEndian);
  }

  override freeze(): number {
    return this.answers.freeze === undefined ? super.freeze() : -this.answers.freeze;
  }

  protected override take(key: Uint8Array, flags: number): Uint8Array | number {
    const { lookupAndDelete } = this.answers;
    return lookupAndDelete === undefined ? super.take(key, flags) : -lookupAndDelete;
  }

  protected override nextKey(key: Uint8Array | undefined): Uint8Array | number {
    const { nextKey } = this.answers;
    if (nextKey === 'end') return -ENOENT;
    if (nextKey === 'indexes') return nextArrayKey(key, this.maxEntries, this.littleEndian);
    return -nextKey;
  }

  private notModelled(what: string): NotModelledError {
    return new NotModelledError(`${what} of ${this.typeName} map ${this.name}`);
  }
}

export function isUnmodelledMap(map: VmMap): map is UnmodelledMap {
  return map instanceof UnmodelledMap;
}
