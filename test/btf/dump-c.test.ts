import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BtfError } from '../../src/errors.js';
import { dumpBtfC, parseBtf } from '../../src/btf/index.js';
import { missing, OBJECTS, skipReason } from '../helpers/env.js';
import { BtfBuilder, K } from './builder.js';
import { cannotCompile } from './env.js';
import { compileAndExtract, extractBtf, kitchenSink, scratch } from './fixtures.js';

/** bpftool's `format c` for a file, or undefined (reason printed) when bpftool is missing. */
function bpftoolC(file: string, extra: string[] = []): string | undefined {
  if (skipReason(missing({ bpftool: true }), 'bpftool format c comparison')) return undefined;
  const r = spawnSync('bpftool', ['btf', 'dump', ...extra, 'file', file, 'format', 'c'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`bpftool format c ${file}: ${r.stderr}`);
  return r.stdout;
}

/** Equality of big texts without a megabyte diff: the first differing line. */
function firstDiff(ours: string, want: string): string {
  if (ours === want) return 'same';
  const a = ours.split('\n');
  const b = want.split('\n');
  let i = 0;
  while (a[i] === b[i]) i++;
  return `line ${i + 1}: ours ${JSON.stringify(a.slice(i, i + 3))} bpftool ${JSON.stringify(b.slice(i, i + 3))}`;
}

describe('dumpBtfC', () => {
  it('matches the bpftool golden file for every kind', () => {
    const btf = parseBtf(kitchenSink().bytes);
    expect(dumpBtfC(btf)).toBe(readFileSync(new URL('./golden/kitchen-sink.h', import.meta.url), 'utf8'));
  });

  it('dumps only the requested types and what they need', () => {
    const b = new BtfBuilder();
    const int = b.int('int', 4, 1);
    const inner = b.composite(K.STRUCT, 'inner', 4, [['x', int, 0]]);
    const outer = b.composite(K.STRUCT, 'outer', 8, [['in', inner, 0], ['p', b.ref(K.PTR, b.composite(K.STRUCT, 'later', 4, [['y', int, 0]])), 64]]);
    b.composite(K.STRUCT, 'unrelated', 4, [['z', int, 0]]);
    const text = dumpBtfC(parseBtf(b.build()), { ids: [outer] });
    expect(text).toContain('struct inner {\n\tint x;\n};\n\nstruct later;\n\nstruct outer {\n\tstruct inner in;\n\tstruct later *p;\n};\n\n');
    expect(text).not.toContain('unrelated');
    expect(() => dumpBtfC(parseBtf(b.build()), { ids: [99] })).toThrow(/type id 99 out of range/);
  });

  it('breaks pointer cycles with forward declarations', () => {
    const b = new BtfBuilder();
    const int = b.int('int', 4, 1);
    // struct a { struct b *b; }; struct b { struct a a; int n; };
    b.composite(K.STRUCT, 'a', 8, [['b', 4, 0]]);
    b.composite(K.STRUCT, 'b', 16, [['a', 2, 0], ['n', int, 64]]);
    b.ref(K.PTR, 3);
    expect(dumpBtfC(parseBtf(b.build()))).toContain('struct b;\n\nstruct a {\n\tstruct b *b;\n};\n\nstruct b {\n\tstruct a a;\n\tint n;\n};\n\n');
  });

  it('throws BtfError on cycles no declaration order can satisfy', () => {
    const embed = new BtfBuilder();
    embed.composite(K.STRUCT, 'a', 4, [['b', 2, 0]]);
    embed.composite(K.STRUCT, 'b', 4, [['a', 1, 0]]);
    expect(() => dumpBtfC(parseBtf(embed.build()))).toThrow(/unsatisfiable type cycle, id:\[1\]/);

    const ptr = new BtfBuilder();
    ptr.ref(K.PTR, 1);
    expect(() => dumpBtfC(parseBtf(ptr.build()))).toThrow(BtfError);

    const proto = new BtfBuilder();
    proto.proto(2, [['f', 2]]);
    proto.ref(K.PTR, 1);
    expect(() => dumpBtfC(parseBtf(proto.build()))).toThrow(/reference loop/);

    const qual = new BtfBuilder();
    qual.ref(K.CONST, 2);
    qual.ref(K.VOLATILE, 1);
    expect(() => dumpBtfC(parseBtf(qual.build()))).toThrow(BtfError);
  });

  it('throws only BtfError on corrupted BTF', () => {
    const good = kitchenSink().bytes;
    for (let i = 24; i < good.length; i += 2) {
      const copy = good.slice();
      copy[i] = copy[i]! ^ 0x5a;
      let btf;
      try {
        btf = parseBtf(copy);
      } catch (e) {
        expect(e).toBeInstanceOf(BtfError);
        continue;
      }
      try {
        dumpBtfC(btf);
      } catch (e) {
        expect(e).toBeInstanceOf(BtfError);
      }
    }
  });

  it('survives nesting deeper than the walk allows', () => {
    const b = new BtfBuilder();
    let prev = b.int('int', 4, 1);
    for (let i = 0; i < 5000; i++) prev = b.composite(K.STRUCT, '', 4, [['m', prev, 0]]);
    b.composite(K.STRUCT, 'deep', 4, [['m', prev, 0]]);
    expect(() => dumpBtfC(parseBtf(b.build()))).toThrow(BtfError);
  });
});

describe('dumpBtfC against bpftool', () => {
  it('matches on clang objects', (ctx) => {
    if (skipReason(cannotCompile(), 'clang format c comparison')) return ctx.skip();
    const dir = scratch();
    for (const source of ['sink.c', 'core.c', 'sig.c', 'layout.c']) {
      const { obj, btf } = compileAndExtract(dir, source.replace('.c', ''), readFileSync(new URL(`./sources/${source}`, import.meta.url), 'utf8'));
      const want = bpftoolC(obj);
      if (want === undefined) return ctx.skip();
      expect(firstDiff(dumpBtfC(parseBtf(btf)), want), source).toBe('same');
    }
  });

  it('matches on every object in objects/', (ctx) => {
    const objects = existsSync(OBJECTS) ? readdirSync(OBJECTS).filter((f) => f.endsWith('.o')) : [];
    if (skipReason(objects.length ? cannotCompile() : 'objects/ has no .o files yet', 'objects/ format c comparison')) return ctx.skip();
    const dir = scratch();
    for (const o of objects) {
      const want = bpftoolC(join(OBJECTS, o));
      if (want === undefined) return ctx.skip();
      expect(firstDiff(dumpBtfC(parseBtf(extractBtf(dir, join(OBJECTS, o)).btf)), want), o).toBe('same');
    }
  });

  it('matches on split BTF (base types included, as bpftool prints them)', (ctx) => {
    const baseB = new BtfBuilder();
    const int = baseB.int('int', 4, 1);
    baseB.composite(K.STRUCT, 'task', 4, [['pid', int, 0]]);
    const dir = scratch();
    const baseBytes = baseB.build();
    writeFileSync(join(dir, 'base.btf'), baseBytes);
    const s = new BtfBuilder(baseB.typeEnd, baseB.strEnd);
    s.composite(K.STRUCT, 'mod', 16, [['t', s.ref(K.PTR, 2), 0], ['n', int, 64]]);
    const bytes = s.build();
    writeFileSync(join(dir, 'split.btf'), bytes);
    const want = bpftoolC(join(dir, 'split.btf'), ['--base-btf', join(dir, 'base.btf')]);
    if (want === undefined) return ctx.skip();
    expect(dumpBtfC(parseBtf(bytes, { base: parseBtf(baseBytes) }))).toBe(want);
  });

  it('matches on vmlinux byte for byte', (ctx) => {
    const path = '/sys/kernel/btf/vmlinux';
    if (skipReason(missing({ file: path }), 'vmlinux format c comparison')) return ctx.skip();
    const btf = parseBtf(readFileSync(path));
    const ours = dumpBtfC(btf);
    const want = bpftoolC(path);
    if (want === undefined) return ctx.skip();
    expect(firstDiff(ours, want)).toBe('same');
  });
});
