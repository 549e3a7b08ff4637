export { strerror as errnoText } from '../errno.js';
import type { LoadedMap, LoadedProgram } from '../vm/loaded.js';
import { MAP_TYPE, mapTypeId } from '../object/kinds.js';
import type { MapDumpSpec } from '../btf/format-value-map.js';
import { JsonWriter } from '../text/json-writer.js';
import type { CliContext } from './context.js';
import { ExitStatus } from './main.js';
import { fullProgramName, parseCInteger } from './selectors.js';
import { isPrefix, type Words } from './words.js';

/**
 * What bpftool does on a failed command: `Error: MESSAGE` on stderr (`{"error":...}`
 * with -j), and an exit status of -errno for a failed syscall (so 254 for ENOENT),
 * -1 (255) otherwise.
 */
export function fail(ctx: CliContext, message: string, errno?: number): never {
  if (ctx.json) ctx.out(new JsonWriter(ctx.pretty).startObject().stringField('error', message).endObject().finish());
  else ctx.err(`Error: ${message}\n`);
  throw new ExitStatus(exitFor(errno));
}

/** The exit status bpftool's `return err` gives for -errno (or -1). */
export function exitFor(errno?: number): number {
  return errno ? (256 - Math.abs(errno)) & 0xff : 255;
}

/** A cursor over the words after the command, bpftool's argc/argv. */
export class Argv {
  constructor(readonly words: readonly string[], public at = 0) {}

  get count(): number {
    return this.words.length - this.at;
  }

  get current(): string | undefined {
    return this.words[this.at];
  }

  next(): string {
    return this.words[this.at++] ?? '';
  }

  accept(keyword: string): boolean {
    const w = this.current;
    if (w === undefined || !isPrefix(w, keyword)) return false;
    this.at++;
    return true;
  }
}

/** The words after the command, with the command word before them (bpftool's argv[-1]). */
export function argvOf(words: Words): Argv {
  const all = [words.previous() ?? ''];
  while (!words.done) all.push(words.take('a word'));
  return new Argv(all, 1);
}

const BPF_OBJ_NAME_LEN = 16;
const MAX_PROG_FULL_NAME = 128;

/** What a pin names, or bpftool's errors for a missing pin or one of the other kind. */
function pinnedId(ctx: CliContext, path: string, kind: 'prog' | 'map'): number {
  const target = ctx.store.pinned(path);
  if (!target) fail(ctx, `bpf obj get (${path}): No such file or directory`);
  if (target.kind !== kind) fail(ctx, `incorrect object type: ${target.kind}`);
  return target.id;
}

/** MAP := { id MAP_ID | pinned FILE | name MAP_NAME }: every map it names (map_parse_fds). */
export function parseMaps(ctx: CliContext, args: Argv): LoadedMap[] {
  const maps = ctx.store.maps;
  if (args.accept('id')) {
    const text = args.next();
    const id = parseCInteger(text);
    if (id === undefined) fail(ctx, `can't parse ${text} as ID`);
    const found = maps.filter((m) => m.id === id);
    if (!found.length) fail(ctx, `get map by id (${id}): No such file or directory`);
    return found;
  }
  if (args.accept('name')) {
    const name = args.next();
    if (Buffer.byteLength(name) > BPF_OBJ_NAME_LEN - 1) fail(ctx, "can't parse name");
    return maps.filter((m) => m.name === name);
  }
  if (args.accept('pinned')) {
    const id = pinnedId(ctx, args.next(), 'map');
    return maps.filter((m) => m.id === id);
  }
  return fail(ctx, `expected 'id', 'name' or 'pinned', got: '${args.current ?? ''}'?`);
}

/** One map (map_parse_fd): none fails without a word, as bpftool does; several is an error. */
export function parseMap(ctx: CliContext, args: Argv): LoadedMap {
  const found = parseMaps(ctx, args);
  if (found.length === 0) throw new ExitStatus(255);
  if (found.length > 1) fail(ctx, 'several maps match this handle');
  return found[0]!;
}

/** PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME }: one program (prog_parse_fd). */
export function parseProg(ctx: CliContext, args: Argv): LoadedProgram {
  const programs = ctx.store.programs;
  let found: LoadedProgram[];
  if (args.accept('id')) {
    const text = args.next();
    const id = parseCInteger(text);
    if (id === undefined) fail(ctx, `can't parse ${text} as ID`);
    found = programs.filter((p) => p.id === id);
    if (!found.length) fail(ctx, `get by id (${id}): No such file or directory`);
  } else if (args.accept('tag')) {
    const m = /^[0-9a-fA-F]{16}/.exec(args.next());
    if (!m) fail(ctx, "can't parse tag");
    found = programs.filter((p) => p.spec.tag === m[0].toLowerCase());
  } else if (args.accept('name')) {
    const name = args.next();
    if (Buffer.byteLength(name) > MAX_PROG_FULL_NAME - 1) fail(ctx, "can't parse name");
    found = programs.filter((p) => fullProgramName(p) === name);
  } else if (args.accept('pinned')) {
    const id = pinnedId(ctx, args.next(), 'prog');
    found = programs.filter((p) => p.id === id);
  } else {
    return fail(ctx, `expected 'id', 'tag', 'name' or 'pinned', got: '${args.current ?? ''}'?`);
  }
  if (found.length === 0) throw new ExitStatus(255);
  if (found.length > 1) fail(ctx, 'several programs match this handle');
  return found[0]!;
}

const PERCPU_CGROUP_STORAGE = mapTypeId('percpu_cgroup_storage');

/** bpftool 7.1's per-CPU types (the ones whose values it reads one per possible CPU). */
export function isPerCpuType(type: number): boolean {
  return type === MAP_TYPE.percpuHash || type === MAP_TYPE.percpuArray || type === MAP_TYPE.lruPercpuHash || type === PERCPU_CGROUP_STORAGE;
}

/** The facts a dump or a lookup prints by: sizes, per-CPU, and the BTF the map was created with. */
export function dumpSpecOf(ctx: CliContext, map: LoadedMap): MapDumpSpec {
  const object = ctx.store.objectOfMap(map);
  const btf = map.btfId ? object?.spec.btf : undefined;
  return {
    keySize: map.spec.keySize,
    valueSize: map.spec.valueSize,
    perCpu: isPerCpuType(map.spec.type),
    ...(btf ? { btf } : {}),
    btfKeyTypeId: map.spec.btfKeyTypeId,
    btfValueTypeId: map.spec.btfValueTypeId,
  };
}
