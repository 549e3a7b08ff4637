import type { Btf } from '../btf/index.js';
import { BtfError } from '../errors.js';
import { btfShow } from './btf-show.js';
import { strerror } from '../errno.js';
import { BtfLoadError, loadBtfFile, SYSFS_BTF_DIR, SYSFS_VMLINUX } from './btf-source.js';
import type { CommandTable } from './command-table.js';
import { isPrefix, parseMap, parseProg, strtoulU32, type Words } from './common.js';
import type { CliContext } from './context.js';
import { EXIT, Reporter } from './report.js';
import { BTF_USAGE } from './usage.js';

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
export async function btfDump(ctx: CliContext, args: Words): Promise<void> {
  const r: Reporter = new Reporter(ctx);
  const command = args.previous ?? 'dump';
  if (args.count < 2) r.usageError(`'${command}' needs at least 2 arguments, ${args.count} found`, BTF_USAGE);
  const src = args.next();
  let source: DumpSource;
  if (isPrefix(src, 'map')) {
    if (args.count < 2) r.usageError(`'${src}' needs at least 2 arguments, ${args.count} found`, BTF_USAGE);
    const map = parseMap(ctx, args, r);
    const key = map.spec.btfKeyTypeId;
    const value = map.spec.btfValueTypeId;
    let rootIds = [key, value];
    if (args.accept('key')) rootIds = [key];
    else if (args.accept('value')) rootIds = [value];
    else if (args.accept('all')) rootIds = [];
    else args.accept('kv');
    source = { btfId: map.btfId, rootIds };
  } else if (isPrefix(src, 'prog')) {
    if (args.count < 2) r.usageError(`'${src}' needs at least 2 arguments, ${args.count} found`, BTF_USAGE);
    source = { btfId: parseProg(ctx, args, r).btfId, rootIds: [] };
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

/** `btf dump file FILE`: raw BTF or an ELF file's .BTF, on the -B base or, for a module's sysfs blob, on vmlinux's. */
function readFile(ctx: CliContext, r: Reporter, path: string): Btf {
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
  const r: Reporter = new Reporter(ctx);
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
export function reportLoadError(r: Reporter, e: BtfLoadError, path: string): void {
  for (const w of e.warnings) r.libbpf(w);
  if (e.detail && process.env['BPFSCOPE_DEBUG']) r.info(`bpfscope: ${path}: ${e.detail}`);
}

/**
 * BTF the "kernel" holds: a loaded object's, fixed up as libbpf loads it. Looking it
 * up by an id that names nothing fails twice in bpftool: once while it checks whether
 * the id is a kernel module's (skipped when -B gives a base), then for the load itself.
 */
function loadedBtf(ctx: CliContext, r: Reporter, btfId: number): Btf {
  const btf = ctx.store.objects.find((o) => o.btfId !== 0 && o.btfId === btfId)?.spec.btf;
  if (btf) return btf;
  if (!ctx.baseBtf) r.error(`can't get BTF object by id (${btfId}): No such file or directory`);
  return r.die(`get btf by id (${btfId}): No such file or directory`, EXIT.noent);
}

export const btfCommands: CommandTable = {
  usage: BTF_USAGE,
  commands: [
    { name: 'show', run: btfShow },
    { name: 'list', run: btfShow },
    { name: 'dump', run: btfDump },
  ],
  storeless: (words) => words.is('dump') && isPrefix(words.ahead(1) ?? '', 'file'),
};
