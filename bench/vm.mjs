#!/usr/bin/env node
// npm run build && node bench/vm.mjs: how fast the in-process VM runs programs of
// objects/, per run and per executed instruction, on each engine, next to the kernel's
// own `bpftool prog run ... repeat N` (its JIT) on the same programs and packet:
//   fnv    objects/fnv.o xdp_fnv: 32-bit FNV-1a over the 1500-byte packet, result in an array map
//   alu    objects/alu.o alu_loop: a socket filter's 1000 rounds of 64-bit add/xor/shift/mul/rotate
//   parse  objects/xdp.o xdp_parse: Ethernet/IPv4/UDP parsing, counting the protocol in an array map
// The packet is test/packets/ipv4-udp-1500.bin. Our side does what `bpfscope prog run`
// does: loads the object, makes a Runtime (maps, helpers) on one engine, and calls
// runProgram (BPF_PROG_TEST_RUN: the context and packet built as the kernel builds them,
// the program's xlated instructions run `repeat` times), timed in CPU time. Both sides
// take the best of several rounds of `repeat` runs, as other processes on the machine only
// ever slow a round down: BENCH_ROUNDS (15) rounds of BENCH_SECONDS (3) in all per engine
// after a warm-up, BENCH_KERNEL_ROUNDS (5) `bpftool -j prog run pinned ... repeat N`. ns/insn
// divides by the instructions our VM executes per run (the same program; the helpers' own
// work is in the time but not in the count, on both sides). Not a test: it checks only
// that each program returns what the kernel returns and leaves the map value it should.
// The goal for fnv and alu is within 20 times of the kernel; the last line of each says
// whether the default engine (auto) and the interpreter alone meet it.
// With UBPF_SRC set to a checkout of github.com/iovisor/ubpf, fnv and alu also run on
// uBPF's C interpreter, the yardstick for an interpreter: the same loops, in
// bench/ubpf/*.asm (assembled by bin/bpfscope asm), timed by bench/ubpf/driver.c.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(repo, 'dist');
if (!existsSync(join(dist, 'vm', 'jit', 'compile.js')) || !existsSync(join(dist, 'vm', 'run.js'))) {
  console.log('bench: skipped: dist/ is not built (npm run build)');
  process.exit(0);
}
const load = async (path) => import(pathToFileURL(join(dist, path)).href);
const { openObject } = await load('object/open.js');
const { loadObject } = await load('vm/load.js');
const { Runtime } = await load('vm/runtime/index.js');
const { runProgram } = await load('vm/run.js');
const { contextKind } = await load('vm/context/index.js');

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const kernelRounds = Number(process.env.BENCH_KERNEL_ROUNDS ?? 5);
const packetFile = join(repo, 'test', 'packets', 'ipv4-udp-1500.bin');
const packet = readFileSync(packetFile);
const XDP_PASS = 2n;

function fnv1a(bytes) {
  let h = 2166136261;
  for (const b of bytes.subarray(0, 1500)) h = Math.imul(h ^ b, 16777619) >>> 0;
  return h;
}

const u32 = (n) => new Uint8Array(new Uint32Array([n]).buffer);
const mapNamed = (rt, name) => rt.map(rt.object.maps.find((m) => m.name === name).id);
const readU64 = (bytes) => new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);

const programs = [
  {
    name: 'fnv', object: 'fnv', program: 'xdp_fnv', repeat: 20_000, r0: XDP_PASS, goal: 20, ubpfR0: BigInt(fnv1a(packet)),
    check: (rt) => { const v = mapNamed(rt, 'fnv_hash').lookup(u32(0)); return new DataView(v.buffer, v.byteOffset, 4).getUint32(0, true) === fnv1a(packet); },
  },
  // The socket filter's skb->len leaves out the Ethernet header: the loop's seed is 1486.
  { name: 'alu', object: 'alu', program: 'alu_loop', repeat: 20_000, r0: 3540111941n, goal: 20, ubpfR0: 3540111941n, check: () => true },
  {
    name: 'parse', object: 'xdp', program: 'xdp_parse', repeat: 2_000_000, r0: XDP_PASS,
    // Every run counts UDP (17) once.
    check: (rt, runs) => readU64(mapNamed(rt, 'proto_count').lookup(u32(17))) === BigInt(runs),
  },
];

