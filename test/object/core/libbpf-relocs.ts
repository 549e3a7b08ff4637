import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readElf } from '../../../src/elf/index.js';
import { parseBtf, parseBtfExt } from '../../../src/btf/index.js';
import type { Insn } from '../../../src/isa/insn.js';
import { BPF_LD_IMM64, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE } from '../../../src/isa/opcodes.js';
import { missing, REPO } from '../../helpers/env.js';

/**
 * test/tools/libbpf-relocs.c: libbpf's own relocation of an object, as the instructions
 * it hands the kernel. Built with gcc against the machine's libbpf.
 */
const SOURCE = join(REPO, 'test', 'tools', 'libbpf-relocs.c');

/** Why the libbpf tool cannot be built or run here, or undefined. */
export function libbpfMissing(): string | undefined {
  if (spawnSync('sh', ['-c', 'command -v gcc'], { stdio: 'ignore' }).status !== 0) return 'gcc is not installed (apt-get install gcc)';
  if (!existsSync('/usr/include/bpf/libbpf.h')) return 'libbpf-dev is not installed (apt-get install libbpf-dev)';
  // libbpf probes the kernel's features with real bpf() calls before it relocates.
  return missing({ root: true });
}

export function buildTool(dir: string): string {
  const out = join(dir, 'libbpf-relocs');
  execFileSync('gcc', ['-O1', '-Wall', '-rdynamic', '-o', out, SOURCE, '-lbpf', '-lelf', '-lz', '-ldl']);
  return out;
}

export interface LibbpfRelocation {
  /** Each program libbpf handed over, in load order. */
  programs: Map<string, Insn[]>;
  /** Programs libbpf could not prepare, with its error (see the tool's header). */
  skipped: Map<string, string>;
}

/** libbpf's relocation of `obj` against `target` (a BTF or ELF file; the running kernel's when absent), or libbpf's error. */
export function libbpfRelocate(tool: string, obj: string, target?: string): LibbpfRelocation | { error: string } {
  const r = spawnSync(tool, target ? [obj, target] : [obj], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) return { error: (r.stderr || `exit ${r.status}`).trim().split('\n')[0]! };
  const programs = new Map<string, Insn[]>();
  const skipped = new Map<string, string>();
  let current: Insn[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const words = line.split(' ');
    if (words[0] === 'skip') skipped.set(words[1]!, words.slice(2).join(' '));
    else if (words[0] === 'prog') programs.set(words[1]!, (current = []));
    else {
      const [code, dst, src, off, imm] = words.map(Number) as [number, number, number, number, number];
      current.push({ code, dst, src, off, imm });
    }
  }
  return { programs, skipped };
}

const fmt = (i: Insn): string => `${i.code} ${i.dst} ${i.src} ${i.off} ${i.imm}`;

/**
 * Where two programs differ, up to map references: an ld_imm64 of a map (src 1) or of a
 * map's value (src 2) holds a file descriptor in libbpf's and the map's index in ours,
 * in its first slot only.
 */
export function insnDiffs(ours: readonly Insn[], theirs: readonly Insn[]): string[] {
  const out: string[] = [];
  if (ours.length !== theirs.length) out.push(`${ours.length} instructions, libbpf ${theirs.length}`);
  for (let pc = 0; pc < Math.min(ours.length, theirs.length); pc++) {
    const a = ours[pc]!;
    const b = theirs[pc]!;
    const mapRef = a.code === BPF_LD_IMM64 && (a.src === BPF_PSEUDO_MAP_FD || a.src === BPF_PSEUDO_MAP_VALUE);
    const same = a.code === b.code && a.dst === b.dst && a.src === b.src && a.off === b.off && (mapRef || a.imm === b.imm);
    if (!same) out.push(`insn ${pc}: ours ${fmt(a)}, libbpf ${fmt(b)}`);
  }
  return out;
}

/** How many CO-RE relocation records an object has (0 when it has no .BTF.ext). */
export function coreReloCount(path: string): number {
  const elf = readElf(readFileSync(path), path);
  const btf = elf.sections.find((s) => s.name === '.BTF');
  const ext = elf.sections.find((s) => s.name === '.BTF.ext');
  if (!btf || !ext) return 0;
  return parseBtfExt(ext.data, parseBtf(btf.data)).coreRelos.sections.reduce((n, s) => n + s.records.length, 0);
}
