import type { LoadTargetOptions } from '../object/index.js';
import type { MapSnapshot } from '../vm/index.js';
import { damaged } from './errors.js';
import type { PinTarget } from './pins.js';

/**
 * What `state.json` holds: enough to rebuild every loaded program and map. Objects are
 * kept as their bytes (`objects/<sha256>.o`) and loaded again with the ids they had;
 * maps keep their contents as snapshots.
 */
export interface StateFile {
  format: 'bpfscope-store';
  version: 1;
  /** Bumped by every save: a reader that saw this generation need not rebuild. */
  generation: number;
  cpus: number;
  /** The last ids handed out: ids only grow, as the kernel's idr does. */
  last: { prog: number; map: number; btf: number };
  objects: ObjectRecord[];
  maps: MapRecord[];
  pins: PinRecord[];
}

export interface ObjectRecord {
  /** The path the object was loaded from, as given (for messages and `prog show`). */
  file: string;
  /** sha256 of the bytes, the name of the copy under `objects/`. */
  sha256: string;
  /** `prog load ... type TYPE`: the program type every program was loaded as. */
  progType?: number;
  expectedAttachType?: number;
  /** The target it was finished for (`--btf-target`, `--kconfig`), when not the running kernel. */
  target?: LoadTargetOptions;
  btfId: number;
  /** The id each of the object's maps got (by index), including maps reused from elsewhere. */
  mapIds: number[];
  /** The programs still loaded, by name in the object, with their ids. */
  programs: { name: string; id: number }[];
  loadedAt: string;
  uid: number;
}

export interface MapRecord {
  id: number;
  /** Made by an object (index in `objects`, index among its maps), or by `map create`. */
  object?: { index: number; map: number };
  created?: CreatedMap;
  /** What `map show` says. */
  frozen: boolean;
  ownerProgType?: number;
  /** Absent until the map has been made (then as libbpf leaves it after load). */
  contents?: MapSnapshot;
}

export interface CreatedMap {
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  mapExtra?: string;
  inner?: CreatedMap;
}

export interface PinRecord extends PinTarget {
  path: string;
}

export function emptyState(cpus: number): StateFile {
  return { format: 'bpfscope-store', version: 1, generation: 0, cpus, last: { prog: 0, map: 0, btf: 0 }, objects: [], maps: [], pins: [] };
}

/** Parses and checks a state file; a damaged one is a StoreError naming it. */
export function parseState(file: string, text: string): StateFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw damaged(file, `not JSON: ${(e as Error).message}`);
  }
  const problem = checkState(data);
  if (problem) throw damaged(file, problem);
  return data as StateFile;
}

const isInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const isHex = (v: unknown): boolean => typeof v === 'string' && /^(?:[0-9a-f]{2})*$/.test(v);

/** A map snapshot's shape: hex key and value pairs, and fields of numbers or base64 text. */
function isContents(c: unknown): boolean {
  if (!isObj(c) || typeof c['frozen'] !== 'boolean' || !Array.isArray(c['elements'])) return false;
  if (!(c['elements'] as unknown[]).every((e) => Array.isArray(e) && e.length === 2 && isHex(e[0]) && isHex(e[1]))) return false;
  const fields = c['fields'];
  return fields === undefined || (isObj(fields) && Object.values(fields).every((v) => typeof v === 'number' || (typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v))));
}

/** What is wrong with a parsed state file, or undefined. */
function checkState(d: unknown): string | undefined {
  if (!isObj(d) || d['format'] !== 'bpfscope-store') return 'not a bpfscope store';
  if (d['version'] !== 1) return `version ${String(d['version'])}, this bpfscope reads version 1`;
  if (!isInt(d['generation']) || !isInt(d['cpus']) || (d['cpus'] as number) < 1) return 'bad generation or cpus';
  const last = d['last'];
  if (!isObj(last) || !isInt(last['prog']) || !isInt(last['map']) || !isInt(last['btf'])) return 'bad last ids';
  if (!Array.isArray(d['objects']) || !Array.isArray(d['maps']) || !Array.isArray(d['pins'])) return 'objects, maps or pins missing';
  for (const [i, o] of (d['objects'] as unknown[]).entries()) {
    if (!isObj(o) || typeof o['file'] !== 'string' || typeof o['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(o['sha256'])) return `object ${i}: bad file or sha256`;
    if (!isInt(o['btfId']) || !Array.isArray(o['mapIds']) || !(o['mapIds'] as unknown[]).every(isInt)) return `object ${i}: bad ids`;
    if (!Array.isArray(o['programs']) || !(o['programs'] as unknown[]).every((p) => isObj(p) && typeof p['name'] === 'string' && isInt(p['id']))) return `object ${i}: bad programs`;
    if (typeof o['loadedAt'] !== 'string' || !isInt(o['uid'])) return `object ${i}: bad loadedAt or uid`;
  }
  const objects = (d['objects'] as unknown[]).length;
  for (const m of d['maps'] as unknown[]) {
    if (!isObj(m) || !isInt(m['id']) || typeof m['frozen'] !== 'boolean') return 'a map record without id or frozen';
    const o = m['object'];
    if (o !== undefined && (!isObj(o) || !isInt(o['index']) || (o['index'] as number) >= objects || !isInt(o['map']))) return `map ${String(m['id'])}: bad object`;
    if ((o === undefined) === (m['created'] === undefined)) return `map ${String(m['id'])}: neither made by an object nor created`;
    const c = m['contents'];
    if (c !== undefined && !isContents(c)) return `map ${String(m['id'])}: bad contents`;
  }
  for (const p of d['pins'] as unknown[]) {
    if (!isObj(p) || typeof p['path'] !== 'string' || (p['kind'] !== 'prog' && p['kind'] !== 'map') || !isInt(p['id'])) return 'a bad pin record';
  }
  return undefined;
}
