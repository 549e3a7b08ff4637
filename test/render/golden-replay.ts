import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeInsns } from '../../src/isa/decode.js';
import type { BpftoolNames } from '../../src/isa/disasm-bpftool.js';
import type { Insn } from '../../src/isa/insn.js';
import type { XlatedFunc, XlatedLine, XlatedProgram } from '../../src/render/xlated-model.js';
import { GOLDEN } from '../helpers/env.js';

/**
 * A program as the kernel handed it to bpftool, rebuilt from a golden `opcodes` and
 * `linum` dump: the exact bytes, the prototypes and the source lines where bpftool
 * printed them, and the kallsyms names it printed for calls. Rendering it again must
 * give bpftool's files back byte for byte: that checks the layout on real programs,
 * kernel rewrites included.
 */
export interface Replay {
  prog: XlatedProgram;
  names: BpftoolNames;
  golden: (suffix: string) => string | undefined;
}

const INSN_LINE = /^ *(\d+): (.*)$/;
const BYTES_LINE = /^ {7}((?:[0-9a-f]{2} ?)+)$/;
const LINUM_LINE = /^; (.*) \[file:(.*) line_num:(\d+) line_col:(\d+)\]$/;

export function goldenPrograms(): { object: string; program: string }[] {
  if (!existsSync(GOLDEN)) return [];
  return readdirSync(GOLDEN)
    .filter((d) => !d.includes('@') && existsSync(join(GOLDEN, d, 'progs.txt')))
    .flatMap((object) =>
      readdirSync(join(GOLDEN, object))
        .filter((f) => f.endsWith('.opcodes.txt'))
        .map((f) => ({ object, program: f.slice(0, -'.opcodes.txt'.length) })),
    );
}

/** Rebuilds a program from the dumps in dir (PROG.opcodes.txt, PROG.linum.txt, PROG.xlated.txt). */
export function replay(dir: string, program: string): Replay {
  const golden = (suffix: string) => {
    const file = join(dir, `${program}.${suffix}`);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  };
  const insns: Insn[] = [];
  const funcs: XlatedFunc[] = [];
  let pending: string | undefined;
  let pc = 0;
  for (const line of golden('opcodes.txt')!.split('\n')) {
    const insn = INSN_LINE.exec(line);
    const bytes = BYTES_LINE.exec(line);
    if (insn) {
      pc = Number(insn[1]);
      if (pending !== undefined) funcs.push({ insnOff: pc, name: pending.replace(/^.*? \**(\w+)\(.*$/, '$1'), signature: pending });
      pending = undefined;
    } else if (bytes) {
      insns.push(...decodeInsns(Uint8Array.from(bytes[1]!.trim().split(' '), (b) => parseInt(b, 16)), true));
    } else if (line.endsWith(':') && !line.startsWith(';')) {
      pending = line.slice(0, -1);
    }
  }
  const lines: XlatedLine[] = [];
  let lineText: RegExpExecArray | null = null;
  for (const line of golden('linum.txt')!.split('\n')) {
    const insn = INSN_LINE.exec(line);
    if (insn && lineText) {
      lines.push({ insnOff: Number(insn[1]), line: lineText[1]!, fileName: lineText[2]!, lineNum: Number(lineText[3]), lineCol: Number(lineText[4]) });
      lineText = null;
    } else if (line.startsWith('; ')) {
      lineText = LINUM_LINE.exec(line);
    }
  }
  const called = new Map<number, string>();
  for (const line of golden('xlated.txt')!.split('\n')) {
    const m = /^ *(\d+): \(85\) call (?:pc[-+]\d+#)?([^#]+)(?:#-?\d+)?$/.exec(line);
    if (m) called.set(Number(m[1]), m[2]!);
  }
  return {
    prog: { name: program, insns, funcs, lines },
    names: { calleeSymbol: (_insn, at) => called.get(at), kernelFunction: (_insn, at) => called.get(at) },
    golden,
  };
}
