import { readFileSync, writeFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { assemble, encodeInsns, INSN_SIZE } from '../isa/index.js';
import { jsonWriter, type CliContext } from './context.js';
import type { CommandTable } from './command-table.js';
import type { Words } from './common.js';

export const ASM_USAGE = `Usage: bpfscope asm FILE [file OUT]
       bpfscope asm help

       Assembles FILE (uBPF assembler dialect, as the BPF conformance suite
       writes it; - reads standard input). Prints one 8-byte instruction slot
       per line as hex (an lddw takes two), a JSON array of those strings with
       -j, or writes the raw little-endian bytes to OUT.
       OPTIONS := { {-j|--json} [{-p|--pretty}] }
`;

/** asm FILE [file OUT] */
export function asmCommand(ctx: CliContext, words: Words): void {
  const path = words.take('a file to assemble');
  let out: string | undefined;
  if (words.accept('file')) out = words.take('an output file');
  words.end();
  const source = readSource(path);
  const bytes = encodeInsns(assemble(source, { file: path === '-' ? 'stdin' : path }), true);
  if (out !== undefined) {
    writeFileSync(out, bytes);
    if (ctx.json) ctx.out('null\n');
    return;
  }
  const slots: string[] = [];
  for (let at = 0; at < bytes.length; at += INSN_SIZE) slots.push(Buffer.from(bytes.subarray(at, at + INSN_SIZE)).toString('hex'));
  if (ctx.json) {
    const w = jsonWriter(ctx).startArray();
    for (const s of slots) w.string(s);
    ctx.out(w.endArray().finish());
  } else {
    ctx.out(slots.map((s) => `${s}\n`).join(''));
  }
}

function readSource(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** `asm` is an object that is its own command: every word after it is its argument. */
export const asmCommands: CommandTable = {
  usage: ASM_USAGE,
  commands: [],
  direct: asmCommand,
  storeless: () => true,
};
