import { JsonWriter } from '../text/index.js';
import type { CommandTable } from './command-table.js';
import { isPrefix, Words } from './common.js';
import type { CliContext } from './context.js';
import { usageExit } from './report.js';
import { MAIN_USAGE } from './usage.js';

export const VERSION = '0.1.0';

/**
 * Each object's commands, imported when the object is used: `btf dump file` reads a
 * file and prints it, and need not load the ELF reader, the loader and the VM first.
 * bpftool's objects in bpftool's order (which decides what a prefix picks: `b` is
 * batch), then bpfscope's own.
 */
const OBJECTS: [string, () => Promise<CommandTable>][] = [
  ['batch', async () => (await import('./batch.js')).batchTable],
  ['prog', async () => (await import('./prog.js')).progCommands],
  ['map', async () => (await import('./map.js')).mapCommands],
  ['btf', async () => (await import('./btf.js')).btfCommands],
  ['asm', async () => (await import('./asm.js')).asmCommands],
  ['unpin', async () => (await import('./pin.js')).unpinCommands],
  ['store', async () => (await import('./store.js')).storeCommands],
];

/** Options that decide what runs rather than how: `-h` and `-V` act as `help` and `version`. */
export interface DispatchOptions {
  help?: boolean;
  version?: boolean;
}

/** Runs one command line: OBJECT COMMAND ARGS, with bpftool's prefixes at each level. */
export async function dispatch(ctx: CliContext, argv: readonly string[], opts: DispatchOptions = {}): Promise<void> {
  const words = new Words(argv);
  if (opts.version) {
    printVersion(ctx);
    return;
  }
  const objectWord = words.current;
  // bpftool's table starts with help: the empty word, or `h`, is help.
  if (objectWord === undefined || words.accept('help')) {
    printUsage(ctx, MAIN_USAGE);
    return;
  }
  const object = OBJECTS.find(([name]) => isPrefix(objectWord, name));
  if (!object) {
    if (words.accept('version')) printVersion(ctx);
    else if (opts.help) printUsage(ctx, MAIN_USAGE);
    // As bpftool's cmd_select: a word that names nothing gets the usage alone.
    else usageExit(ctx, MAIN_USAGE);
    return;
  }
  words.next();
  const table = await object[1]();
  // The empty word is a prefix of every command; bpftool's tables list show and list before help.
  if (opts.help || (words.current !== '' && words.accept('help'))) {
    printUsage(ctx, table.usage);
    return;
  }
  if (!table.storeless?.(words)) await ctx.openStore();
  if (table.direct) {
    await table.direct(ctx, words);
    return;
  }
  // As in bpftool, an object with no command runs its first command (`prog` is `prog show`).
  if (words.done) {
    await table.commands[0]!.run(ctx, words);
    return;
  }
  const commandWord = words.current!;
  const command = table.commands.find((c) => isPrefix(commandWord, c.name));
  if (!command) usageExit(ctx, table.usage);
  words.next();
  await command.run(ctx, words);
}

function printVersion(ctx: CliContext): void {
  ctx.out(ctx.json ? new JsonWriter(ctx.pretty).startObject().stringField('version', VERSION).endObject().finish() : `bpfscope v${VERSION}\n`);
}

/** bpftool writes usage to stderr, and `null` as the JSON answer to help. */
function printUsage(ctx: CliContext, usage: string): void {
  if (ctx.json) ctx.out(new JsonWriter(ctx.pretty).null().finish());
  else ctx.err(usage);
}
