import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeInsns } from '../../src/isa/encode.js';
import type { Insn } from '../../src/isa/insn.js';
import { opcodeByName } from '../../src/isa/opcodes.js';
import { SHARED, missing } from '../helpers/env.js';

/** An instruction of the named table row; fields not given are zero, the selecting one is set. */
export function I(name: string, fields: Partial<Insn> = {}): Insn {
  const spec = opcodeByName(name);
  if (!spec) throw new Error(`no row ${name}`);
  const insn: Insn = { code: spec.code, dst: 0, src: 0, off: 0, imm: 0, ...fields };
  if (spec.select) insn[spec.select.field] = spec.select.value;
  return insn;
}

/** ld_imm64 of a plain 64-bit constant: two slots. */
export function lddw(dst: number, value: bigint): Insn[] {
  const lo = Number(BigInt.asIntN(32, value));
  const hi = Number(BigInt.asIntN(32, value >> 32n));
  return [I('lddw', { dst, imm: lo }), { code: 0, dst: 0, src: 0, off: 0, imm: hi }];
}

export interface OracleProgram {
  name: string;
  /** What the kernel should end up with (for a program with a subprogram: both, as libbpf links them). */
  insns: Insn[];
  /** Assembler lines to write instead of insns (to get a relocated call); see asmWord. */
  asm?: string[];
  /** `.text` for a subprogram, which is no program of its own; `socket` otherwise. */
  section?: string;
}

/** One instruction as an assembler line clang accepts. */
export function asmWord(insn: Insn): string {
  const view = new DataView(encodeInsns([insn], true).buffer);
  return `.8byte 0x${view.getBigUint64(0, true).toString(16).padStart(16, '0')}`;
}

export interface OracleOutput {
  /** Per program, what the verifier log (Linux 6.18's disassembler) printed at each pc. */
  verifier: Map<string, Map<number, string>>;
  /** Per program, the `prog dump xlated` text (bpftool 7.1's disassembler) at each pc. */
  xlated: Map<string, Map<number, string>>;
  dir: string;
}

/** Why the kernel comparison cannot run here, or undefined when it can. */
export function oracleMissing(): string | undefined {
  return missing({ clang: true, bpftool: true, root: true, shared: true });
}

/**
 * Builds a socket-filter object whose programs are exactly the given instructions (naked
 * functions of `.8byte` words, no BTF), loads it into this machine's kernel through
 * ../shared/tools/kernel-oracle and returns what the kernel and bpftool printed.
 */
export function runOracle(programs: OracleProgram[]): OracleOutput {
  const body = (p: OracleProgram) => (p.asm ?? p.insns.map(asmWord)).map((line) => `"${line}\\n"`).join('\n    ');
  const source = [
    ...programs.map((p) => `__attribute__((naked, section("${p.section ?? 'socket'}"), used)) int ${p.name}(void) {\n  asm volatile(\n    ${body(p)}\n  );\n}\n`),
    'char _license[] __attribute__((section("license"), used)) = "GPL";\n',
  ].join('\n');
  const dir = runCached(source, ['-O2', '-target', 'bpf', '-mcpu=v3']);
  const log = readFileSync(join(dir, 'out', 'load.log'), 'utf8');
  const verifier = new Map<string, Map<number, string>>();
  const xlated = new Map<string, Map<number, string>>();
  for (const p of programs.filter((p) => p.section === undefined)) {
    verifier.set(p.name, verifierLines(log, p.name));
    xlated.set(p.name, xlatedLines(readFileSync(join(dir, 'out', `${p.name}.xlated.txt`), 'utf8')));
  }
  return { verifier, xlated, dir };
}

/**
 * Compiles C and runs kernel-oracle on it, once per source text, kernel and flags: a
 * run takes seconds (bpftool reads kallsyms for every dump), and several test files
 * ask about the same programs. Returns the directory with prog.c, prog.o and out/.
 */
export function runCached(source: string, clangFlags: string[]): string {
  const key = createHash('sha256').update(JSON.stringify([source, clangFlags, release()])).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `bpfscope-oracle-${key}`);
  if (existsSync(dir)) return dir;
  // Built aside and renamed into place, so that test files running at once never see half a run.
  const work = mkdtempSync(join(tmpdir(), 'bpfscope-oracle-work-'));
  writeFileSync(join(work, 'prog.c'), source);
  execFileSync('clang', [...clangFlags, '-c', join(work, 'prog.c'), '-o', join(work, 'prog.o')]);
  const run = spawnSync(join(SHARED, 'tools', 'kernel-oracle'), [join(work, 'prog.o'), join(work, 'out')], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`kernel-oracle failed (${work}):\n${run.stderr}`);
  try {
    renameSync(work, dir);
  } catch {
    rmSync(work, { recursive: true, force: true });
  }
  return dir;
}

function verifierLines(log: string, prog: string): Map<number, string> {
  const begin = log.indexOf(`prog '${prog}': -- BEGIN PROG LOAD LOG --`);
  const end = log.indexOf('-- END PROG LOAD LOG --', begin);
  const lines = new Map<number, string>();
  if (begin < 0) return lines;
  for (const line of log.slice(begin, end).split('\n')) {
    const m = /^(\d+): (\(.*?|BUG_.*?)\s*(?:;.*)?$/.exec(line);
    if (m && !lines.has(Number(m[1]))) lines.set(Number(m[1]), m[2]!);
  }
  return lines;
}

function xlatedLines(text: string): Map<number, string> {
  const lines = new Map<number, string>();
  for (const line of text.split('\n')) {
    const m = /^ *(\d+): (.*)$/.exec(line);
    if (m) lines.set(Number(m[1]), m[2]!);
  }
  return lines;
}
