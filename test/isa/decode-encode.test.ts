import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InsnError } from '../../src/errors.js';
import { decodeInsns } from '../../src/isa/decode.js';
import { encodeInsns } from '../../src/isa/encode.js';
import { OPCODES, lookupOpcode } from '../../src/isa/opcodes.js';
import { validateInsns } from '../../src/isa/validate.js';
import { SHARED, missing, skipReason } from '../helpers/env.js';
import { hexToBytes, sampleSlots } from './samples.js';

describe('decodeInsns / encodeInsns', () => {
  it('decodes the fields of a little-endian slot, off and imm signed', () => {
    const bytes = hexToBytes('7b1af8ff00000000' + 'b7010000feffffff');
    expect(decodeInsns(bytes, true)).toEqual([
      { code: 0x7b, dst: 10, src: 1, off: -8, imm: 0 },
      { code: 0xb7, dst: 1, src: 0, off: 0, imm: -2 },
    ]);
  });

  it('swaps the register nibbles and byte order for big-endian objects', () => {
    const bytes = hexToBytes('7ba1fff800000000' + 'b710000000000005');
    expect(decodeInsns(bytes, false)).toEqual([
      { code: 0x7b, dst: 10, src: 1, off: -8, imm: 0 },
      { code: 0xb7, dst: 1, src: 0, off: 0, imm: 5 },
    ]);
  });

  it('decodes a view into a larger buffer at its own offset', () => {
    const backing = hexToBytes('ffffffff' + '9500000000000000');
    expect(decodeInsns(backing.subarray(4), true)).toEqual([{ code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }]);
  });

  it('round-trips every row of the table in both byte orders', () => {
    for (const spec of OPCODES) {
      const slots = sampleSlots(spec);
      for (const le of [true, false]) {
        const bytes = encodeInsns(slots, le);
        expect(bytes.length).toBe(8 * spec.slots);
        expect(decodeInsns(bytes, le), `${spec.name} ${le ? 'le' : 'be'}`).toEqual(slots);
        expect(encodeInsns(decodeInsns(bytes, le), le)).toEqual(bytes);
      }
      expect(() => validateInsns(slots), spec.name).not.toThrow();
    }
  });

  it('refuses a length that is not whole slots', () => {
    expect(() => decodeInsns(new Uint8Array(12), true)).toThrow(InsnError);
  });

  it('refuses out-of-range fields, naming the slot', () => {
    const ok = { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 };
    for (const bad of [{ code: 256 }, { dst: 16 }, { src: -1 }, { off: 0x8000 }, { imm: 0x80000000 }, { imm: 1.5 }]) {
      try {
        encodeInsns([ok, { ...ok, ...bad }], true);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(InsnError);
        expect((e as InsnError).context.pc).toBe(1);
      }
    }
  });

  it('round-trips and recognises every program of the conformance suite', (ctx) => {
    const file = join(SHARED, 'conformance', 'conformance.json');
    if (skipReason(missing({ file }), 'conformance round trip')) return ctx.skip();
    const cases = JSON.parse(readFileSync(file, 'utf8')) as { name: string; program: string }[];
    for (const c of cases) {
      const bytes = hexToBytes(c.program);
      const insns = decodeInsns(bytes, true);
      expect(encodeInsns(insns, true), c.name).toEqual(bytes);
      for (let pc = 0; pc < insns.length; pc++) {
        const spec = lookupOpcode(insns[pc]!);
        expect(spec, `${c.name} pc ${pc}`).toBeDefined();
        if (spec!.slots === 2) pc++;
      }
    }
  });
});

describe('validateInsns', () => {
  const insn = (code: number, f: Partial<Record<'dst' | 'src' | 'off' | 'imm', number>> = {}) => ({ code, dst: 0, src: 0, off: 0, imm: 0, ...f });

  it('accepts a small program', () => {
    expect(() => validateInsns([insn(0xb7, { imm: 1 }), insn(0x18, { dst: 1, imm: 5 }), insn(0), insn(0x95)])).not.toThrow();
  });

  it.each([
    ['an unknown opcode', [insn(0xff)], 0, /unknown opcode 0xff/],
    ['an unknown atomic', [insn(0xdb, { imm: 2 })], 0, /unknown opcode 0xdb with imm 2/],
    ['a reserved field set', [insn(0x07, { dst: 1, off: 3 })], 0, /add64_imm must have off 0/],
    ['r11', [insn(0xbf, { dst: 11, src: 1 })], 0, /r11/],
    ['a cut-off ld_imm64', [insn(0x95), insn(0x18, { dst: 1 })], 1, /second slot is missing/],
    ['a bad second slot', [insn(0x18, { dst: 1 }), insn(0x95)], 1, /second slot/],
  ])('refuses %s', (_what, insns, pc, message) => {
    try {
      validateInsns(insns);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InsnError);
      expect((e as InsnError).message).toMatch(message);
      expect((e as InsnError).context.pc).toBe(pc);
    }
  });
});
