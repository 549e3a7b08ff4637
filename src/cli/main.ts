import { Command, CommanderError } from 'commander';
import { BpfscopeError, UsageError } from '../errors.js';
import { openObject } from '../object/open.js';
import { isRenderFormat, renderDot, RENDER_FORMATS, type RenderFormat } from '../render/graphviz.js';
import { JsonWriter } from '../text/json-writer.js';
import { SessionStore } from '../store/session-store.js';
import type { CliContext } from './context.js';
import { asmCommands } from './asm.js';
import { mapCommands } from './map.js';
import { progCommands } from './prog.js';
import { MAIN_USAGE } from './usage.js';
import { isPrefix, Words } from './words.js';

export interface CommandTable {
  usage: string;
  commands: { name: string; run: (ctx: CliContext, words: Words) => void | Promise<void> }[];
  /** For an object that is itself a command (`asm FILE`): takes every word after the object. */
  direct?: (ctx: CliContext, words: Words) => void | Promise<void>;
}

const OBJECTS: Record<string, CommandTable> = {
  prog: progCommands,
  map: mapCommands,
  asm: asmCommands,
};

interface GlobalOptions {
  json?: boolean;
  pretty?: boolean;
  object: string[];
  help?: boolean;
  version?: boolean;
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** Runs one command line; returns the exit code (0, or 255 as bpftool's -1). */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let opts: GlobalOptions;
  let words: string[];
  let render: { format: RenderFormat; file: string } | undefined;
  try {
    ({ render, rest: argv } = takeRenderOption(argv));
    ({ opts, words } = parseGlobalOptions(argv));
  } catch (e) {
    io.err(`Error: ${(e as Error).message.replace(/^error: /, '')}\n`);
    return 255;
  }
  const json = Boolean(opts.json || opts.pretty);
  const ctx: CliContext = {
    json,
    pretty: Boolean(opts.pretty),
    store: new SessionStore(),
    out: io.out,
    err: io.err,
    ...(render ? { render: (dot: string) => renderDot(dot, render.format, render.file) } : {}),
  };
  try {
    for (const file of opts.object) ctx.store.load(openObject(file));
    await dispatch(ctx, words, opts);
    return 0;
  } catch (e) {
    reportError(ctx, e);
    return 255;
  }
}

/** `--render FORMAT FILE` takes two words, which commander's options cannot, so it is read first. */
function takeRenderOption(argv: string[]): { render?: { format: RenderFormat; file: string }; rest: string[] } {
  const at = argv.indexOf('--render');
  if (at < 0) return { rest: argv };
  const format = argv[at + 1];
  const file = argv[at + 2];
  if (format === undefined || !isRenderFormat(format) || file === undefined) {
    throw new UsageError(`--render takes a format (${RENDER_FORMATS.join(' or ')}) and a file`);
  }
  return { render: { format, file }, rest: [...argv.slice(0, at), ...argv.slice(at + 3)] };
}

function parseGlobalOptions(argv: string[]): { opts: GlobalOptions; words: string[] } {
  const cmd = new Command('bpfscope')
    .option('-j, --json', 'JSON output')
    .option('-p, --pretty', 'pretty JSON output (implies --json)')
    .option('--object <file>', 'open this BPF object for this invocation (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
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

async function dispatch(ctx: CliContext, argv: string[], opts: GlobalOptions): Promise<void> {
  const words = new Words(argv);
  if (opts.version || words.accept('version')) {
    ctx.out(ctx.json ? new JsonWriter(ctx.pretty).startObject().stringField('version', VERSION).endObject().finish() : `bpfscope v${VERSION}\n`);
    return;
  }
  const objectWord = words.peek();
  const objectName = objectWord === undefined ? undefined : Object.keys(OBJECTS).find((k) => isPrefix(objectWord, k));
  if (!objectName) {
    if (objectWord !== undefined && !opts.help && !words.accept('help')) {
      if (!ctx.json) ctx.err(MAIN_USAGE);
      throw new UsageError(`unknown object: '${objectWord}'`);
    }
    printUsage(ctx, MAIN_USAGE);
    return;
  }
  words.take('an object');
  const table = OBJECTS[objectName]!;
  if (opts.help || words.accept('help')) {
    printUsage(ctx, table.usage);
    return;
  }
  if (table.direct) {
    await table.direct(ctx, words);
    return;
  }
  // As in bpftool, an object with no command runs its first command (`prog` is `prog show`).
  if (words.done) {
    await table.commands[0]!.run(ctx, words);
    return;
  }
  const commandWord = words.peek()!;
  const command = table.commands.find((c) => isPrefix(commandWord, c.name));
  if (!command) {
    if (!ctx.json) ctx.err(table.usage);
    throw new UsageError(`unknown command: '${commandWord}'`);
  }
  words.take('a command');
  await command.run(ctx, words);
}

/** bpftool writes usage to stderr, and `null` as the JSON answer to help. */
function printUsage(ctx: CliContext, usage: string): void {
  if (ctx.json) ctx.out(new JsonWriter(ctx.pretty).null().finish());
  else ctx.err(usage);
}

function reportError(ctx: CliContext, e: unknown): void {
  const message = e instanceof BpfscopeError ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
  if (ctx.json) ctx.out(new JsonWriter(ctx.pretty).startObject().stringField('error', message).endObject().finish());
  else ctx.err(`Error: ${message}\n`);
  if (!(e instanceof BpfscopeError) && process.env['BPFSCOPE_DEBUG']) ctx.err(`${(e as Error)?.stack ?? ''}\n`);
}

export const VERSION = '0.1.0';
