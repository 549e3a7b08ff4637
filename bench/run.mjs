#!/usr/bin/env node
// npm run bench: how long bpfscope takes to dump every program of a large
// generated object, next to llvm-objdump -d on the same file. Plain ESM, no deps.
//
//   (a) bpfscope, one process per program:  bin/bpfscope --object BIG.o prog dump xlated id N
//   (a') the same commands in this process, through the CLI's main() (no Node start-up)
//   (a'') one process opening the object once and dumping every program, as llvm-objdump does
//   (b) llvm-objdump -d BIG.o
//
// Prints the median wall time of several runs and the ratio bpfscope / llvm-objdump.
// The object comes from bench/gen-large.mjs, compiled with the same pinned flags as
// objects/ into a temp dir. Skips (exit 0, with the reason) where clang is missing.
// Environment: BENCH_RUNS (default 5), BENCH_FUNCTIONS (300), BENCH_PROGRAMS (8).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateLarge } from './gen-large.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(repo, 'bin', 'bpfscope');
const runs = Number(process.env.BENCH_RUNS ?? 5);
const functions = Number(process.env.BENCH_FUNCTIONS ?? 300);
const programs = Number(process.env.BENCH_PROGRAMS ?? 8);
const budgetMs = 45_000; // stop adding runs past this, to stay near a minute in all

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}
function skip(reason) {
  console.log(`bench: skipped: ${reason}`);
  process.exit(0);
}
function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;

/** Times fn() `runs` times (after one warm-up), within the time budget; returns the times in ms. */
async function time(fn, started) {
  await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (performance.now() - started > budgetMs && times.length >= 1) break;
  }
  return times;
}

if (!has('clang')) skip('clang is not installed (apt-get install clang)');
const objdump = ['llvm-objdump', 'llvm-objdump-14', 'llvm-objdump-15', 'llvm-objdump-16'].find(has);
if (!objdump) skip('llvm-objdump is not installed (apt-get install llvm)');
if (!existsSync('/usr/include/bpf/bpf_helpers.h')) skip('libbpf headers are missing (apt-get install libbpf-dev)');

const dir = mkdtempSync(join(tmpdir(), 'bpfscope-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const src = join(dir, 'big.c');
const obj = join(dir, 'big.o');
writeFileSync(src, generateLarge({ functions, programs }));
const arch = run('uname', ['-m']).stdout.trim();
const cc = run('clang', ['-O2', '-g', '-target', 'bpf', '-mcpu=v3', `-I/usr/include/${arch}-linux-gnu`,
  `-fdebug-prefix-map=${dir}=.`, `-ffile-prefix-map=${dir}=.`, '-fno-ident', '-c', 'big.c', '-o', 'big.o'], { cwd: dir });
if (cc.status !== 0) skip(`clang could not compile the generated file:\n${cc.stderr}`);

const dump = run(objdump, ['-d', obj]);
const insns = dump.stdout.split('\n').filter((l) => /^\s+\d+:\t/.test(l)).length;
console.log(`bench: ${functions} functions, ${programs} programs; big.o ${(statSync(obj).size / 1024).toFixed(0)} KiB, ` +
  `${insns} instruction lines from ${objdump} -d; ${runs} runs, median wall time`);
const started = performance.now();
const rows = [];

const tObjdump = await time(() => { run(objdump, ['-d', obj]); }, started);
rows.push([`${objdump} -d big.o`, median(tObjdump), tObjdump.length, null]);

// bpfscope: list the programs, then dump each one.
let ids = null;
let why = '';
if (!existsSync(join(repo, 'dist', 'cli', 'main.js'))) {
  why = 'dist/cli/main.js is missing (npm run build)';
} else {
  const show = run(process.execPath, [bin, '-j', '--object', obj, 'prog', 'show']);
  try {
    if (show.status !== 0) throw new Error(show.stderr.trim().split('\n')[0] || `exit ${show.status}`);
    ids = JSON.parse(show.stdout).map((p) => p.id);
    if (ids.length === 0) throw new Error('prog show listed no programs');
    const probe = run(process.execPath, [bin, '--object', obj, 'prog', 'dump', 'xlated', 'id', String(ids[0])]);
    if (probe.status !== 0 || !probe.stdout.trim()) {
      throw new Error(`prog dump xlated id ${ids[0]} failed: ${probe.stderr.trim().split('\n')[0] || `exit ${probe.status}`}`);
    }
  } catch (e) {
    why = `bpfscope cannot do it yet: ${e.message}`;
    ids = null;
  }
}

if (ids) {
  const lines = ids.reduce((n, id) =>
    n + run(process.execPath, [bin, '--object', obj, 'prog', 'dump', 'xlated', 'id', String(id)]).stdout.split('\n').length, 0);
  console.log(`bench: bpfscope lists ${ids.length} programs; their xlated dumps total ${lines} lines`);

  const tSpawn = await time(() => {
    // bin/bpfscope itself, as a user runs it: its shebang decides how node starts.
    for (const id of ids) run(bin, ['--object', obj, 'prog', 'dump', 'xlated', 'id', String(id)]);
  }, started);
  rows.push([`bpfscope: ${ids.length} x prog dump xlated id N (one process each)`, median(tSpawn), tSpawn.length, 'ratio']);

  const { main } = await import(pathToFileURL(join(repo, 'dist', 'cli', 'main.js')).href);
  const io = { out: () => {}, err: () => {} };
  const tInProc = await time(async () => {
    for (const id of ids) await main(['--object', obj, 'prog', 'dump', 'xlated', 'id', String(id)], io);
  }, started);
  rows.push([`bpfscope: the same through main() in one process`, median(tInProc), tInProc.length, 'ratio']);

  // What llvm-objdump does in one pass: open the object once, print every program.
  const lib = (m) => import(pathToFileURL(join(repo, 'dist', ...m.split('/'))).href);
  const [{ openObject }, { SessionStore }, { xlatedProgram, listingOptions }, { xlatedText }] = await Promise.all(
    ['object/open.js', 'store/session-store.js', 'cli/prog-dump.js', 'render/xlated.js'].map(lib));
  const tOnce = await time(() => {
    const store = new SessionStore();
    store.load(openObject(obj));
    for (const p of store.programs) xlatedText(xlatedProgram(p), listingOptions(p, {}));
  }, started);
  rows.push([`bpfscope: open once, dump all ${ids.length} (one process, library)`, median(tOnce), tOnce.length, 'ratio']);

  const tNode = await time(() => { run(process.execPath, ['-e', '0']); }, started);
  rows.push(['(for scale: node -e 0)', median(tNode), tNode.length, null]);
} else {
  console.log(`bench: bpfscope side skipped: ${why}`);
}

const base = median(tObjdump);
const width = Math.max(...rows.map((r) => r[0].length));
for (const [label, t, n, ratio] of rows) {
  const r = ratio ? `   ${(t / base).toFixed(1)}x llvm-objdump` : '';
  console.log(`  ${label.padEnd(width)}  ${ms(t).padStart(10)}  (${n} runs)${r}`);
}
