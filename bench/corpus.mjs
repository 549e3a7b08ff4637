#!/usr/bin/env node
// npm run bench (part): opening and dumping real objects against llvm-objdump -d on them.
// For katran's balancer and the corpus object with the most instructions:
//   (a) bpfscope, one process: open the object, `prog show`, then `prog dump xlated` of
//       every program (a batch file, as one would script bpftool)
//   (b) llvm-objdump -d OBJ
//   (c) the same batch in one process that has run it before (the CLI's main, as a
//       library user or a test suite calls it): the work without Node's start-up
// Prints the median wall time of BENCH_RUNS runs (default 5) and the ratios (a)/(b), (c)/(b).
// Objects: CORPUS_OBJ=<folder of built corpus objects>, else ../shared/corpus/build.sh
// into a temporary folder (about two minutes). Skips with the reason where those or
// llvm-objdump are missing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(repo, 'bin', 'bpfscope');
const runs = Number(process.env.BENCH_RUNS ?? 5);
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const skip = (reason) => {
  console.log(`bench corpus: skipped: ${reason}`);
  process.exit(0);
};
const run = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20 });
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const timeOf = (fn) => {
  fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
};

const objdump = ['llvm-objdump', 'llvm-objdump-19', 'llvm-objdump-14'].find(has);
if (!objdump) skip('llvm-objdump is not installed (apt-get install llvm)');
let objDir = process.env.CORPUS_OBJ;
const scratch = mkdtempSync(join(tmpdir(), 'bpfscope-bench-corpus-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
if (!objDir) {
  const build = join(repo, '..', 'shared', 'corpus', 'build.sh');
  if (!existsSync(build)) skip('../shared/corpus is missing and CORPUS_OBJ is not set');
  if (!has('clang') || !has('clang-19')) skip('clang and clang-19 are needed to build the corpus');
  const r = spawnSync('bash', [build], { env: { ...process.env, OUT: scratch }, stdio: 'ignore' });
  if (r.status !== 0) skip('the corpus build failed');
  objDir = join(scratch, 'obj');
}

const nodeStart = timeOf(() => spawnSync(process.execPath, ['-e', '0'], { env: { ...process.env, NODE_EXTRA_CA_CERTS: '' } }));

/** (c): the CLI's main in this process, output discarded, after as many runs as are timed. */
async function inProcess(args) {
  const { main } = await import(join(repo, 'dist', 'cli', 'main.js'));
  const io = { out: () => {}, err: () => {}, outBytes: () => {} };
  const once = () => main(args, io);
  const times = [];
  for (let i = 0; i < 2 * runs; i++) {
    const t0 = process.hrtime.bigint();
    await once();
    if (i >= runs) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

const instructionLines = (obj) => run(objdump, ['-d', obj]).stdout.split('\n').filter((l) => /^\s+\d+:\t/.test(l)).length;
const objects = readdirSync(objDir).filter((f) => f.endsWith('.o')).map((f) => join(objDir, f));
const sized = objects.map((obj) => ({ obj, insns: instructionLines(obj) })).sort((a, b) => b.insns - a.insns);
const picks = [sized.find((s) => s.obj.endsWith('katran__balancer.o')), sized[0]].filter((s, i, all) => s && all.findIndex((t) => t?.obj === s.obj) === i);
if (!picks.length) skip(`no objects in ${objDir}`);

console.log(`bench corpus: ${runs} runs, median wall time; ratio = bpfscope / ${objdump} -d; node -e 0 alone takes ${nodeStart.toFixed(1)} ms`);
for (const { obj, insns } of picks) {
  const show = run(bin, ['--object', obj, '-j', 'prog', 'show']);
  if (show.status !== 0) {
    console.log(`  ${obj}: bpfscope cannot open it: ${(show.stderr || show.stdout).split('\n')[0]}`);
    continue;
  }
  const ids = JSON.parse(show.stdout).map((p) => p.id);
  const batch = join(scratch, 'batch.txt');
  writeFileSync(batch, ['prog show', ...ids.map((id) => `prog dump xlated id ${id}`)].join('\n') + '\n');
  const ours = timeOf(() => run(bin, ['--object', obj, 'batch', 'file', batch]));
  const theirs = timeOf(() => run(objdump, ['-d', obj]));
  const warm = await inProcess(['--object', obj, 'batch', 'file', batch]);
  const name = obj.slice(objDir.length + 1);
  const verdict = (r) => (r <= 1 ? '(goal met)' : '(goal: <= 1x, not met)');
  console.log(`  ${name} (${insns} instructions, ${ids.length} programs): ${objdump} ${theirs.toFixed(1)} ms`);
  console.log(`    bpfscope process ${ours.toFixed(1)} ms, ratio ${(ours / theirs).toFixed(2)}x ${verdict(ours / theirs)}`);
  console.log(`    bpfscope in one process, warm ${warm.toFixed(1)} ms, ratio ${(warm / theirs).toFixed(2)}x ${verdict(warm / theirs)}`);
}
