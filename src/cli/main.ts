import { Command, CommanderError } from 'commander';
import { UsageError } from '../errors.js';
import type { RenderFormat } from '../render/index.js';
import type { CliContext } from './context.js';
import { dispatch } from './dispatch.js';
import { findUnknownOption, type OptionTable } from './getopt.js';
import { reportError, Reporter } from './report.js';
import { MAIN_USAGE } from './usage.js';

interface GlobalOptions {
  json?: boolean;
  pretty?: boolean;
  object: string[];
  state?: string;
  table?: boolean;
  budget?: number;
  baseBtf?: string;
  btfTarget?: string;
  kconfig?: string;
  help?: boolean;
  version?: boolean;
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Bytes for stdout as they are (large dumps built as bytes); `out` with UTF-8 text when absent. */
  outBytes?: (bytes: Uint8Array) => void;
}

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  outBytes: (b) => process.stdout.write(b),
};

/** Runs one command line; returns the exit code (0, or 255 as bpftool's -1). */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let opts: GlobalOptions;
  let words: string[];
  let render: { format: RenderFormat; file: string } | undefined;
  try {
    ({ render, rest: argv } = await takeRenderOption(argv));
    const refused = findUnknownOption('bpfscope', argv, OPTIONS);
    if (refused) {
      // As bpftool: a JSON error when -j came first, else the error and the usage on stderr.
      const r = new Reporter({ json: refused.json, pretty: refused.pretty, out: io.out, err: io.err });
      r.error(`unrecognized option '${refused.name}'`);
      if (!refused.json) io.err(MAIN_USAGE);
      r.close();
      return 255;
    }
    ({ opts, words } = parseGlobalOptions(argv));
  } catch (e) {
    io.err(`Error: ${(e as Error).message.replace(/^error: /, '')}\n`);
    return 255;
  }
  const json = Boolean(opts.json || opts.pretty);
  let store: CliContext['store'] | undefined;
  const ctx: CliContext = {
    json,
    pretty: Boolean(opts.pretty),
    // Tables are for the plain text; JSON stays bpftool's whatever else is asked.
    table: Boolean(opts.table) && !json,
    ...(opts.budget === undefined ? {} : { budget: opts.budget }),
    target: {
      ...(opts.btfTarget === undefined ? {} : { btf: opts.btfTarget }),
      ...(opts.kconfig === undefined ? {} : { kconfig: opts.kconfig }),
    },
    get store() {
      if (!store) throw new Error('the store is used by a command that said it needs none');
      return store;
    },
    openStore: async () => {
      store ??= await openStore(opts);
    },
    runCommand: (inner, line) => dispatch(inner, line),
    out: io.out,
    err: io.err,
    outBytes: io.outBytes ?? ((b: Uint8Array) => io.out(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8'))),
  };
  try {
    if (render) {
      const { renderDot } = await import('../render/graphviz.js');
      ctx.render = (dot: string) => renderDot(dot, render.format, render.file);
    }
    // As in bpftool, the base BTF is read with the options, before any command runs.
    if (opts.baseBtf !== undefined) ctx.baseBtf = (await import('./btf.js')).loadBaseBtf(ctx, opts.baseBtf);
    if (opts.object.length) {
      await ctx.openStore();
      const [{ openObject }, { loadTarget }] = await Promise.all([import('../object/open.js'), import('../object/target.js')]);
      const target = loadTarget(ctx.target);
      for (const file of opts.object) {
        const spec = openObject(file, undefined, { target });
        for (const note of spec.notes) ctx.err(`note: ${file}: ${note}\n`);
        ctx.store.load(spec);
      }
    }
    await dispatch(ctx, words, opts);
    return 0;
  } catch (e) {
    return reportError(ctx, e);
  }
}

/**
 * With `--object`, the objects loaded for this invocation only; without, the store in
 * the state directory (`--state`, $BPFSCOPE_STATE, the XDG state home), read when a
 * command first looks at it.
 */
async function openStore(opts: GlobalOptions): Promise<CliContext['store']> {
  if (opts.object.length) return new (await import('../store/session-store.js')).SessionStore();
  const [{ PersistentStore }, { stateDirectory }] = await Promise.all([import('../store/persistent-store.js'), import('../store/state-dir.js')]);
  return new PersistentStore(stateDirectory(opts.state));
}

/** `--render FORMAT FILE` takes two words, which commander's options cannot, so it is read first. */
async function takeRenderOption(argv: string[]): Promise<{ render?: { format: RenderFormat; file: string }; rest: string[] }> {
  const at = argv.indexOf('--render');
  if (at < 0) return { rest: argv };
  const { isRenderFormat, RENDER_FORMATS } = await import('../render/graphviz.js');
  const format = argv[at + 1];
  const file = argv[at + 2];
  if (format === undefined || !isRenderFormat(format) || file === undefined) {
    throw new UsageError(`--render takes a format (${RENDER_FORMATS.join(' or ')}) and a file`);
  }
  return { render: { format, file }, rest: [...argv.slice(0, at), ...argv.slice(at + 3)] };
}

/** The options parseGlobalOptions knows, for the getopt-like scan that refuses all others. */
const OPTIONS: OptionTable = {
  short: new Map([['j', false], ['p', false], ['h', false], ['V', false], ['B', true]]),
  long: new Map([['json', false], ['pretty', false], ['object', true], ['state', true], ['table', false], ['budget', true], ['base-btf', true], ['btf-target', true], ['kconfig', true], ['help', false], ['version', false]]),
  json: new Set(['j', 'json']),
  pretty: new Set(['p', 'pretty']),
};

function parseGlobalOptions(argv: string[]): { opts: GlobalOptions; words: string[] } {
  const cmd = new Command('bpfscope')
    .option('-j, --json', 'JSON output')
    .option('-p, --pretty', 'pretty JSON output (implies --json)')
    .option('--object <file>', 'open this BPF object for this invocation (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--state <dir>', 'the store: loaded programs, maps and pins kept between invocations')
    .option('--table', 'prog show, map show and map dump as tables')
    .option('--budget <n>', 'instructions one program run may execute before it faults', parseBudget)
    .option('-B, --base-btf <file>', "base BTF that split BTF (a kernel module's) extends")
    .option('--btf-target <file>', "the kernel BTF (raw, or an ELF's .BTF) that CO-RE, kfuncs and ksyms resolve against; 'none' for none (default: /sys/kernel/btf/vmlinux)")
    .option('--kconfig <file>', 'the kernel config that .kconfig externs read (default: /proc/config.gz, /boot/config-$(uname -r))')
    .option('-h, --help', 'print usage')
    .option('-V, --version', 'print version')
    .helpOption(false)
    .argument('[words...]')
    .allowExcessArguments(true)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) throw new UsageError(e.message);
    throw e;
  }
  return { opts: cmd.opts<GlobalOptions>(), words: cmd.args };
}

function parseBudget(word: string): number {
  const n = Number(word);
  if (!/^\d+$/.test(word) || !Number.isSafeInteger(n) || n < 1) throw new Error(`budget ${word} is not a positive integer`);
  return n;
}
