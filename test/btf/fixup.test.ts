import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BtfError } from '../../src/errors.js';
import { type Btf, fixDatasecs, parseBtf } from '../../src/btf/index.js';
import { missing, skipReason } from '../helpers/env.js';
import { BtfBuilder, K } from './builder.js';
import { cannotCompile } from './env.js';
import { compileAndExtract, extractBtf, scratch } from './fixtures.js';

function sample(): { btf: Btf; ids: Record<string, number> } {
  const b = new BtfBuilder();
  const int = b.int('int', 4, 1);
  const long = b.int('long', 8, 1);
  const a = b.var('a', int, 1);
  const bb = b.var('b', long, 1);
  const s = b.var('s', int, 0);
  const h = b.var('h', int, 1);
  const data = b.datasec('.data', 0, [[a, 0, 4], [bb, 0, 8], [s, 20, 4], [h, 0, 4]]);
  const kc = b.var('CONFIG_X', int, 2);
  const kconfig = b.datasec('.kconfig', 8, [[kc, 4, 4], [kc, 0, 4]]);
  const sized = b.datasec('.rodata', 16, [[bb, 8, 8], [a, 0, 4]]);
  b.ref(K.PTR, int);
  return { btf: parseBtf(b.build()), ids: { int, a, bb, s, h, data, kconfig, sized } };
}

describe('fixDatasecs', () => {
  const facts = {
    sectionSize: (name: string) => ({ '.data': 24, '.rodata': 16 })[name],
    symbol: (name: string) => ({ a: { offset: 16, hidden: false }, b: { offset: 8, hidden: false }, h: { offset: 0, hidden: true } })[name],
  };

  it('sets sizes and global offsets from the ELF facts, sorts, hides hidden symbols', () => {
    const { btf, ids } = sample();
    const fixed = fixDatasecs(btf, facts);
    expect(fixed.typeOf(ids.data!, 'DATASEC')).toMatchObject({
      size: 24,
      vars: [
        { type: ids.h, offset: 0, size: 4 },
        { type: ids.bb, offset: 8, size: 8 },
        { type: ids.a, offset: 16, size: 4 },
        { type: ids.s, offset: 20, size: 4 },
      ],
    });
    expect(fixed.typeOf(ids.h!, 'VAR').linkage).toBe(0);
    expect(fixed.typeOf(ids.a!, 'VAR').linkage).toBe(1);
    // Already sized and extern sections are only sorted.
    expect(fixed.typeOf(ids.kconfig!, 'DATASEC').vars.map((v) => v.offset)).toEqual([0, 4]);
    expect(fixed.typeOf(ids.sized!, 'DATASEC')).toMatchObject({ size: 16, vars: [{ offset: 0 }, { offset: 8 }] });
  });

  it('leaves the original untouched and every other type as it was', () => {
    const { btf, ids } = sample();
    const fixed = fixDatasecs(btf, facts);
    expect(btf.typeOf(ids.data!, 'DATASEC').size).toBe(0);
    expect(btf.typeOf(ids.h!, 'VAR').linkage).toBe(1);
    expect(fixed.type(ids.int!)).toStrictEqual(btf.type(ids.int!));
    expect(fixed.types.filter((t) => t.kind !== 'DATASEC' && t.id !== ids.h)).toStrictEqual(btf.types.filter((t) => t.kind !== 'DATASEC' && t.id !== ids.h));
    expect(fixed.typeCount).toBe(btf.typeCount);
    expect(fixed.findOne('h', 'VAR')!.linkage).toBe(0);
  });

  it('checks symbols and hides variables in DATASECs the linker already sized', () => {
    const b = new BtfBuilder();
    const int = b.int('int', 4, 1);
    const g = b.var('g', int, 1);
    const h = b.var('h', int, 1);
    const sec = b.datasec('.data', 8, [[h, 4, 4], [g, 0, 4]]);
    const btf = parseBtf(b.build());
    const fixed = fixDatasecs(btf, { sectionSize: () => 99, symbol: (n) => ({ g: { offset: 40, hidden: false }, h: { offset: 44, hidden: true } })[n] });
    expect(fixed.typeOf(sec, 'DATASEC')).toMatchObject({ size: 8, vars: [{ type: g, offset: 0 }, { type: h, offset: 4 }] });
    expect(fixed.typeOf(h, 'VAR').linkage).toBe(0);
    expect(() => fixDatasecs(btf, { sectionSize: () => 99, symbol: () => undefined })).toThrow(/no symbol for variable 'h'/);
  });

  it('refuses a DATASEC without a section or a variable without a symbol', () => {
    const { btf } = sample();
    expect(() => fixDatasecs(btf, { ...facts, sectionSize: () => undefined })).toThrow(/DATASEC \[\d+\] '.data': no ELF section/);
    expect(() => fixDatasecs(btf, { ...facts, symbol: () => undefined })).toThrow(BtfError);
    expect(() => fixDatasecs(btf, { ...facts, symbol: () => undefined })).toThrow(/no symbol for variable 'a'/);
    const b = new BtfBuilder();
    const i = b.int('int', 4);
    b.datasec('.data', 0, [[i, 0, 4]]);
    expect(() => fixDatasecs(parseBtf(b.build()), facts)).toThrow(/entry 0 is INT \[1\], not a VAR/);
  });
});

/** Section sizes and symbol values of an object, read with llvm-readelf. */
function elfFacts(obj: string): { sections: Map<string, number>; symbols: Map<string, { offset: number; hidden: boolean }> } {
  const sections = new Map<string, number>();
  for (const m of execFileSync('llvm-readelf', ['-S', '-W', obj], { encoding: 'utf8' }).matchAll(/\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)/g)) {
    sections.set(m[1]!, parseInt(m[2]!, 16));
  }
  const symbols = new Map<string, { offset: number; hidden: boolean }>();
  for (const line of execFileSync('llvm-readelf', ['-s', '-W', obj], { encoding: 'utf8' }).split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 8 && f[3] === 'OBJECT') symbols.set(f[7]!, { offset: parseInt(f[1]!, 16), hidden: f[5] === 'HIDDEN' || f[5] === 'INTERNAL' });
  }
  return { sections, symbols };
}

/** Per DATASEC name: its size and its variables' names, offsets and sizes. */
function layout(btf: Btf): Record<string, unknown> {
  return Object.fromEntries(btf.ofKind('DATASEC').map((d) => [d.name, { size: d.size, vars: d.vars.map((v) => [btf.name(v.type), v.offset, v.size]) }]));
}

describe('fixDatasecs against the BPF static linker', () => {
  it('lays out DATASECs as `bpftool gen object` does', (ctx) => {
    if (skipReason(cannotCompile() ?? missing({ bpftool: true }), 'fixup oracle test')) return ctx.skip();
    const dir = scratch();
    const { obj, btf: raw } = compileAndExtract(dir, 'sink', readFileSync(new URL('./sources/sink.c', import.meta.url), 'utf8'));
    const { sections, symbols } = elfFacts(obj);
    const ours = fixDatasecs(parseBtf(raw), { sectionSize: (n) => sections.get(n), symbol: (n) => symbols.get(n) });
    const linked = join(dir, 'linked.o');
    execFileSync('bpftool', ['gen', 'object', linked, obj]);
    expect(layout(ours)).toEqual(layout(parseBtf(extractBtf(dir, linked).btf)));
  });
});
