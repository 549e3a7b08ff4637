import type { Btf } from '../btf/btf.js';
import { BtfError } from '../errors.js';
import type { LoadedMap, LoadedProgram } from '../vm/loaded.js';
import { Args, strtoulU32 } from './btf-args.js';
import { BtfReporter, EXIT } from './btf-report.js';
import { btfShow } from './btf-show.js';
import { strerror } from '../errno.js';
import { BtfLoadError, loadBtfFile, SYSFS_BTF_DIR, SYSFS_VMLINUX } from './btf-source.js';
import type { CliContext } from './context.js';
import type { CommandTable } from './main.js';
import { fullProgramName } from './selectors.js';
import { BTF_USAGE } from './usage.js';
import type { Words } from './words.js';

/** bpftool's limits on names given on the command line (MAX_PROG_FULL_NAME, BPF_OBJ_NAME_LEN). */
const MAX_PROG_NAME = 127;
const MAX_MAP_NAME = 15;

/** What `btf dump` prints from, once its source is read. */
interface DumpSource {
  /** The BTF as read from a file, or undefined to look `btfId` up among loaded objects. */
  btf?: Btf;
  btfId: number;
  /** Only these types (a map's key and value); all of them when empty. */
  rootIds: number[];
}

/**
 * btf dump BTF_SRC [format FORMAT]
 * BTF_SRC := { id BTF_ID | prog PROG | map MAP [{key | value | kv | all}] | file FILE }
 *
 * In bpftool 7.1's order: the source first (a file is read at once), then the format,
 * then BTF held by the kernel, then the JSON check. Loaded objects' BTF is what the
 * kernel holds after libbpf's DATASEC fixups; a file's is shown as it is stored.
 */
export async function btfDump(ctx: CliContext, words: Words): Promise<void> {
  const r: BtfReporter = new BtfReporter(ctx);
  const command = words.previous() ?? 'dump';
  const args = Args.rest(words);
  if (args.count < 2) r.usageError(`'${command}' needs at least 2 arguments, ${args.count} found`);
  const src = args.next();
  let source: DumpSource;
  if (isPrefix(src, 'map')) {
    if (args.count < 2) r.usageError(`'${src}' needs at least 2 arguments, ${args.count} found`);
    const map = selectMap(ctx, args, r);
    const key = map.spec.btfKeyTypeId;
    const value = map.spec.btfValueTypeId;
    let rootIds = [key, value];
    if (args.accept('key')) rootIds = [key];
    else if (args.accept('value')) rootIds = [value];
    else if (args.accept('all')) rootIds = [];
    else args.accept('kv');
    source = { btfId: map.btfId, rootIds };
  } else if (isPrefix(src, 'prog')) {
    if (args.count < 2) r.usageError(`'${src}' needs at least 2 arguments, ${args.count} found`);
    source = { btfId: selectProgram(ctx, args, r).btfId, rootIds: [] };
  } else if (isPrefix(src, 'id')) {
    const text = args.current!;
    const id = strtoulU32(text);
    if (id === undefined) r.die(`can't parse ${text} as ID`);
    args.next();
    source = { btfId: id, rootIds: [] };
  } else if (isPrefix(src, 'file')) {
    source = { btf: readFile(ctx, r, args.current!), btfId: 0, rootIds: [] };
    args.next();
  } else {
    r.die(`unrecognized BTF source specifier: '${src}'`);
  }

  let formatC = false;
  while (args.count) {
    if (!args.accept('format')) r.die(`unrecognized option: '${args.current}'`, EXIT.inval);
    if (args.count < 1) r.die("expecting value for 'format' option\n", EXIT.inval);
    const format = args.next();
    if (format === 'c') formatC = true;
    else if (format === 'raw') formatC = false;
    else r.die(`unrecognized format specifier: '${format}', possible values: raw, c`, EXIT.inval);
  }

  const btf = source.btf ?? loadedBtf(ctx, r, source.btfId);
  const ids = source.rootIds.length ? source.rootIds : undefined;
  if (formatC) {
    if (ctx.json) r.die('JSON output for C-syntax dump is not supported', EXIT.notsup);
    const { dumpBtfCBytes } = await import('../btf/dump-c.js');
    let text: Uint8Array;
    try {
      text = dumpBtfCBytes(btf, { ...(ids ? { ids } : {}), warn: (m) => r.libbpf(m) });
    } catch (e) {
      // A cycle no forward declaration breaks: libbpf warns and gives up with -ELOOP,
      // and bpftool adds no message of its own. Other BtfErrors are bpfscope's own.
      if (e instanceof BtfError && e.message.startsWith('unsatisfiable type cycle')) {
        r.libbpf(e.message);
        r.fail(EXIT.loop);
      }
      throw e;
    }
    ctx.outBytes(text);
    return;
  }
  if (ctx.json) {
    const { dumpBtfRawJson } = await import('../btf/dump-raw.js');
    r.jsonOutput(dumpBtfRawJson(btf, { ...(ids ? { ids } : {}), pretty: ctx.pretty }));
  } else {
    // Written from the records as bytes (vmlinux's is 12 MB).
    const { dumpBtfRawBytes } = await import('../btf/dump-raw-bytes.js');
    ctx.outBytes(dumpBtfRawBytes(btf, ids ? { ids } : {}));
  }
}

