import { describe, expect, it } from 'vitest';
import { AsmError, assemble, assembleBytes } from '../../src/isa/asm.js';
import { ASM_FORMS, formOfRow } from '../../src/isa/asm-dialect.js';
import { formatAsm } from '../../src/isa/asm-format.js';
import { decodeInsns } from '../../src/isa/decode.js';
import { encodeInsns } from '../../src/isa/encode.js';
import { OPCODES } from '../../src/isa/opcodes.js';
import { skipReason } from '../helpers/env.js';
import { bytesHex, conformanceCases, conformanceMissing, dataSections, hexBytes } from '../vm/conformance-cases.js';
import { sampleSlots } from './samples.js';

const hexOf = (source: string) => bytesHex(assembleBytes(source));

describe('assemble (uBPF dialect)', () => {
  it('encodes the examples of the dialect', () => {
    expect(hexOf('mov %r0, 0')).toBe('b700000000000000');
    expect(hexOf('mov32 %r0, -1')).toBe('b4000000ffffffff');
    expect(hexOf('ldxw %r0, [%r1+4]')).toBe('6110040000000000');
    expect(hexOf('stxdw [%r10-8], %r0')).toBe('7b0af8ff00000000');
    expect(hexOf('stw [%r10-4], 0x12345678')).toBe('620afcff78563412');
    expect(hexOf('lddw %r0, 0x1122334455667788')).toBe('1800000088776655' + '0000000044332211');
    expect(hexOf('ja +2')).toBe('0500020000000000');
    expect(hexOf('ja32 -1')).toBe('06000000ffffffff');
    expect(hexOf('call 5')).toBe('8500000005000000');
    expect(hexOf('call %r2')).toBe('8d02000000000000');
    expect(hexOf('lock add [%r10-8], %r1')).toBe('db1af8ff00000000');
    expect(hexOf('lock fetch xor32 [%r10-4], %r3')).toBe('c33afcffa1000000');
    expect(hexOf('lock cmpxchg [%r10-8], %r1')).toBe('db1af8fff1000000');
    expect(hexOf('be16 %r0')).toBe('dc00000010000000');
    expect(hexOf('swap64 %r0')).toBe('d700000040000000');
    expect(hexOf('neg32 %r2')).toBe('8402000000000000');
    expect(hexOf('sdiv %r0, %r1')).toBe('3f10010000000000');
    expect(hexOf('smod32 %r0, -3')).toBe('94000100fdffffff');
    expect(hexOf('movsx1664 %r8, %r7')).toBe('bf78100000000000');
    expect(hexOf('ldxsh %r0, [%r10-2]')).toBe('89a0feff00000000');
  });

  it('resolves labels forwards and backwards, and `exit` as the first exit', () => {
    const insns = assemble(['start:', 'jne %r0, 15, done # forward', 'ja start', 'done: exit', 'jeq %r1, %r2, exit', 'exit'].join('\n'));
    expect(insns.map((i) => i.off)).toEqual([1, -2, 0, -2, 0]);
    expect(assemble('call local f\nexit\nf:\nexit')[0]).toEqual({ code: 0x85, dst: 0, src: 1, off: 0, imm: 1 });
  });

  it('counts an lddw as two slots when resolving labels', () => {
    expect(assemble('ja out\nlddw %r0, 1\nout:\nexit')[0]!.off).toBe(2);
  });

  it('gives a spelling to every v1-v4 row and to packet loads, and takes back what it formats', () => {
    const spelled = new Set(ASM_FORMS.map((f) => f.row.name));
    for (const row of OPCODES) {
      const isa = ['v1', 'v2', 'v3', 'v4', 'packet', 'may-goto'].includes(row.origin);
      const pseudo = row.name.startsWith('lddw_') || row.name === 'call_kfunc';
      expect(spelled.has(row.name), row.name).toBe(isa && !pseudo);
      if (!formOfRow(row)) continue;
      const slots = sampleSlots(row);
      expect(assemble(formatAsm(slots)), row.name).toEqual(slots);
    }
  });

  describe('errors name the line', () => {
    const error = (source: string): AsmError => {
      try {
        assemble(source, { file: 'bad.asm' });
      } catch (e) {
        expect(e).toBeInstanceOf(AsmError);
        return e as AsmError;
      }
      throw new Error('no error');
    };
    it.each([
      ['mov %r0, 1\nfrob %r0', 2, "bad.asm: line 2: unknown mnemonic 'frob'"],
      ['add %r0', 1, "bad.asm: line 1: add takes %rD, IMM or %rD, %rS; got '%r0'"],
      ['\n\nja nowhere', 3, "bad.asm: line 3: undefined label 'nowhere'"],
      ['a:\nexit\na:', 3, "bad.asm: line 3: label 'a' is defined twice (first on line 1)"],
      ['mov %r0, 0x100000000', 1, 'bad.asm: line 1: immediate 4294967296 does not fit in imm (32 bits)'],
      ['ldxb %r0, [%r1+40000]', 1, 'bad.asm: line 1: offset 40000 does not fit in off (16 bits)'],
      ['mov %r16, 1', 1, 'bad.asm: line 1: r16 is not a register (r0-r10; r11-r15 fit the field but no program may use them)'],
      ['ja 2', 1, "bad.asm: line 1: ja takes TARGET; got '2'"],
      ['mov %r0, 1,', 1, 'bad.asm: line 1: an operand is missing'],
      ['stxw [%r1+], %r0', 1, "bad.asm: line 1: cannot read operand '[%r1+]'"],
      ['lddw %r0, 0x10000000000000000', 1, 'bad.asm: line 1: immediate 0x10000000000000000 does not fit in 64 bits'],
    ])('%j', (source, line, message) => {
      const e = error(source);
      expect(e.line).toBe(line);
      expect(e.message).toBe(message);
    });
  });
});

describe('assemble on the conformance suite', () => {
  const cases = conformanceCases();

  it('gives exactly the suite’s bytes for every case', (ctx) => {
    if (skipReason(conformanceMissing(), 'conformance assembly')) return ctx.skip();
    expect(cases.length).toBe(313);
    const wrong = cases.filter((c) => hexOf(dataSections(c.name).get('asm')!) !== c.program).map((c) => c.name);
    expect(wrong).toEqual([]);
  });

  it('matches the `-- raw` words of lddw.data', (ctx) => {
    if (skipReason(conformanceMissing(), 'conformance raw words')) return ctx.skip();
    const sections = dataSections('lddw.data');
    const words = sections.get('raw')!.trim().split(/\s+/).map((w) => BigInt(w));
    const insns = assemble(sections.get('asm')!);
    const bytes = encodeInsns(insns, true);
    const view = new DataView(bytes.buffer);
    expect(words.map((_, i) => view.getBigUint64(i * 8, true))).toEqual(words);
  });

  it('formats every program back into text that assembles to the same bytes', (ctx) => {
    if (skipReason(conformanceMissing(), 'conformance format round trip')) return ctx.skip();
    for (const c of cases) {
      const insns = decodeInsns(hexBytes(c.program), true);
      expect(hexOf(formatAsm(insns)), c.name).toBe(c.program);
    }
  });
});
