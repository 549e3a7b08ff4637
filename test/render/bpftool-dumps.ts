import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missing } from '../helpers/env.js';

export const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'dumps.c');

/** The fixture's programs. */
export const DUMPED_PROGRAMS = ['xdp_dumps', 'sock_loop', 'quotes', 'order'];

/** Every `prog dump xlated` form bpftool 7.1 has, by the file name suffix we keep it under. */
export const VARIANTS: Record<string, string[]> = {
  'xlated.txt': [],
  'opcodes.txt': ['opcodes'],
  'linum.txt': ['linum'],
  'visual.dot': ['visual'],
  'j.json': ['-j'],
  'j-opcodes.json': ['-j', 'opcodes'],
  'j-linum.json': ['-j', 'linum'],
  'p.json': ['-p'],
  'p-opcodes.json': ['-p', 'opcodes'],
  'p-linum.json': ['-p', 'linum'],
};

export function dumpsMissing(): string | undefined {
  return missing({ clang: true, bpftool: true, root: true, file: FIXTURE });
}

/**
 * Compiles the fixture, loads it into this machine's kernel with bpftool and keeps every
 * form of its dumps (kernel-oracle writes only some of them), then unloads it. Cached per
 * source and kernel, since bpftool takes a while per dump. Returns the directory: one
 * `PROG.SUFFIX` file per program and variant.
 */
export function bpftoolDumps(): string {
  const source = readFileSync(FIXTURE, 'utf8');
  const key = createHash('sha256').update(JSON.stringify([source, release(), VARIANTS])).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `bpfscope-dumps-${key}`);
  if (existsSync(dir)) return dir;
  const work = mkdtempSync(join(tmpdir(), 'bpfscope-dumps-work-'));
  const obj = join(work, 'dumps.o');
  execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-mcpu=v3', `-I/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`, '-c', FIXTURE, '-o', obj]);
  const pin = `/sys/fs/bpf/bpfscope-dumps-${process.pid}`;
  try {
    execFileSync('bpftool', ['prog', 'loadall', obj, pin]);
    for (const prog of DUMPED_PROGRAMS) {
      for (const [suffix, words] of Object.entries(VARIANTS)) {
        const opts = words.filter((w) => w.startsWith('-'));
        const keywords = words.filter((w) => !w.startsWith('-'));
        const out = execFileSync('bpftool', [...opts, 'prog', 'dump', 'xlated', 'pinned', join(pin, prog), ...keywords]);
        writeFileSync(join(work, `${prog}.${suffix}`), out);
      }
    }
  } finally {
    rmSync(pin, { recursive: true, force: true });
  }
  try {
    renameSync(work, dir);
  } catch {
    rmSync(work, { recursive: true, force: true });
  }
  return dir;
}
