import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assemble } from '../../src/isa/asm.js';
import type { Insn } from '../../src/isa/insn.js';
import { guardDivision, isGuardedDivision } from '../../src/vm/fixups/div-guard.js';
import { Vm, type EngineName } from '../../src/vm/vm.js';
import { bpfscope } from '../helpers/cli.js';
import { missing, skipReason } from '../helpers/env.js';

/**
 * The kernel guards division and modulo by a register (and signed ones by -1) at load
 * (do_misc_fixups). The guarded code must compute what the ISA defines for the bare
 * instruction, on both engines, and be the kernel's own code (checked against the live
 * kernel's dump of a program built for ISA v4).
 */
const OPS = ['div', 'div32', 'mod', 'mod32', 'sdiv', 'sdiv32', 'smod', 'smod32'];
const VALUES = [0n, 1n, 7n, 0xffffffffffffffffn, 0x8000000000000000n, 0x80000000n, 0xffffffffn, 0x123456789abcdefn, 0xfffffffffffffff9n];
const ENGINES: readonly EngineName[] = ['interpreter', 'jit'];

function run(insns: Insn[], engine: EngineName): bigint {
  // As a loaded program runs: the kernel's own rewrites may name r11.
  return new Vm(insns, { engine, callForm: 'xlated' }).run().r0;
}

describe.each(ENGINES)('the guarded division on the %s', (engine) => {
  it.each(OPS)('%s by a register computes what the bare instruction does', (op) => {
    for (const a of VALUES) {
      for (const b of VALUES) {
        const head = assemble(`lddw %r0, ${a}\nlddw %r1, ${b}`);
        const [bare] = assemble(`${op} %r0, %r1`);
        expect(isGuardedDivision(bare!)).toBe(true);
        const tail = assemble('exit');
        expect(run([...head, ...guardDivision(bare!), ...tail], engine), `${op} ${a} ${b}`).toBe(run([...head, bare!, ...tail], engine));
      }
    }
  });

  it.each(['sdiv', 'sdiv32', 'smod', 'smod32'])('%s by the immediate -1 computes what the bare instruction does', (op) => {
    for (const a of VALUES) {
      const head = assemble(`lddw %r0, ${a}`);
      const [bare] = assemble(`${op} %r0, -1`);
      expect(isGuardedDivision(bare!)).toBe(true);
      const tail = assemble('exit');
      expect(run([...head, ...guardDivision(bare!), ...tail], engine)).toBe(run([...head, bare!, ...tail], engine));
    }
  });
});

it('leaves division by other immediates alone, as the kernel does', () => {
  for (const source of ['div %r0, 3', 'mod32 %r0, 5', 'sdiv %r0, 2', 'smod %r0, -2']) expect(isGuardedDivision(assemble(source)[0]!)).toBe(false);
});

// ISA v4 (signed division) needs clang 18 or later.
const hasClang19 = spawnSync('sh', ['-c', 'command -v clang-19'], { stdio: 'ignore' }).status === 0;
const cannot = missing({ bpftool: true, root: true }) ?? (hasClang19 ? undefined : 'clang-19 is not installed (apt-get install clang-19)');
const dir = mkdtempSync(join(tmpdir(), 'bpfscope-div-'));
const pin = `/sys/fs/bpf/bpfscope-div-${process.pid}`;
afterAll(() => {
  rmSync(pin, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe("against the kernel's dump", () => {
  it('gives the xlated code of the live kernel for every kind of division', (ctx) => {
    if (skipReason(cannot, "the division guards against the kernel's dump")) return ctx.skip();
    const src = join(dir, 'div.c');
    writeFileSync(
      src,
      [
        'typedef unsigned long long u64; typedef long long s64; typedef unsigned int u32; typedef int s32;',
        '__attribute__((section("socket"), used)) int divs(void *ctx) {',
        '  volatile u64 a = 100, b = 7; volatile s64 c = -100, d = -3; volatile u32 e = 9, f = 2; volatile s32 g = -9, h = 2;',
        '  u64 r = a / b + a % b + (u64)(c / d) + (u64)(c % d) + e / f + e % f + (u64)(g / h) + (u64)(g % h) + (u64)(c / -1) + (u64)(g % -1);',
        '  return (int)r;',
        '}',
        'char _license[] __attribute__((section("license"), used)) = "GPL";',
      ].join('\n'),
    );
    const obj = join(dir, 'div.o');
    const cc = spawnSync('clang-19', ['-O2', '-g', '-target', 'bpf', '-mcpu=v4', '-c', src, '-o', obj], { encoding: 'utf8' });
    expect(cc.status, cc.stderr).toBe(0);
    rmSync(pin, { recursive: true, force: true });
    const load = spawnSync('bpftool', ['prog', 'load', obj, pin], { encoding: 'utf8' });
    expect(load.status, load.stderr).toBe(0);
    const kernel = spawnSync('bpftool', ['prog', 'dump', 'xlated', 'pinned', pin, 'opcodes'], { encoding: 'utf8' }).stdout;
    const ours = bpfscope(['--object', obj, 'prog', 'dump', 'xlated', 'name', 'divs', 'opcodes']);
    expect(ours.status).toBe(0);
    expect(ours.stdout).toBe(kernel);
    expect(kernel).toMatch(/r11/);
  });
});