/** CPU time rather than runProgram's wall time, so that other processes on the machine count less. */
function cpuNs() {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

function openLoaded(object) {
  let prog = 0;
  let map = 0;
  let btf = 0;
  const ids = { nextProgramId: () => ++prog, nextMapId: () => ++map, nextBtfId: () => ++btf };
  const file = join(repo, 'objects', `${object}.o`);
  return loadObject(openObject(readFileSync(file), basename(file)), ids, { possibleCpus: 1 });
}

/** Best ns per run on one engine (runProgram's duration), and the instructions one run executes. */
function ours(p, engine) {
  const rt = new Runtime(openLoaded(p.object), { engine, budget: 1e7 });
  const program = rt.object.programs.find((x) => x.name === p.program);
  // The Vm runProgram runs (the runtime keeps one per program and helper table), for its counts.
  const vm = rt.instance(program, contextKind(program.spec.kind.progType).helpers(program.kernelProfile));
  const run = (repeat) => runProgram(rt, program, { data: packet, repeat });
  const first = run(1);
  const executed = vm.executedInAll;
  if (BigInt(first.retval) !== p.r0) throw new Error(`${p.name} (${engine}): retval ${first.retval}, expected ${p.r0}`);
  if (!p.check(rt, vm.runs)) throw new Error(`${p.name} (${engine}): the map does not hold what it should`);
  // Warm-up (let V8 optimise), then rounds of about seconds / rounds each.
  const deadline = performance.now() + 300;
  while (performance.now() < deadline) run(10);
  const repeat = Math.max(1, Math.round(((seconds / rounds) * 1e9) / Math.max(1, run(10).durationNs)));
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const start = cpuNs();
    run(repeat);
    best = Math.min(best, (cpuNs() - start) / repeat);
  }
  if (vm.executedInAll !== executed * vm.runs) throw new Error(`${p.name} (${engine}): runs executed different counts`);
  if (!p.check(rt, vm.runs)) throw new Error(`${p.name} (${engine}): the map does not hold what it should after ${vm.runs} runs`);
  return { ns: best, executed };
}

/** Why the kernel cannot be asked here, or undefined. */
function kernelMissing() {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (loading programs needs CAP_BPF and CAP_SYS_ADMIN)';
  if (spawnSync('bpftool', ['version']).status !== 0) return 'bpftool is not installed';
  const mounts = readFileSync('/proc/mounts', 'utf8');
  if (!/ \/sys\/fs\/bpf bpf /.test(mounts)) return 'no bpffs at /sys/fs/bpf';
  return undefined;
}

