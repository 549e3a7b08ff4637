#!/usr/bin/env node
// npm run build && node bench/vm.mjs: how fast the in-process VM runs programs of
// objects/, per run and per executed instruction, on each engine, next to the kernel's
// own `bpftool prog run ... repeat N` (its JIT) on the same programs and packet:
//   fnv    objects/fnv.o xdp_fnv: 32-bit FNV-1a over the 1500-byte packet, result in an array map
//   alu    objects/alu.o alu_loop: a socket filter's 1000 rounds of 64-bit add/xor/shift/mul/rotate
//   parse  objects/xdp.o xdp_parse: Ethernet/IPv4/UDP parsing, counting the protocol in an array map
// The packet is test/packets/ipv4-udp-1500.bin. Our side loads the object, runs the
// program's xlated instructions (context accesses rewritten as the kernel rewrites
// them) in a Runtime (maps, helpers) with the context the rewritten code reads: for XDP
// an xdp_buff whose data and data_end point at the packet, for the socket filter an
// sk_buff whose len leaves out the Ethernet header (as the kernel's does). Each program
// runs in one Vm, warmed up first, for BENCH_SECONDS (default 3) of CPU time per engine
// split into BENCH_ROUNDS (15) rounds; the best round counts, as other processes on the
// machine only ever slow a round down. The kernel side runs BENCH_KERNEL_ROUNDS (5) times
// `bpftool -j prog run pinned ... repeat N` and keeps the best average duration. ns/insn
// divides by the instructions our VM executes per run (the same program; the kernel's
// helpers' own work is not counted in either). Not a test: it checks only that each
// program returns what the kernel returns and leaves the map value it should.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(repo, 'dist');
if (!existsSync(join(dist, 'vm', 'jit', 'compile.js')) || !existsSync(join(dist, 'vm', 'runtime', 'index.js'))) {
  console.log('bench: skipped: dist/ is not built (npm run build)');
  process.exit(0);
}
const load = async (path) => import(pathToFileURL(join(dist, path)).href);
const { openObject } = await load('object/open.js');
const { loadObject } = await load('vm/load.js');
const { Runtime } = await load('vm/runtime/index.js');
const { DEFAULT_KERNEL_PROFILE: profile } = await load('vm/fixups/index.js');

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const kernelRounds = Number(process.env.BENCH_KERNEL_ROUNDS ?? 5);
const packetFile = join(repo, 'test', 'packets', 'ipv4-udp-1500.bin');
const packet = readFileSync(packetFile);
const ETH_HLEN = 14;
const XDP_PASS = 2n;

function fnv1a(bytes) {
  let h = 2166136261;
  for (const b of bytes.subarray(0, 1500)) h = Math.imul(h ^ b, 16777619) >>> 0;
  return h;
}

const u32 = (n) => new Uint8Array(new Uint32Array([n]).buffer);
const mapNamed = (rt, name) => rt.map(rt.object.maps.find((m) => m.name === name).id);
const readU64 = (bytes) => new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);

/** The kernel struct the rewritten context accesses read, mapped into the runtime's memory. */
function xdpContext(rt) {
  const data = rt.memory.map('packet', Uint8Array.from(packet));
  const ctx = new Uint8Array(profile.sizes.xdp_buff);
  const view = new DataView(ctx.buffer);
  for (const [field, value] of [['data', data], ['data_end', data + BigInt(packet.length)], ['data_meta', data], ['data_hard_start', data]]) {
    view.setBigUint64(profile.offsets[`xdp_buff.${field}`], value, true);
  }
  return rt.memory.map('xdp_buff', ctx);
}

function skbContext(rt) {
  const ctx = new Uint8Array(profile.sizes.sk_buff);
  new DataView(ctx.buffer).setUint32(profile.offsets['sk_buff.len'], packet.length - ETH_HLEN, true);
  return rt.memory.map('sk_buff', ctx);
}

const programs = [
  {
    name: 'fnv', object: 'fnv', program: 'xdp_fnv', context: xdpContext, repeat: 20_000, r0: XDP_PASS,
    check: (rt) => { const v = mapNamed(rt, 'fnv_hash').lookup(u32(0)); return new DataView(v.buffer, v.byteOffset, 4).getUint32(0, true) === fnv1a(packet); },
  },
  { name: 'alu', object: 'alu', program: 'alu_loop', context: skbContext, repeat: 20_000, r0: 3540111941n, check: () => true },
  {
    name: 'parse', object: 'xdp', program: 'xdp_parse', context: xdpContext, repeat: 2_000_000, r0: XDP_PASS,
    // Every run counts UDP (17) once.
    check: (rt, runs) => readU64(mapNamed(rt, 'proto_count').lookup(u32(17))) === BigInt(runs),
  },
];

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

/** Best ns per run on one engine, and the instructions one run executes. */
function ours(p, engine) {
  const rt = new Runtime(openLoaded(p.object), { engine, budget: 1e7 });
  const vm = rt.instance(rt.object.programs.find((x) => x.name === p.program));
  const args = [p.context(rt)];
  const first = vm.run(args);
  let runs = 1;
  if (first.r0 !== p.r0) throw new Error(`${p.name} (${engine}): r0 ${first.r0}, expected ${p.r0}`);
  if (!p.check(rt, runs)) throw new Error(`${p.name} (${engine}): the map does not hold what it should`);
  const deadline = performance.now() + 300;
  while (performance.now() < deadline) (vm.run(args), runs++); // warm-up: let V8 optimise
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    // CPU time rather than wall time, so that other processes on the machine count less.
    let n = 0;
    const start = cpuNs();
    const end = start + (seconds * 1e9) / rounds;
    let now = start;
    while (now < end) {
      for (let k = 0; k < 10; k++) vm.run(args);
      n += 10;
      now = cpuNs();
    }
    runs += n;
    best = Math.min(best, (now - start) / n);
  }
  if (!p.check(rt, runs)) throw new Error(`${p.name} (${engine}): the map does not hold what it should after ${runs} runs`);
  return { ns: best, executed: first.executed };
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

const missing = kernelMissing();
if (missing) console.log(`kernel: not measured: ${missing}; showing bpfscope only`);
for (const p of programs) {
  const k = missing ? undefined : kernel(p);
  if (k?.error) console.log(`${p.name}: kernel: ${k.error}`);
  else if (k && k.retval !== p.r0) throw new Error(`${p.name}: the kernel returned ${k.retval}, bpfscope ${p.r0}`);
  const results = ['jit', 'interpreter'].map((engine) => ({ engine, ...ours(p, engine) }));
  const executed = results[0].executed;
  const kernelNs = k?.ns;
  const kernelText = kernelNs === undefined ? '' : `; kernel JIT ${kernelNs} ns/run = ${(kernelNs / executed).toFixed(2)} ns/insn`;
  console.log(`${p.name}: ${executed} insns/run (${p.object}.o ${p.program})${kernelText}`);
  for (const r of results) {
    const ratio = kernelNs === undefined ? '' : `, ${(r.ns / kernelNs).toFixed(1)}x the kernel`;
    console.log(`  ${r.engine.padEnd(11)} ${(r.ns / 1000).toFixed(2).padStart(8)} µs/run  ${(r.ns / executed).toFixed(2).padStart(6)} ns/insn${ratio}`);
  }
}
