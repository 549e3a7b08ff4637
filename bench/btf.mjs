#!/usr/bin/env node
// npm run bench (second part): bpfscope's `btf dump file` next to bpftool's on this
// machine's kernel BTF, raw and format c. Plain ESM, no deps.
//
//   bpftool btf dump file /sys/kernel/btf/vmlinux [format c]
//   bin/bpfscope btf dump file /sys/kernel/btf/vmlinux [format c]
//
// Each command runs as a user runs it (a new process: start-up included), output to
// /dev/null, after one warm-up; the two tools take turns so that a busy machine slows
// both alike. Prints the median wall time and the peak RSS (from /usr/bin/time -f %M;
// `apt-get install time` where it is missing) and the ratios to bpftool, against the
// goals: raw at most 1.2x bpftool's wall time, format c at most 1.5x.
// Environment: BENCH_RUNS (default 7), BENCH_BTF (default /sys/kernel/btf/vmlinux).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(repo, 'bin', 'bpfscope');
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 7));
const file = process.env.BENCH_BTF ?? '/sys/kernel/btf/vmlinux';
const GOALS = { raw: 1.2, c: 1.5 };

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}
function skip(reason) {
  console.log(`bench btf: skipped: ${reason}`);
  process.exit(0);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

if (!existsSync(file)) skip(`${file} is missing`);
if (!has('bpftool')) skip('bpftool is not installed (apt-get install bpftool)');
if (!existsSync(join(repo, 'dist', 'bundle', 'bpfscope.cjs'))) skip('dist/bundle/bpfscope.cjs is missing (npm run build)');
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const dir = mkdtempSync(join(tmpdir(), 'bpfscope-bench-btf-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const rssFile = join(dir, 'rss');
const devNull = openSync('/dev/null', 'w');
process.on('exit', () => closeSync(devNull));

/** One run: wall time in ms (spawn to exit), peak RSS in KiB (or undefined). */
function once(cmd, args) {
  const argv = timeBin ? [timeBin, ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv[1], { stdio: ['ignore', devNull, 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${String(r.stderr).trim().split('\n')[0]}`);
  const rss = timeBin ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)) : undefined;
  return { ms, rss };
}

/** The output's digest, to show that both tools print the same bytes. */
function digest(cmd, args) {
  const r = spawnSync(cmd, args, { maxBuffer: 1 << 30 });
  return createHash('sha256').update(r.stdout).digest('hex').slice(0, 16);
}

const cases = [
  { name: 'raw', args: ['btf', 'dump', 'file', file] },
  { name: 'c', args: ['btf', 'dump', 'file', file, 'format', 'c'] },
];

console.log(`bench btf: ${file} (${(readFileSync(file).length / 1048576).toFixed(1)} MiB); ${runs} runs each, median wall time (process start included, output to /dev/null)${timeBin ? ', peak RSS from /usr/bin/time' : ', no /usr/bin/time: RSS not measured (apt-get install time)'}`);
const rows = [];
for (const c of cases) {
  const same = digest('bpftool', c.args) === digest(bin, c.args);
  const tools = [
    ['bpftool', 'bpftool'],
    ['bpfscope', bin],
  ];
  const samples = { bpftool: [], bpfscope: [] };
  for (const [, cmd] of tools) once(cmd, c.args); // warm-up: page cache, code caches
  for (let i = 0; i < runs; i++) for (const [name, cmd] of tools) samples[name].push(once(cmd, c.args));
  const stat = (name) => ({
    ms: median(samples[name].map((s) => s.ms)),
    rss: samples[name][0].rss === undefined ? undefined : median(samples[name].map((s) => s.rss)),
  });
  rows.push({ c, same, bpftool: stat('bpftool'), bpfscope: stat('bpfscope') });
}

const label = (tool, c) => `${tool} ${c.args.join(' ').replace(file, 'F')}`;
const width = Math.max('(node -e 0 without NODE_EXTRA_CA_CERTS)'.length, ...rows.flatMap((r) => [label('bpftool', r.c), label('bin/bpfscope', r.c)].map((l) => l.length)));
const mib = (kib) => (kib === undefined ? 'n/a' : `${(kib / 1024).toFixed(1)} MiB`);
console.log(`  ${'command (F = the file)'.padEnd(width)}  ${'wall'.padStart(9)}  ${'peak RSS'.padStart(10)}`);
for (const r of rows) {
  const wall = r.bpfscope.ms / r.bpftool.ms;
  const rss = r.bpfscope.rss && r.bpftool.rss ? r.bpfscope.rss / r.bpftool.rss : undefined;
  const goal = GOALS[r.c.name];
  console.log(`  ${label('bpftool', r.c).padEnd(width)}  ${r.bpftool.ms.toFixed(0).padStart(6)} ms  ${mib(r.bpftool.rss).padStart(10)}`);
  console.log(
    `  ${label('bin/bpfscope', r.c).padEnd(width)}  ${r.bpfscope.ms.toFixed(0).padStart(6)} ms  ${mib(r.bpfscope.rss).padStart(10)}` +
      `   ${wall.toFixed(2)}x wall${rss ? `, ${rss.toFixed(2)}x RSS` : ''}; goal <= ${goal}x: ${wall <= goal ? 'met' : 'MISSED'}; output ${r.same ? 'identical' : 'DIFFERS'}`,
  );
}
// bin/bpfscope starts node without NODE_EXTRA_CA_CERTS (see there); both starts, for scale.
const starts = [['(for scale: node -e 0)', process.execPath, ['-e', '0']]];
if (process.env.NODE_EXTRA_CA_CERTS) starts.push(['(node -e 0 without NODE_EXTRA_CA_CERTS)', 'env', ['-u', 'NODE_EXTRA_CA_CERTS', process.execPath, '-e', '0']]);
for (const [what, cmd, args] of starts) {
  const node = [];
  for (let i = 0; i < runs; i++) node.push(once(cmd, args));
  console.log(`  ${what.padEnd(width)}  ${median(node.map((s) => s.ms)).toFixed(0).padStart(6)} ms  ${mib(node[0].rss === undefined ? undefined : median(node.map((s) => s.rss))).padStart(10)}`);
}