/** The kernel's best average duration over the rounds, its retval, or why it could not run. */
function kernel(p) {
  const dir = `/sys/fs/bpf/bpfscope-bench-${process.pid}-${p.name}`;
  const bpftool = (args) => spawnSync('bpftool', args, { encoding: 'utf8' });
  const loaded = bpftool(['prog', 'loadall', join(repo, 'objects', `${p.object}.o`), dir]);
  try {
    if (loaded.status !== 0) return { error: `bpftool prog loadall failed: ${loaded.stderr.trim().split('\n').pop()}` };
    let best = Infinity;
    let retval;
    for (let r = 0; r < kernelRounds; r++) {
      const run = bpftool(['-j', 'prog', 'run', 'pinned', join(dir, p.program), 'data_in', packetFile, 'repeat', String(p.repeat)]);
      if (run.status !== 0) return { error: `bpftool prog run failed: ${run.stderr.trim().split('\n').pop()}` };
      const out = JSON.parse(run.stdout);
      retval = BigInt(out.retval);
      best = Math.min(best, out.duration);
    }
    return { ns: best, retval };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds uBPF from UBPF_SRC and the driver; the driver's path, or why not. */
function buildUbpf() {
  const src = process.env.UBPF_SRC;
  if (!src) return { error: 'set UBPF_SRC to a checkout of github.com/iovisor/ubpf to compare with its C interpreter' };
  const build = join(tmpdir(), 'bpfscope-bench-ubpf');
  const step = (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return r.status === 0 ? undefined : `${cmd} ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  };
  const failed =
    step('cmake', ['-S', src, '-B', build, '-DCMAKE_BUILD_TYPE=Release', '-DUBPF_SKIP_EXTERNAL=ON', '-DUBPF_ENABLE_TESTS=OFF']) ??
    step('cmake', ['--build', build, '-j2', '--target', 'ubpf']) ??
    step('cc', ['-O2', '-Wall', '-I', join(src, 'vm', 'inc'), '-I', join(build, 'vm'), join(repo, 'bench', 'ubpf', 'driver.c'), join(build, 'lib', 'libubpf.a'), '-lm', '-o', join(build, 'driver')]);
  return failed ? { error: failed } : { driver: join(build, 'driver'), dir: build };
}

/** uBPF's interpreter on bench/ubpf/NAME.asm over the packet: ns per run and instructions per run. */
function ubpf(built, name) {
  const bin = join(built.dir, `${name}.bin`);
  const asm = spawnSync(join(repo, 'bin', 'bpfscope'), ['asm', join(repo, 'bench', 'ubpf', `${name}.asm`), 'file', bin], { encoding: 'utf8' });
  if (asm.status !== 0) return { error: `bpfscope asm failed: ${asm.stderr.trim()}` };
  const run = spawnSync(built.driver, [bin, packetFile, String(seconds), String(rounds)], { encoding: 'utf8' });
  const m = /executed=(\d+) ns_per_run=([\d.]+) r0=(\d+)/.exec(run.stdout);
  if (run.status !== 0 || !m) return { error: `the uBPF driver failed: ${run.stderr.trim()}` };
  return { executed: Number(m[1]), ns: Number(m[2]), r0: BigInt(m[3]) };
}

/** One engine's line: time per run and per instruction, and the ratio to the kernel's. */
function row(label, nsPerRun, insnsPerRun, ratio) {
  console.log(`  ${label.padEnd(14)} ${(nsPerRun / 1000).toFixed(2).padStart(8)} µs/run  ${(nsPerRun / insnsPerRun).toFixed(2).padStart(6)} ns/insn${ratio}`);
}

// `node bench/vm.mjs alu fnv` measures only those.
const only = process.argv.slice(2);
const missing = kernelMissing();
if (missing) console.log(`kernel: not measured: ${missing}; showing bpfscope only`);
const ubpfBuilt = buildUbpf();
if (ubpfBuilt.error) console.log(`ubpf: not measured: ${ubpfBuilt.error}`);
for (const p of programs.filter((x) => only.length === 0 || only.includes(x.name))) {
  const k = missing ? undefined : kernel(p);
  if (k?.error) console.log(`${p.name}: kernel: ${k.error}`);
  else if (k && k.retval !== p.r0) throw new Error(`${p.name}: the kernel returned ${k.retval}, bpfscope ${p.r0}`);
  // auto is what `prog run` and the library use: it interprets a program's first runs, then compiles it.
  const results = ['auto', 'jit', 'interpreter'].map((engine) => ({ engine, ...ours(p, engine) }));
  const executed = results[0].executed;
  const kernelNs = k?.ns;
  const kernelText = kernelNs === undefined ? '' : `; kernel JIT ${kernelNs} ns/run = ${(kernelNs / executed).toFixed(2)} ns/insn`;
  console.log(`${p.name}: ${executed} insns/run (${p.object}.o ${p.program})${kernelText}`);
  for (const r of results) {
    const ratio = kernelNs === undefined ? '' : `, ${(r.ns / kernelNs).toFixed(1)}x the kernel`;
    row(r.engine === 'auto' ? 'auto (default)' : r.engine, r.ns, executed, ratio);
  }
  if (p.ubpfR0 !== undefined && ubpfBuilt.driver) {
    const u = ubpf(ubpfBuilt, p.name);
    if (u.error) console.log(`  ubpf interp    ${u.error}`);
    else {
      if (u.r0 !== p.ubpfR0) throw new Error(`${p.name}: uBPF returned ${u.r0}, expected ${p.ubpfR0}`);
      const ratio = kernelNs === undefined ? '' : `, ${(u.ns / u.executed / (kernelNs / executed)).toFixed(1)}x the kernel per insn`;
      row('ubpf interp', u.ns, u.executed, `${ratio} (${u.executed} insns/run, bench/ubpf/${p.name}.asm)`);
    }
  }
  if (kernelNs !== undefined && p.goal !== undefined) {
    const verdict = (engine) => {
      const ratio = results.find((r) => r.engine === engine).ns / kernelNs;
      return `${engine} ${ratio.toFixed(1)}x ${ratio <= p.goal ? 'met' : 'not met'}`;
    };
    console.log(`  goal <= ${p.goal}x the kernel: ${['auto', 'interpreter'].map(verdict).join('; ')}`);
  }
}
