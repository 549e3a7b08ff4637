import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BtfError } from '../../src/errors.js';
import { parseBtf, parseBtfExt, type Btf } from '../../src/btf/index.js';
import { skipReason } from '../helpers/env.js';
import { BtfBuilder, type Order } from './builder.js';
import { cannotCompile } from './env.js';
import { compileAndExtract, scratch } from './fixtures.js';

/** One block of ext records: record size, then [section name offset, records (as words)]. */
interface Block {
  recordSize: number;
  sections: [number, number[][]][];
}

/** Builds a .BTF.ext blob; `words` overrides header words by index (0 = magic/version/flags word). */
function extBlob(order: Order, blocks: { func?: Block; line?: Block; core?: Block }, opts: { hdrLen?: number; header?: Record<number, number> } = {}): Uint8Array {
  const hdrLen = opts.hdrLen ?? 32;
  const body: number[] = [];
  const place = (b: Block | undefined): [number, number] => {
    if (!b) return [0, 0];
    const off = body.length * 4;
    body.push(b.recordSize);
    for (const [name, records] of b.sections) {
      body.push(name, records.length);
      for (const r of records) body.push(...r, ...new Array(Math.max(0, Math.floor(b.recordSize / 4) - r.length)).fill(0xdead));
    }
    return [off, body.length * 4 - off];
  };
  const f = place(blocks.func);
  const l = place(blocks.line);
  const c = place(blocks.core);
  const header = [0, hdrLen, ...f, ...l, ...c].slice(0, hdrLen / 4);
  const bytes = new Uint8Array(hdrLen + body.length * 4);
  const dv = new DataView(bytes.buffer);
  const le = order === 'little';
  header.forEach((w, i) => dv.setUint32(i * 4, w, le));
  dv.setUint16(0, 0xeb9f, le);
  dv.setUint8(2, 1);
  for (const [i, w] of Object.entries(opts.header ?? {})) dv.setUint32(Number(i) * 4, w, le);
  body.forEach((w, i) => dv.setUint32(hdrLen + i * 4, w >>> 0, le));
  return bytes;
}

function sampleBtf(order: Order): { btf: Btf; s: Record<string, number>; ids: Record<string, number> } {
  const b = new BtfBuilder();
  const int = b.int('int', 4, 1);
  const proto = b.proto(int, [['x', int]]);
  const f = b.func('f', proto, 1);
  const g = b.func('g', proto, 0);
  const s = { text: b.str('.text'), xdp: b.str('xdp'), file: b.str('/src/a.c'), line1: b.str('int f(int x)'), line2: b.str('\treturn x;'), acc: b.str('0:1') };
  return { btf: parseBtf(b.build(order)), s, ids: { int, f, g } };
}

