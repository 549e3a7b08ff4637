import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/isa/asm.js';
import type { Insn } from '../../src/isa/insn.js';
import { Vm, type EngineName, type Helper, type VmOptions } from '../../src/vm/vm.js';

/**
 * The interpreter against a model of the ISA written with BigInt in this file: every
 * ALU operation and conditional jump, both widths, immediate and register forms, on
 * operands chosen at the edges (carries, signs, INT_MIN, the 53-bit limit of doubles,
 * out-of-range shift counts).
 */

const u64 = (x: bigint) => BigInt.asUintN(64, x);
const s64 = (x: bigint) => BigInt.asIntN(64, x);
const u32 = (x: bigint) => BigInt.asUintN(32, x);
const s32 = (x: bigint) => BigInt.asIntN(32, x);

const ENGINES: readonly EngineName[] = ['interpreter', 'jit'];

describe.each(ENGINES)('the %s engine', (engine) => {
  const newVm = (insns: readonly Insn[], options: VmOptions = {}) => new Vm(insns, { engine, ...options });

  function run(source: string, args: bigint[] = [], options: VmOptions = {}): bigint {
    return newVm(assemble(source), options).run(args).r0;
  }

  /**
   * Runs one program per source on many operands (given in r1 and r2), so that the
   * model tests compile a few hundred programs rather than tens of thousands.
   */
  const programs = new Map<string, Vm>();
  function runOn(source: string, ...args: bigint[]): bigint {
    let vm = programs.get(source);
    if (!vm) programs.set(source, (vm = newVm(assemble(source))));
    return vm.run(args).r0;
  }

  const hex = (v: bigint) => `0x${u64(v).toString(16)}`;

  /** a op b on 64 bits, b already 64 bits (a sign-extended immediate or a register). */
  const ALU64: Record<string, (a: bigint, b: bigint) => bigint> = {
    add: (a, b) => a + b,
    sub: (a, b) => a - b,
    mul: (a, b) => a * b,
    div: (a, b) => (b === 0n ? 0n : a / b),
    mod: (a, b) => (b === 0n ? a : a % b),
    sdiv: (a, b) => (b === 0n ? 0n : s64(a) / s64(b)),
    smod: (a, b) => (b === 0n ? a : s64(a) % s64(b)),
    or: (a, b) => a | b,
    and: (a, b) => a & b,
    xor: (a, b) => a ^ b,
    lsh: (a, b) => a << (b & 63n),
    rsh: (a, b) => a >> (b & 63n),
    arsh: (a, b) => s64(a) >> (b & 63n),
    mov: (_a, b) => b,
  };

  /** a op b on the low 32 bits; the result is zero-extended. */
  const ALU32: Record<string, (a: bigint, b: bigint) => bigint> = {
    add: (a, b) => a + b,
    sub: (a, b) => a - b,
    mul: (a, b) => a * b,
    div: (a, b) => (b === 0n ? 0n : a / b),
    mod: (a, b) => (b === 0n ? a : a % b),
    sdiv: (a, b) => (b === 0n ? 0n : s32(a) / s32(b)),
    smod: (a, b) => (b === 0n ? a : s32(a) % s32(b)),
    or: (a, b) => a | b,
    and: (a, b) => a & b,
    xor: (a, b) => a ^ b,
    lsh: (a, b) => a << (b & 31n),
    rsh: (a, b) => a >> (b & 31n),
    arsh: (a, b) => s32(a) >> (b & 31n),
    mov: (_a, b) => b,
  };

  const WIDE = [
    0n, 1n, 2n, 3n, 7n, 0x7fn, 0x80n, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x100000001n,
    (1n << 53n) - 1n, (1n << 53n) + 1n, (1n << 63n) - 1n, 1n << 63n, u64(-1n), u64(-2n), u64(-7n), 0x123456789abcdef0n, 68n,
  ];
  const IMMS = [0n, 1n, -1n, 2n, -2n, 3n, -3n, 31n, 32n, 63n, 64n, 68n, -0x80000000n, 0x7fffffffn, 0x12345678n];

  describe('ALU against a BigInt model', () => {
    for (const [ops, width] of [[ALU64, 64], [ALU32, 32]] as const) {
      for (const [name, f] of Object.entries(ops)) {
        const mnemonic = width === 64 ? name : `${name}32`;
        it(`${mnemonic} with a register`, () => {
          for (const a of WIDE) {
            for (const b of WIDE) {
              const expected = width === 64 ? u64(f(a, b)) : u32(f(u32(a), u32(b)));
              const got = runOn(`mov %r0, %r1\n${mnemonic} %r0, %r2\nexit`, a, b);
              expect(hex(got), `${hex(a)} ${mnemonic} ${hex(b)}`).toBe(hex(expected));
            }
          }
        });
        it(`${mnemonic} with an immediate`, () => {
          for (const a of WIDE) {
            for (const imm of IMMS) {
              const expected = width === 64 ? u64(f(a, u64(imm))) : u32(f(u32(a), u32(imm)));
              const got = runOn(`mov %r0, %r1\n${mnemonic} %r0, ${imm}\nexit`, a);
              expect(hex(got), `${hex(a)} ${mnemonic} ${imm}`).toBe(hex(expected));
            }
          }
        });
      }
    }

    it('neg, movsx and the byte swaps', () => {
      for (const a of WIDE) {
        const cases: [string, bigint][] = [
          ['neg', u64(-a)],
          ['neg32', u32(-a)],
          ['be16', ((a & 0xffn) << 8n) | ((a >> 8n) & 0xffn)],
          ['le16', a & 0xffffn],
          ['le32', a & 0xffffffffn],
          ['le64', a],
          ['bswap32', u32(BigInt(`0x${u32(a).toString(16).padStart(8, '0').match(/../g)!.reverse().join('')}`))],
          ['bswap64', BigInt(`0x${a.toString(16).padStart(16, '0').match(/../g)!.reverse().join('')}`)],
        ];
        for (const [op, expected] of cases) expect(hex(runOn(`mov %r0, %r1\n${op} %r0\nexit`, a)), `${op} ${hex(a)}`).toBe(hex(expected));
        const sx: [string, bigint][] = [
          ['movsx864', u64(BigInt.asIntN(8, a))],
          ['movsx1664', u64(BigInt.asIntN(16, a))],
          ['movsx3264', u64(s32(a))],
          ['movsx832', u32(BigInt.asIntN(8, a))],
          ['movsx1632', u32(BigInt.asIntN(16, a))],
        ];
        for (const [op, expected] of sx) expect(hex(runOn(`${op} %r0, %r1\nexit`, a)), `${op} ${hex(a)}`).toBe(hex(expected));
      }
    });
  });

  const CMP: Record<string, (a: bigint, b: bigint, bits: 32 | 64) => boolean> = {
    jeq: (a, b) => a === b,
    jne: (a, b) => a !== b,
    jset: (a, b) => (a & b) !== 0n,
    jgt: (a, b) => a > b,
    jge: (a, b) => a >= b,
    jlt: (a, b) => a < b,
    jle: (a, b) => a <= b,
    jsgt: (a, b, w) => BigInt.asIntN(w, a) > BigInt.asIntN(w, b),
    jsge: (a, b, w) => BigInt.asIntN(w, a) >= BigInt.asIntN(w, b),
    jslt: (a, b, w) => BigInt.asIntN(w, a) < BigInt.asIntN(w, b),
    jsle: (a, b, w) => BigInt.asIntN(w, a) <= BigInt.asIntN(w, b),
  };

  describe('conditional jumps against a BigInt model', () => {
    const branch = (jump: string) => `mov %r0, 0\n${jump}, +1\nexit\nmov %r0, 1\nexit`;
    for (const [name, f] of Object.entries(CMP)) {
      for (const width of [64, 32] as const) {
        const mnemonic = width === 64 ? name : `${name}32`;
        const cut = width === 64 ? u64 : u32;
        it(mnemonic, () => {
          for (const a of WIDE) {
            for (const b of WIDE) {
              const got = runOn(branch(`${mnemonic} %r1, %r2`), a, b);
              expect(got, `${hex(a)} ${mnemonic} ${hex(b)}`).toBe(f(cut(a), cut(b), width) ? 1n : 0n);
            }
            for (const imm of IMMS) {
              const got = runOn(branch(`${mnemonic} %r1, ${imm}`), a);
              expect(got, `${hex(a)} ${mnemonic} ${imm}`).toBe(f(cut(a), cut(u64(imm)), width) ? 1n : 0n);
            }
          }
        });
      }
    }
  });

  describe('memory, atomics and calls', () => {
    it('loads and stores every size, little-endian, sign-extending ldxs', () => {
      const src = [
        'lddw %r1, 0x8877665544332211',
        'stxdw [%r10-8], %r1',
        'ldxw %r2, [%r10-8]', // 0x44332211
        'ldxh %r3, [%r10-6]', // 0x4433
        'ldxb %r4, [%r10-1]', // 0x88
        'ldxsb %r5, [%r10-1]', // sign-extended 0x88
        'stw [%r10-16], -2',
        'ldxdw %r6, [%r10-16]', // only 4 bytes stored: 0x00000000fffffffe
        'stdw [%r10-24], -2',
        'ldxdw %r7, [%r10-24]',
        'mov %r0, %r2', 'xor %r0, %r3', 'xor %r0, %r4', 'xor %r0, %r5', 'xor %r0, %r6', 'xor %r0, %r7',
        'exit',
      ].join('\n');
      expect(hex(run(src))).toBe(hex(0x44332211n ^ 0x4433n ^ 0x88n ^ u64(-0x78n) ^ 0xfffffffen ^ u64(-2n)));
    });

    it('reads and writes input memory through r1, within r2 bytes', () => {
      const vm = newVm(assemble('ldxw %r0, [%r1+4]\nstxb [%r1], %r2\nexit'));
      const bytes = Uint8Array.from([9, 9, 9, 9, 1, 2, 3, 4]);
      const r = vm.run([vm.map('input', bytes), 8n]);
      expect(r).toEqual({ r0: 0x04030201n, executed: 3 });
      expect(bytes[0]).toBe(8);
    });

    it('big-endian programs load, store and convert the other way round', () => {
      const vm = newVm(assemble('ldxh %r0, [%r1]\nbe16 %r0\nexit'), { littleEndian: false });
      expect(vm.run([vm.map('input', Uint8Array.from([0x12, 0x34])), 2n]).r0).toBe(0x1234n);
      const vm2 = newVm(assemble('ldxh %r0, [%r1]\nle16 %r0\nexit'), { littleEndian: false });
      expect(vm2.run([vm2.map('input', Uint8Array.from([0x12, 0x34])), 2n]).r0).toBe(0x3412n);
    });

    it('atomics fetch into src, cmpxchg compares with r0 and returns the old value in r0', () => {
      const prologue = 'lddw %r1, 0xffffffff00000001\nstxdw [%r10-8], %r1\nmov %r1, 2\n';
      const memory = 'ldxdw %r0, [%r10-8]\nexit';
      expect(hex(run(`${prologue}lock add [%r10-8], %r1\n${memory}`))).toBe('0xffffffff00000003');
      expect(hex(run(`${prologue}lock fetch add [%r10-8], %r1\nmov %r0, %r1\nexit`))).toBe('0xffffffff00000001');
      expect(hex(run(`${prologue}lock fetch or32 [%r10-8], %r1\nmov %r0, %r1\nexit`))).toBe('0x1');
      expect(hex(run(`${prologue}lock xchg32 [%r10-8], %r1\n${memory}`))).toBe('0xffffffff00000002');
      expect(hex(run(`${prologue}mov %r0, 1\nlock cmpxchg [%r10-8], %r1\n${memory}`))).toBe('0xffffffff00000001');
      expect(hex(run(`${prologue}lddw %r0, 0xffffffff00000001\nlock cmpxchg [%r10-8], %r1\n${memory}`))).toBe('0x2');
      expect(hex(run(`${prologue}lddw %r0, 0x1\nlock cmpxchg32 [%r10-8], %r1\n${memory}`))).toBe('0xffffffff00000002');
      expect(hex(run(`${prologue}lock cmpxchg32 [%r10-8], %r1\nexit`))).toBe('0x1');
    });

    it('keeps r6-r9 and the frame pointer across bpf-to-bpf calls, each frame with its own stack', () => {
      const src = [
        'mov %r6, 6', 'stdw [%r10-8], 42', 'mov %r1, 3',
        'call local f',
        'ldxdw %r2, [%r10-8]', // still 42: the callee wrote its own stack
        'add %r0, %r2', 'add %r0, %r6', // 3*2 + 42 + 6
        'exit',
        'f:', 'stdw [%r10-8], 7', 'mov %r6, 100', 'mov %r0, %r1', 'mul %r0, 2', 'exit',
      ].join('\n');
      expect(run(src)).toBe(54n);
    });

    it('runs xlated programs, whose calls keep their offset in off', () => {
      const insns = assemble('call local f\nexit\nf:\nmov %r0, 9\nexit');
      insns[0] = { ...insns[0]!, off: insns[0]!.imm, imm: 1 };
      expect(newVm(insns, { callForm: 'xlated' }).run().r0).toBe(9n);
    });

    it('calls helpers from the table given, by call and by callx, with r1-r5 as arguments', () => {
      const add3: Helper = (regs) => regs.get(1) + regs.get(2) + regs.get(3);
      const helpers = new Map([[77, add3]]);
      expect(run('mov %r1, 1\nmov %r2, 2\nmov %r3, 3\ncall 77\nexit', [], { helpers })).toBe(6n);
      expect(run('mov %r1, -1\nmov %r2, 2\nmov %r3, 0\nmov %r4, 77\ncall %r4\nexit', [], { helpers: { 77: add3 } })).toBe(1n);
    });

    it('lets a helper read and write guest memory, faulting the call on a bad range', () => {
      const helpers = new Map<number, Helper>([
        [1, (regs, vm) => BigInt(vm.memory.read(regs.get(1), 4).reduce((a, b) => a + b, 0))],
        [2, (regs, vm) => (vm.memory.write(regs.get(1), Uint8Array.of(5)), 0n)],
      ]);
      expect(run('stw [%r10-4], 0x01020304\nmov %r1, %r10\nadd %r1, -4\ncall 1\nexit', [], { helpers })).toBe(10n);
      expect(() => run('mov %r1, %r10\ncall 1\nexit', [], { helpers })).toThrow(
        /^insn 1: \(85\) call bpf_map_lookup_elem#1: read of 4 bytes at 0x100000200 is outside stack of frame 0 \(512 bytes at 0x100000000; offset 512\)$/,
      );
    });

    it('counts the instructions executed and runs again from a clean state', () => {
      const vm = newVm(assemble('ldxdw %r0, [%r10-8]\nadd %r0, 1\nstxdw [%r10-8], %r0\nexit'));
      expect(vm.run()).toEqual({ r0: 1n, executed: 4 });
      expect(vm.run()).toEqual({ r0: 1n, executed: 4 });
    });

    it('may_goto falls through until the loop count of 8M is spent', () => {
      const src = 'mov %r0, 0\nloop:\nmay_goto +2\nadd %r0, 1\nja loop\nexit';
      expect(run(src, [], { budget: 30_000_000 })).toBe(8n * 1024n * 1024n);
    });
  });
});