/** bpftool's is_prefix: the empty word is a prefix of everything. */
function isPrefix(word: string, keyword: string): boolean {
  return keyword.startsWith(word);
}

/** `btf dump file FILE`: raw BTF or an ELF file's .BTF, on the -B base or, for a module's sysfs blob, on vmlinux's. */
function readFile(ctx: CliContext, r: BtfReporter, path: string): Btf {
  let base = ctx.baseBtf;
  if (!base && path.startsWith(SYSFS_BTF_DIR) && path !== SYSFS_VMLINUX) {
    try {
      base = loadBtfFile(SYSFS_VMLINUX);
    } catch (e) {
      if (!(e instanceof BtfLoadError)) throw e;
      reportLoadError(r, e, SYSFS_VMLINUX);
      // bpftool goes on without a base.
      r.error(`failed to parse vmlinux BTF at '${SYSFS_VMLINUX}': ${-e.errno}\n`);
    }
  }
  try {
    return loadBtfFile(path, base);
  } catch (e) {
    if (!(e instanceof BtfLoadError)) throw e;
    reportLoadError(r, e, path);
    return r.die(`failed to load BTF from ${path}: ${strerror(e.errno)}`, -e.errno & 0xff);
  }
}

/**
 * `-B FILE`: the base for split BTF, read as bpftool reads it while it parses its
 * options (raw or ELF, itself not split). A failure ends the run there, before the
 * JSON writer is closed.
 */
export function loadBaseBtf(ctx: CliContext, path: string): Btf {
  const r: BtfReporter = new BtfReporter(ctx);
  try {
    return loadBtfFile(path);
  } catch (e) {
    if (!(e instanceof BtfLoadError)) throw e;
    reportLoadError(r, e, path);
    r.error(`failed to parse base BTF at '${path}': ${-e.errno}\n`);
    return r.fail(EXIT.fail, false);
  }
}

/** libbpf's warnings for a file it could not read, and bpfscope's own reason under BPFSCOPE_DEBUG. */
export function reportLoadError(r: BtfReporter, e: BtfLoadError, path: string): void {
  for (const w of e.warnings) r.libbpf(w);
  if (e.detail && process.env['BPFSCOPE_DEBUG']) r.info(`bpfscope: ${path}: ${e.detail}`);
}

/**
 * BTF the "kernel" holds: a loaded object's, fixed up as libbpf loads it. Looking it
 * up by an id that names nothing fails twice in bpftool: once while it checks whether
 * the id is a kernel module's (skipped when -B gives a base), then for the load itself.
 */