describe('parseBtfExt', () => {
  for (const order of ['little', 'big'] as const) {
    it(`reads func_info, line_info and core_relo records (${order}-endian)`, () => {
      const { btf, s, ids } = sampleBtf(order);
      const blob = extBlob(order, {
        func: { recordSize: 8, sections: [[s.text!, [[0, ids.g!], [64, ids.f!]]], [s.xdp!, [[0, ids.f!]]]] },
        line: { recordSize: 16, sections: [[s.xdp!, [[0, s.file!, s.line1!, (7 << 10) | 5], [16, s.file!, s.line2!, (8 << 10) | 2]]]] },
        core: { recordSize: 16, sections: [[s.xdp!, [[8, ids.int!, s.acc!, 0], [24, ids.int!, s.acc!, 12], [32, ids.int!, s.acc!, 99]]]] },
      });
      const ext = parseBtfExt(blob, btf);
      expect(ext.byteOrder).toBe(order);
      expect(ext.header).toMatchObject({ magic: 0xeb9f, version: 1, flags: 0, hdrLen: 32 });
      expect(ext.funcInfo.recordSize).toBe(8);
      expect(ext.funcInfo.sections).toEqual([
        { section: '.text', sectionNameOff: s.text, records: [{ insnOff: 0, typeId: ids.g }, { insnOff: 64, typeId: ids.f }] },
        { section: 'xdp', sectionNameOff: s.xdp, records: [{ insnOff: 0, typeId: ids.f }] },
      ]);
      expect(ext.lineInfo.sections[0]!.records[1]).toEqual({
        insnOff: 16,
        fileNameOff: s.file,
        lineOff: s.line2,
        lineCol: (8 << 10) | 2,
        file: '/src/a.c',
        line: '\treturn x;',
        lineNum: 8,
        column: 2,
      });
      expect(ext.coreRelos.sections[0]!.records.map((r) => [r.insnOff, r.accessStr, r.kind, r.kindName])).toEqual([
        [8, '0:1', 0, 'FIELD_BYTE_OFFSET'],
        [24, '0:1', 12, 'TYPE_MATCHES'],
        [32, '0:1', 99, undefined],
      ]);
    });
  }

  it('takes record sizes from the blob and skips fields it does not know', () => {
    const { btf, s, ids } = sampleBtf('little');
    const ext = parseBtfExt(extBlob('little', { func: { recordSize: 16, sections: [[s.text!, [[8, ids.f!], [24, ids.g!]]]] } }), btf);
    expect(ext.funcInfo.recordSize).toBe(16);
    expect(ext.funcInfo.sections[0]!.records).toEqual([{ insnOff: 8, typeId: ids.f }, { insnOff: 24, typeId: ids.g }]);
    expect(ext.lineInfo).toEqual({ recordSize: 0, sections: [] });
  });

  it('accepts the short header of compilers without CO-RE', () => {
    const { btf, s, ids } = sampleBtf('little');
    const ext = parseBtfExt(extBlob('little', { func: { recordSize: 8, sections: [[s.text!, [[0, ids.f!]]]] } }, { hdrLen: 24 }), btf);
    expect(ext.header.coreReloLen).toBe(0);
    expect(ext.coreRelos.sections).toEqual([]);
    expect(ext.funcInfo.sections).toHaveLength(1);
  });

  it('rejects malformed blobs with BtfError', () => {
    const { btf, s, ids } = sampleBtf('little');
    const func = (recordSize: number, records: number[][], name = s.text!): { func: Block } => ({ func: { recordSize, sections: [[name, records]] } });
    const bad = (blob: Uint8Array, msg: RegExp): void => {
      expect(() => parseBtfExt(blob, btf), String(msg)).toThrow(BtfError);
      expect(() => parseBtfExt(blob, btf)).toThrow(msg);
    };
    bad(new Uint8Array([0x9f, 0xeb, 1]), /header needs 24/);
    bad(extBlob('little', {}, { header: { 0: 0x0001abcd } }), /bad magic/);
    bad(extBlob('little', {}, { header: { 0: 0x0002eb9f } }), /version 2/);
    bad(extBlob('little', {}, { header: { 0: 0x0301eb9f } }), /unsupported flags 0x3/);
    bad(extBlob('little', {}, { hdrLen: 24, header: { 1: 16 } }), /hdr_len 16 is shorter/);
    bad(extBlob('little', {}, { header: { 1: 400 } }), /hdr_len 400 is past the end/);
    bad(extBlob('little', func(8, [[0, ids.f!]]), { header: { 2: 2 } }), /func_info: offset 2 is not 4-byte aligned/);
    bad(extBlob('little', func(8, [[0, ids.f!]]), { header: { 3: 400 } }), /func_info: offset 0 \+ 400 bytes runs past/);
    bad(extBlob('little', func(4, [[0]])), /record size 4/);
    bad(extBlob('little', func(10, [[0, ids.f!]])), /record size 10/);
    bad(extBlob('little', { func: { recordSize: 8, sections: [] } }), /no sections after the record size/);
    bad(extBlob('little', func(8, [])), /func_info section 0 '.text': no records/);
    bad(extBlob('little', func(8, [[0, ids.f!]]), { header: { 3: 16 } }), /1 records of 8 bytes do not fit in the 4 bytes left/);
    bad(extBlob('little', func(8, [[0, ids.f!]]), { header: { 3: 8 } }), /4 bytes left, a section header needs 8/);
    bad(extBlob('little', func(8, [[0, ids.f!]], 5000)), /func_info section 0: section name offset 5000 out of range/);
    bad(extBlob('little', func(8, [[0, 77]])), /func_info section 0 '.text' record 0: type id 77 out of range/);
    bad(extBlob('little', { line: { recordSize: 16, sections: [[s.xdp!, [[0, 9999, s.line1!, 0]]]] } }), /line_info .* record 0: file name offset 9999 out of range/);
    bad(extBlob('little', { core: { recordSize: 16, sections: [[s.xdp!, [[0, ids.int!, 9999, 0]]]] } }), /core_relo .* access string offset 9999 out of range/);
  });

  it('throws only BtfError on corrupted blobs', () => {
    const { btf, s, ids } = sampleBtf('little');
    const good = extBlob('little', {
      func: { recordSize: 8, sections: [[s.text!, [[0, ids.f!]]]] },
      line: { recordSize: 16, sections: [[s.xdp!, [[0, s.file!, s.line1!, 1 << 10]]]] },
      core: { recordSize: 16, sections: [[s.xdp!, [[0, ids.int!, s.acc!, 0]]]] },
    });
    let ok = 0;
    for (let i = 0; i < good.length; i++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const copy = good.slice();
        copy[i] = copy[i]! ^ flip;
        try {
          parseBtfExt(copy, btf);
          ok++;
        } catch (e) {
          expect(e).toBeInstanceOf(BtfError);
        }
      }
    }
    for (let cut = 0; cut < good.length; cut++) {
      try {
        parseBtfExt(good.subarray(0, cut), btf);
      } catch (e) {
        expect(e).toBeInstanceOf(BtfError);
      }
    }
    expect(ok).toBeGreaterThan(0);
  });
});

