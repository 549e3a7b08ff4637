import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as b from '../../src/isa/build.js';
import { encodeInsns } from '../../src/isa/encode.js';
import type { Insn } from '../../src/isa/insn.js';
import { lookupOpcode, opcodeNamed } from '../../src/isa/opcodes.js';
import { skipReason } from '../helpers/env.js';

/**
 * The instruction builders against llvm's BPF assembler: what a builder makes must be
 * the bytes llvm-mc encodes for the same instruction in the kernel's syntax.
 */

/** LLVM 14's assembler knows neither stores of an immediate nor the v3 atomics' syntax; 19's does. */
const LLVM_MC = ['llvm-mc-19', 'llvm-mc-18', 'llvm-mc-17', 'llvm-mc-16', 'llvm-mc-15'].find((cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0);

/** llvm-mc's encodings of the lines, one byte string per line. */
function llvmEncode(lines: readonly string[]): string[] {
  const out = execFileSync(LLVM_MC!, ['-triple', 'bpfel', '-mcpu=v4', '-show-encoding'], { input: lines.join('\n'), encoding: 'utf8' });
  return [...out.matchAll(/encoding: \[([^\]]*)\]/g)].map((m) => m[1]!.split(',').map((x) => Number(x).toString(16).padStart(2, '0')).join(''));
}

const hex = (insns: readonly Insn[]) => Buffer.from(encodeInsns(insns, true)).toString('hex');

const CASES: readonly [string, Insn[]][] = [
  ['r1 = r2', [b.movReg(64, 1, 2)]],
  ['w3 = w4', [b.movReg(32, 3, 4)]],
  ['r2 = -7', [b.movImm(64, 2, -7)]],
  ['w0 = 1', [b.movImm(32, 0, 1)]],
  ['w0 ^= w0', [b.aluReg(32, 'xor', 0, 0)]],
  ['r2 += 16', [b.aluImm(64, 'add', 2, 16)]],
  ['w5 &= 255', [b.aluImm(32, 'and', 5, 255)]],
  ['r1 >>= 3', [b.aluImm(64, 'rsh', 1, 3)]],
  ['r6 /= r7', [b.aluReg(64, 'div', 6, 7)]],
  ['r1 = -r1', [b.neg(64, 1)]],
  ['w1 = -w1', [b.neg(32, 1)]],
  ['if r0 s>= 0 goto +2', [b.jmpImm(64, 'jsge', 0, 0, 2)]],
  ['if w1 != 0 goto -3', [b.jmpImm(32, 'jne', 1, 0, -3)]],
  ['if r1 > r2 goto +5', [b.jmpReg(64, 'jgt', 1, 2, 5)]],
  ['goto +1', [b.ja(1)]],
  ['r0 = *(u32 *)(r1 + 4)', [b.ldx(4, 0, 1, 4)]],
  ['r3 = *(u8 *)(r2 - 1)', [b.ldx('B', 3, 2, -1)]],
  ['r9 = *(u64 *)(r10 - 16)', [b.ldx(8, 9, 10, -16)]],
  ['*(u64 *)(r10 - 8) = r1', [b.stx(8, 10, -8, 1)]],
  ['*(u16 *)(r1 + 2) = r3', [b.stx(2, 1, 2, 3)]],
  ['*(u32 *)(r10 - 4) = 7', [b.st(4, 10, -4, 7)]],
  ['lock *(u32 *)(r1 + 0) += r2', [b.atomic(4, 'add', false, 1, 0, 2)]],
  ['r2 = atomic_fetch_or((u64 *)(r1 + 8), r2)', [b.atomic(8, 'or', true, 1, 8, 2)]],
  ['r0 = cmpxchg_64(r1 + 0, r0, r2)', [b.atomic(8, 'cmpxchg', true, 1, 0, 2)]],
  ['r1 = 0x1122334455667788 ll', b.ldImm64(1, 0x1122334455667788n)],
  ['r1 = -1 ll', b.ldImm64(1, -1n)],
  ['call 5', [b.callHelper(5)]],
  ['exit', [b.exit()]],
];

describe('instruction builders', () => {
  it('make what llvm’s BPF assembler makes', (ctx) => {
    if (skipReason(LLVM_MC ? undefined : 'llvm-mc 15 or later is not installed (apt-get install llvm-19)', 'builders against llvm-mc')) return ctx.skip();
    const want = llvmEncode(CASES.map(([text]) => text));
    expect(want.length).toBe(CASES.length);
    CASES.forEach(([text, insns], i) => expect(hex(insns), text).toBe(want[i]));
  });

  it('fill in the selecting field from the row', () => {
    expect(b.insnNamed('sdiv64_reg', { dst: 1, src: 2 })).toEqual({ code: 0x3f, dst: 1, src: 2, off: 1, imm: 0 });
    expect(b.insnNamed('movsx64_16', { dst: 1, src: 2 })).toEqual({ code: 0xbf, dst: 1, src: 2, off: 16, imm: 0 });
    expect(b.insnNamed('bswap32', { dst: 3 })).toEqual({ code: 0xd7, dst: 3, src: 0, off: 0, imm: 32 });
    expect(b.callLocal(-4)).toEqual({ code: 0x85, dst: 0, src: 1, off: 0, imm: -4 });
    expect(b.ldImm64(2, 0x100000007n, 4)).toEqual([
      { code: 0x18, dst: 2, src: 4, off: 0, imm: 7 },
      { code: 0, dst: 0, src: 0, off: 0, imm: 1 },
    ]);
    expect(() => b.ldImm64(2, 0n, 9)).toThrow(/src 9/);
  });

  it('give each instruction back its row, and change sizes within a row’s kind', () => {
    expect(lookupOpcode(b.atomic('W', 'xchg', true, 1, 0, 2))?.name).toBe('atomic_xchg_w');
    expect(b.resized(opcodeNamed('stxdw'), 2).name).toBe('stxh');
    expect(b.resized(opcodeNamed('ldxsw'), 1).name).toBe('ldxsb');
    expect(b.resized(opcodeNamed('atomic_fetch_add_w'), 8).name).toBe('atomic_fetch_add_dw');
    expect(b.resized(opcodeNamed('stw'), 8).name).toBe('stdw');
  });
});
