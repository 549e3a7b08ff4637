import { writeFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { calleeSymbolsAt, type BpftoolNames } from '../isa/index.js';
import { type XlatedProgram, progHeaderJson, progHeaderPlain, xlatedVisual, writeXlatedJson, xlatedBytes, xlatedJson, xlatedText, type XlatedListingOptions } from '../render/index.js';
import type { LoadedProgram } from '../vm/index.js';
import { parseProgs, type Words } from './common.js';
import { emitDot, jsonWriter, type CliContext } from './context.js';
import { progInfo } from './prog-show.js';
import { usageExit } from './report.js';
import { PROG_USAGE } from './usage.js';

/** What `prog dump xlated` shows of a loaded program. */
export function xlatedProgram(p: LoadedProgram): XlatedProgram {
  return {
    name: p.name,
    insns: p.xlated,
    funcs: p.funcInfo.map((f) => ({ insnOff: f.insnOff, name: f.name, signature: f.signature })),
    lines: p.lineInfo,
  };
}

export function listingOptions(p: LoadedProgram, mode: { opcodes?: boolean; linum?: boolean }): XlatedListingOptions {
  return { ...mode, names: { calleeSymbol: calleeSymbolsAt(p.subprogramSymbols()), ...kernelNames(p) } };
}

type DumpMode = { kind: 'text'; opcodes: boolean; linum: boolean } | { kind: 'file'; path: string } | { kind: 'visual' };

/** prog dump xlated PROG [{ file FILE | opcodes | visual | linum }] */
export function progDump(ctx: CliContext, words: Words): void {
  if (!words.accept('xlated')) {
    const w = words.current;
    if (words.is('jited')) throw new UsageError('bpfscope interprets programs and has no JIT: there are no jited instructions to dump');
    throw new UsageError(`expected 'xlated' or 'jited', got: ${w ?? ''}`);
  }
  if (words.count < 2) usageExit(ctx, PROG_USAGE);
  const progs = parseProgs(ctx, words);
  let mode: DumpMode = { kind: 'text', opcodes: false, linum: false };
  if (words.accept('file')) mode = { kind: 'file', path: words.take('file path') };
  else if (words.accept('opcodes')) mode = { kind: 'text', opcodes: true, linum: false };
  else if (words.accept('visual')) mode = { kind: 'visual' };
  else if (words.accept('linum')) mode = { kind: 'text', opcodes: false, linum: true };
  words.end();
  if (progs.length > 1 && mode.kind !== 'text') throw new UsageError('several programs matched');

  if (mode.kind === 'file') {
    writeFileSync(mode.path, xlatedBytes(xlatedProgram(progs[0]!)), { mode: 0o600 });
    if (ctx.json) ctx.out('null\n');
    return;
  }
  if (mode.kind === 'visual') {
    const p = progs[0]!;
    emitDot(ctx, xlatedVisual(xlatedProgram(p), kernelNames(p)));
    return;
  }
  const options = (p: LoadedProgram): XlatedListingOptions => listingOptions(p, mode);
  if (!ctx.json) {
    const parts = progs.map((p) => (progs.length > 1 ? progHeaderPlain(progInfo(p)) : '') + xlatedText(xlatedProgram(p), options(p)));
    ctx.out(parts.join('\n'));
    return;
  }
  if (progs.length === 1) {
    ctx.out(xlatedJson(xlatedProgram(progs[0]!), { ...options(progs[0]!), pretty: ctx.pretty }));
    return;
  }
  const w = jsonWriter(ctx);
  w.startArray();
  for (const p of progs) {
    w.startObject();
    progHeaderJson(w, progInfo(p));
    w.name('insns');
    writeXlatedJson(w, xlatedProgram(p), options(p));
    w.endObject();
  }
  w.endArray();
  ctx.out(w.finish());
}

/** What bpftool learns from kallsyms: the kernel functions rewritten calls reach. */
function kernelNames(p: LoadedProgram): Pick<BpftoolNames, 'kernelFunction' | 'helperFunction'> {
  return { kernelFunction: (insn) => p.kernelFunction(insn), helperFunction: (_insn, pc) => p.helperFunctions.get(pc) };
}