describe('parseBtfExt on clang output', () => {
  it('matches the ELF symbols, the source lines and the CO-RE accesses', (ctx) => {
    if (skipReason(cannotCompile(), 'clang BTF.ext test')) return ctx.skip();
    const source = readFileSync(new URL('./sources/core.c', import.meta.url), 'utf8');
    const { obj, btf: raw, ext: rawExt } = compileAndExtract(scratch(), 'core', source);
    const btf = parseBtf(raw);
    const ext = parseBtfExt(rawExt!, btf);
    expect(ext.funcInfo.recordSize).toBe(8);
    expect(ext.lineInfo.recordSize).toBe(16);
    expect(ext.coreRelos.recordSize).toBe(16);

    // func_info: one record per function, at its symbol's value, naming its FUNC.
    const symbols = execFileSync('llvm-readelf', ['-s', '-W', obj], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[3] === 'FUNC')
      .map((f) => [f[7], parseInt(f[1]!, 16)]);
    const funcs = ext.funcInfo.sections.flatMap((sec) => sec.records.map((r) => [btf.typeOf(r.typeId, 'FUNC').name, r.insnOff]));
    expect(funcs.sort()).toEqual(symbols.sort());
    expect(ext.funcInfo.sections.map((s) => s.section)).toEqual(['kprobe/a', '.text', 'tracepoint/b']);

    // line_info: the stored text is the source line the number points at.
    const lines = source.split('\n');
    const all = ext.lineInfo.sections.flatMap((s) => s.records);
    expect(all.length).toBeGreaterThan(5);
    for (const l of all) {
      expect(l.file.endsWith('core.c')).toBe(true);
      expect(l.line).toBe(lines[l.lineNum - 1]);
      expect(l.column).toBeLessThanOrEqual(l.line.length + 1);
    }

    // CO-RE: t->inner.b at insn 0, t->pid at insn 1, the bitfield at insn 4; type and enum checks in prog_b.
    const core = Object.fromEntries(ext.coreRelos.sections.map((s) => [s.section, s.records.map((r) => [r.insnOff / 8, r.kindName, r.accessStr, btf.name(r.typeId)])]));
    expect(core).toEqual({
      'kprobe/a': [
        [0, 'FIELD_BYTE_OFFSET', '0:1:1', 'task'],
        [1, 'FIELD_BYTE_OFFSET', '0:0', 'task'],
        [4, 'FIELD_BYTE_OFFSET', '0:2', 'task'],
      ],
      'tracepoint/b': [
        [0, 'TYPE_EXISTS', '0', 'task'],
        [1, 'TYPE_SIZE', '0', 'task'],
        [3, 'ENUMVAL_EXISTS', '1', 'state'],
      ],
    });
  });
});

describe('parseBtfExt with split BTF strings', () => {
  it('resolves strings that live in the base', () => {
    const baseB = new BtfBuilder();
    baseB.int('int', 4, 1);
    const secName = baseB.str('.text');
    const base = parseBtf(baseB.build());
    const splitB = new BtfBuilder(baseB.typeEnd, baseB.strEnd);
    const f = splitB.func('f', splitB.proto(1, []), 1);
    const split = parseBtf(splitB.build(), { base });
    const ext = parseBtfExt(extBlob('little', { func: { recordSize: 8, sections: [[secName, [[0, f]]]] } }), split);
    expect(ext.funcInfo.sections[0]).toMatchObject({ section: '.text', records: [{ typeId: f }] });
  });
});
