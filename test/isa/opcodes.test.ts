import { describe, expect, it } from 'vitest';
import { OPCODES, lookupOpcode, opcodeByName, opcodeRows, printedAs } from '../../src/isa/opcodes.js';
import { sampleInsn } from './samples.js';

describe('the opcode table', () => {
  it('names every row once', () => {
    const names = OPCODES.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of OPCODES) expect(opcodeByName(s.name)).toBe(s);
  });

  it('tells rows sharing an opcode apart by one field, each value once', () => {
    const codes = new Set(OPCODES.map((s) => s.code));
    for (const code of codes) {
      const rows = opcodeRows(code);
      if (rows.length === 1) continue;
      const fields = new Set(rows.map((r) => r.select?.field));
      expect(fields.size, `0x${code.toString(16)}`).toBe(1);
      expect(fields.has(undefined), `0x${code.toString(16)}`).toBe(false);
      const values = rows.map((r) => r.select!.value);
      expect(new Set(values).size, `0x${code.toString(16)}`).toBe(values.length);
      expect(rows.filter((r) => r.fallback).length, `0x${code.toString(16)}`).toBeLessThanOrEqual(1);
    }
  });

  it('finds each row from an instruction that is it', () => {
    for (const s of OPCODES) expect(lookupOpcode(sampleInsn(s))?.name).toBe(s.name);
  });

  it('has the real on-wire opcodes', () => {
    const codeOf = (name: string) => opcodeByName(name)?.code;
    expect(codeOf('add64_imm')).toBe(0x07);
    expect(codeOf('add32_reg')).toBe(0x0c);
    expect(codeOf('mov64_imm')).toBe(0xb7);
    expect(codeOf('mov32_imm')).toBe(0xb4);
    expect(codeOf('sdiv64_reg')).toBe(0x3f);
    expect(codeOf('smod32_imm')).toBe(0x94);
    expect(codeOf('movsx64_32')).toBe(0xbf);
    expect(codeOf('neg64')).toBe(0x87);
    expect(codeOf('be32')).toBe(0xdc);
    expect(codeOf('le16')).toBe(0xd4);
    expect(codeOf('bswap64')).toBe(0xd7);
    expect(codeOf('ja')).toBe(0x05);
    expect(codeOf('gotol')).toBe(0x06);
    expect(codeOf('jeq_imm')).toBe(0x15);
    expect(codeOf('jsle32_reg')).toBe(0xde);
    expect(codeOf('call_helper')).toBe(0x85);
    expect(codeOf('callx')).toBe(0x8d);
    expect(codeOf('exit')).toBe(0x95);
    expect(codeOf('lddw_map_value')).toBe(0x18);
    expect(codeOf('ldabsb')).toBe(0x30);
    expect(codeOf('ldindh')).toBe(0x48);
    expect(codeOf('ldxdw')).toBe(0x79);
    expect(codeOf('ldxsb')).toBe(0x91);
    expect(codeOf('stw')).toBe(0x62);
    expect(codeOf('stxdw')).toBe(0x7b);
    expect(codeOf('lock_add_w')).toBe(0xc3);
    expect(codeOf('atomic_cmpxchg_dw')).toBe(0xdb);
    expect(codeOf('load_acquire_b')).toBe(0xd3);
    expect(codeOf('store_release_h')).toBe(0xcb);
    expect(codeOf('may_goto')).toBe(0xe5);
  });

  it('selects variants by the field the ISA uses', () => {
    const at = (code: number, f: Partial<Record<'dst' | 'src' | 'off' | 'imm', number>>) => lookupOpcode({ code, dst: 0, src: 0, off: 0, imm: 0, ...f })?.name;
    expect(at(0x3f, { off: 0 })).toBe('div64_reg');
    expect(at(0x3f, { off: 1 })).toBe('sdiv64_reg');
    expect(at(0xbf, { off: 8 })).toBe('movsx64_8');
    expect(at(0xbc, { off: 32 })).toBeUndefined();
    expect(at(0xdb, { imm: 0x01 })).toBe('atomic_fetch_add_dw');
    expect(at(0xdb, { imm: 0xe1 })).toBe('atomic_xchg_dw');
    expect(at(0xc3, { imm: 0xf1 })).toBe('atomic_cmpxchg_w');
    expect(at(0xdb, { imm: 0x02 })).toBeUndefined();
    expect(at(0x85, { src: 2 })).toBe('call_kfunc');
    expect(at(0x18, { src: 6 })).toBe('lddw_map_idx_value');
    expect(at(0xd7, { imm: 32 })).toBe('bswap32');
  });

  it('knows what the kernel prints an unknown variant as', () => {
    expect(printedAs({ code: 0x3f, dst: 1, src: 2, off: 7, imm: 0 })?.name).toBe('div64_reg');
    expect(printedAs({ code: 0x85, dst: 0, src: 5, off: 0, imm: 1 })?.name).toBe('call_helper');
    expect(printedAs({ code: 0xdb, dst: 0, src: 0, off: 0, imm: 2 })).toBeUndefined();
  });

  it('says how control leaves jumps, calls and exits', () => {
    expect(opcodeByName('ja')).toMatchObject({ flow: 'goto', target: 'off' });
    expect(opcodeByName('gotol')).toMatchObject({ flow: 'goto', target: 'imm' });
    expect(opcodeByName('jne32_reg')).toMatchObject({ flow: 'cond', target: 'off' });
    expect(opcodeByName('call_local')?.flow).toBe('call');
    expect(opcodeByName('exit')?.flow).toBe('exit');
    expect(opcodeByName('stxw')?.flow).toBe('next');
  });
});
