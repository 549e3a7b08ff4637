#!/usr/bin/env node
// npm run build && node bench/vm.mjs: how fast the in-process VM interprets, in
// nanoseconds per executed instruction, on two loops assembled with bpfscope's own
// assembler from bench/vm-*.asm:
//   alu  the 64-bit ALU loop of objects/alu.c (1000 rounds of 19 instructions)
//   fnv  32-bit FNV-1a over the 1500-byte packet test/packets/ipv4-udp-1500.bin
// Each program runs in one VM (input mapped once), warmed up first, for BENCH_SECONDS
// (default 3) of CPU time split into BENCH_ROUNDS (15) rounds; the best round is
// printed, because other processes on the machine only ever slow a round down. Next to
// it, the kernel's own figure for the same loop where test/golden has one (`prog run`
// duration with the JIT, on the machine the golden files were made on), for comparing
// with `bpftool prog run` later. Not a test: it checks only that each program returns
// what it should.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(repo, 'dist');
if (!existsSync(join(dist, 'vm', 'interpreter', 'index.js'))) {
  console.log('bench: skipped: dist/ is not built (npm run build)');
  process.exit(0);
}
const { assemble } = await import(pathToFileURL(join(dist, 'isa', 'asm.js')).href);
const { Vm } = await import(pathToFileURL(join(dist, 'vm', 'interpreter', 'index.js')).href);

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const packet = readFileSync(join(repo, 'test', 'packets', 'ipv4-udp-1500.bin'));

function cpuNs() {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

function fnv1a(bytes) {
  let h = 2166136261;
  for (const b of bytes.subarray(0, 1500)) h = Math.imul(h ^ b, 16777619) >>> 0;
  return BigInt(h);
}

/** The kernel's `duration` for the same program on the same packet, from the golden run. */
function kernelNs(dir, prog) {
  const file = join(repo, 'test', 'golden', dir, `${prog}.run.txt`);
  if (!existsSync(file)) return undefined;
  const m = readFileSync(file, 'utf8').match(/duration: (\d+)ns/);
  return m ? Number(m[1]) : undefined;
}

const programs = [
  // A socket filter's skb->len leaves out the Ethernet header (14 bytes): with that seed the
  // loop returns what the kernel's run of objects/alu.o returned (test/golden).
  { name: 'alu', file: 'vm-alu.asm', length: packet.length - 14, expect: 3540111941n, kernel: kernelNs('alu@ipv4-udp-1500', 'alu_loop') },
  { name: 'fnv', file: 'vm-fnv.asm', length: packet.length, expect: fnv1a(packet), kernel: kernelNs('fnv@ipv4-udp-1500', 'xdp_fnv') },
];

for (const p of programs) {
  const vm = new Vm(assemble(readFileSync(join(repo, 'bench', p.file), 'utf8'), { file: p.file }), { budget: 1e7 });
  const input = Uint8Array.from(packet);
  const args = [vm.map('packet', input), BigInt(p.length)];
  const first = vm.run(args);
  if (first.r0 !== p.expect) throw new Error(`${p.name}: r0 ${first.r0}, expected ${p.expect}`);
  const deadline = performance.now() + 300;
  while (performance.now() < deadline) vm.run(args); // warm-up: let V8 optimise the loop
  let best = Infinity;
  let runsInBest = 0;
  for (let r = 0; r < rounds; r++) {
    // CPU time rather than wall time, so that other processes on the machine count less.
    let runs = 0;
    const start = cpuNs();
    const end = start + (seconds * 1e9) / rounds;
    let now = start;
    while (now < end) {
      for (let k = 0; k < 10; k++) vm.run(args);
      runs += 10;
      now = cpuNs();
    }
    const perRun = (now - start) / runs;
    if (perRun < best) [best, runsInBest] = [perRun, runs];
  }
  const nsPerInsn = best / first.executed;
  const kernel = p.kernel === undefined ? '' : `; kernel (JIT) ${p.kernel} ns/run = ${(p.kernel / first.executed).toFixed(2)} ns/insn`;
  console.log(`${p.name}: ${first.executed} insns/run, ${nsPerInsn.toFixed(2)} ns/insn, ${(best / 1000).toFixed(1)} µs/run (${runsInBest} runs)${kernel}`);
}
