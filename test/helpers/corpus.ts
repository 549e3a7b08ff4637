import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED, missing } from './env.js';

/**
 * The real-world corpus (../shared/corpus), built once per content: build.sh writes
 * objects into a cache folder named by a digest of the script, the sources, the headers
 * and the compilers, so every test file of a run (and a later run on the same machine)
 * shares one build. CORPUS_OBJ names a folder of built objects to use instead.
 */
const CORPUS = join(SHARED, 'corpus');

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Why the corpus cannot be built here, or undefined. */
export function corpusMissing(): string | undefined {
  if (process.env['CORPUS_OBJ']) return existsSync(process.env['CORPUS_OBJ']) ? undefined : `CORPUS_OBJ=${process.env['CORPUS_OBJ']} does not exist`;
  return missing({ shared: true, clang: true }) ?? (has('clang-19') ? undefined : 'clang-19 is not installed (apt-get install clang-19)');
}

function treeDigest(): string {
  const h = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else h.update(`${path} ${st.size} ${st.mtimeMs}\n`);
    }
  };
  walk(CORPUS);
  for (const cc of ['clang', 'clang-19']) h.update(execFileSync(cc, ['--version'], { encoding: 'utf8' }));
  return h.digest('hex').slice(0, 16);
}

/** The folder of built corpus objects (`<project>__<name>.o`), building it if need be. */
export function corpusObjects(): string {
  const given = process.env['CORPUS_OBJ'];
  if (given) return given;
  const out = join(tmpdir(), `bpfscope-corpus-${treeDigest()}`);
  const done = join(out, 'done');
  if (existsSync(done)) return join(out, 'obj');
  withLock(`${out}.lock`, () => {
    if (existsSync(done)) return;
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    execFileSync('bash', [join(CORPUS, 'build.sh')], { env: { ...process.env, OUT: out }, stdio: 'ignore', timeout: 900_000 });
    writeFileSync(done, '');
  });
  return join(out, 'obj');
}

/** The corpus's libbpf loader (lib/partload.c), built once per run; undefined with the reason when it cannot be. */
export function partload(): { path?: string; reason?: string } {
  if (!has('gcc')) return { reason: 'gcc is not installed' };
  if (!existsSync('/usr/include/bpf/libbpf.h')) return { reason: 'libbpf-dev is not installed (apt-get install libbpf-dev)' };
  const source = join(CORPUS, 'lib', 'partload.c');
  const digest = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
  const path = join(tmpdir(), `bpfscope-partload-${digest}`);
  if (!existsSync(path)) {
    withLock(`${path}.lock`, () => {
      if (existsSync(path)) return;
      execFileSync('gcc', ['-O2', '-o', `${path}.tmp`, source, '-lbpf', '-lelf', '-lz']);
      execFileSync('mv', [`${path}.tmp`, path]);
    });
  }
  return { path };
}

/** mkdir is atomic: the first test file to get here builds, the others wait. */
function withLock(lock: string, body: () => void): void {
  const deadline = Date.now() + 900_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a run that was killed is older than any build takes.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 1_800_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      spawnSync('sleep', ['1']);
    }
  }
  try {
    body();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