function loadedBtf(ctx: CliContext, r: BtfReporter, btfId: number): Btf {
  const btf = ctx.store.objects.find((o) => o.btfId !== 0 && o.btfId === btfId)?.spec.btf;
  if (btf) return btf;
  if (!ctx.baseBtf) r.error(`can't get BTF object by id (${btfId}): No such file or directory`);
  return r.die(`get btf by id (${btfId}): No such file or directory`, EXIT.noent);
}

/** What a pin in the store names, with bpftool's errors for a missing pin or one of the other kind. */
function pinnedId(ctx: CliContext, r: BtfReporter, path: string, kind: 'prog' | 'map'): number {
  const target = ctx.store.pinned(path);
  if (!target) r.die(`bpf obj get (${path}): No such file or directory`);
  if (target.kind !== kind) r.die(`incorrect object type: ${target.kind}`);
  return target.id;
}

/** PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME }, one program, as bpftool's prog_parse_fd. */
function selectProgram(ctx: CliContext, args: Args, r: BtfReporter): LoadedProgram {
  const programs = ctx.store.programs;
  let found: LoadedProgram[];
  if (args.accept('id')) {
    const text = args.next();
    const id = strtoulU32(text);
    if (id === undefined) r.die(`can't parse ${text} as ID`);
    found = programs.filter((p) => p.id === id);
    if (!found.length) r.die(`get by id (${id}): No such file or directory`);
  } else if (args.accept('tag')) {
    const m = /^[0-9a-fA-F]{16}/.exec(args.next());
    if (!m) r.die("can't parse tag");
    found = programs.filter((p) => p.spec.tag === m[0].toLowerCase());
  } else if (args.accept('name')) {
    const name = args.next();
    if (Buffer.byteLength(name) > MAX_PROG_NAME) r.die("can't parse name");
    found = programs.filter((p) => fullProgramName(p) === name);
  } else if (args.accept('pinned')) {
    const id = pinnedId(ctx, r, args.next(), 'prog');
    found = programs.filter((p) => p.id === id);
  } else {
    r.die(`expected 'id', 'tag', 'name' or 'pinned', got: '${args.current}'?`);
  }
  // None found: bpftool fails without a word.
  if (found.length === 0) r.fail(EXIT.fail);
  if (found.length > 1) r.die('several programs match this handle');
  return found[0]!;
}

/** MAP := { id MAP_ID | pinned FILE | name MAP_NAME }, one map, as bpftool's map_parse_fd. */
function selectMap(ctx: CliContext, args: Args, r: BtfReporter): LoadedMap {
  const maps = ctx.store.maps;
  let found: LoadedMap[];
  if (args.accept('id')) {
    const text = args.next();
    const id = strtoulU32(text);
    if (id === undefined) r.die(`can't parse ${text} as ID`);
    found = maps.filter((m) => m.id === id);
    if (!found.length) r.die(`get map by id (${id}): No such file or directory`);
  } else if (args.accept('name')) {
    const name = args.next();
    if (Buffer.byteLength(name) > MAX_MAP_NAME) r.die("can't parse name");
    found = maps.filter((m) => m.name === name);
  } else if (args.accept('pinned')) {
    const id = pinnedId(ctx, r, args.next(), 'map');
    found = maps.filter((m) => m.id === id);
  } else {
    r.die(`expected 'id', 'name' or 'pinned', got: '${args.current}'?`);
  }
  if (found.length === 0) r.fail(EXIT.fail);
  if (found.length > 1) r.die('several maps match this handle');
  return found[0]!;
}

export const btfCommands: CommandTable = {
  usage: BTF_USAGE,
  commands: [
    { name: 'show', run: btfShow },
    { name: 'list', run: btfShow },
    { name: 'dump', run: btfDump },
  ],
  storeless: (words) => isPrefix(words.peek() ?? '', 'dump') && isPrefix(words.peekAhead(1) ?? '', 'file'),
};
