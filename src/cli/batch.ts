import { readFileSync } from 'node:fs';
import { BpfscopeError } from '../errors.js';
import type { CommandTable } from './command-table.js';
import type { Words } from './common.js';
import { jsonWriter, type CliContext } from './context.js';
import { ExitStatus, fail, reportError } from './report.js';
import { BATCH_USAGE } from './usage.js';

/**
 * A batch file's commands as bpftool's batch mode reads them: `#` ends a line's text
 * (even inside quotes), a line ending in a backslash continues on the next, words are
 * split at blanks, and a word that starts with a quote runs to the same quote.
 */
export function batchCommands(text: string): { words: string[] }[] | { error: string } {
  const lines = text.split(/(?<=\n)/);
  const out: { words: string[] }[] = [];
  for (let i = 0; i < lines.length; i++) {
    let line = cutComment(lines[i]!);
    while (line.endsWith('\\\n')) {
      const cont = lines[++i];
      if (cont === undefined || cont === '') return { error: `missing continuation line on command ${out.length}` };
      line = line.slice(0, -2) + cutComment(cont);
    }
    const words = splitWords(line, out.length);
    if (typeof words === 'string') return { error: words };
    if (words.length) out.push({ words });
  }
  return out;
}

function cutComment(line: string): string {
  const hash = line.indexOf('#');
  return hash < 0 ? line : line.slice(0, hash);
}

function splitWords(line: string, command: number): string[] | string {
  const words: string[] = [];
  const blank = /[ \t\r\n]/;
  let i = 0;
  while (i < line.length) {
    while (i < line.length && blank.test(line[i]!)) i++;
    if (i >= line.length) break;
    const q = line[i];
    if (q === '"' || q === "'") {
      const end = line.indexOf(q, i + 1);
      if (end < 0) return `unterminated quoted string in command ${command}`;
      words.push(line.slice(i + 1, end));
      i = end + 1;
    } else {
      const start = i;
      while (i < line.length && !blank.test(line[i]!)) i++;
      words.push(line.slice(start, i));
      i++;
    }
  }
  return words;
}

/** batch file FILE: every command in one process; the first failure stops the batch. */
async function batch(ctx: CliContext, args: Words): Promise<void> {
  if (args.count < 2) fail(ctx, 'too few parameters for batch');
  if (args.count > 2) fail(ctx, 'too many parameters for batch');
  if (!args.accept('file')) fail(ctx, `expected 'file', got: ${args.current ?? ''}`);
  const file = args.next();
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    return fail(ctx, `Can't open file (${file}): ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`);
  }
  const commands = batchCommands(text);
  if ('error' in commands) return fail(ctx, commands.error);
  if (!ctx.json) {
    for (const c of commands) await ctx.runCommand(ctx, c.words);
    ctx.out(`processed ${commands.length} commands\n`);
    return;
  }
  // Each command's JSON goes inside the batch's array, indented where -p nests it.
  const parts: string[] = [];
  let status = 0;
  const inner: CliContext = { ...ctx, out: (t) => parts.push(t) };
  const w = jsonWriter(ctx).startArray();
  for (const c of commands) {
    parts.length = 0;
    try {
      await ctx.runCommand(inner, c.words);
    } catch (e) {
      if (!(e instanceof ExitStatus) && !(e instanceof BpfscopeError)) throw e;
      status = reportError(inner, e);
    }
    w.startObject().name('command').startArray();
    for (const word of c.words) w.string(word);
    w.endArray().name('output');
    const output = parts.join('').replace(/\n$/, '');
    w.raw(ctx.pretty ? output.replace(/\n/g, '\n        ') : output || 'null');
    w.endObject();
    if (status) break;
  }
  ctx.out(w.endArray().finish());
  if (status) throw new ExitStatus(status);
}

export const batchTable: CommandTable = { usage: BATCH_USAGE, commands: [], direct: batch };
