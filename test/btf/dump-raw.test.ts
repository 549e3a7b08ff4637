import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpBtfRaw, dumpBtfRawJson, parseBtf, type Btf } from '../../src/btf/index.js';
import { dumpBtfRawBytes } from '../../src/btf/dump-raw-bytes.js';
import { missing, OBJECTS, skipReason } from '../helpers/env.js';
import { BtfBuilder, K } from './builder.js';
import { cannotCompile } from './env.js';
import { compileAndExtract, extractBtf, kitchenSink, scratch } from './fixtures.js';

const GOLDEN = new URL('./golden/', import.meta.url);

/** bpftool's output for a file, or undefined (with the reason printed) when it cannot run. */
function bpftool(args: string[], what: string): string | undefined {
  if (skipReason(missing({ bpftool: true }), what)) return undefined;
  const r = spawnSync('bpftool', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`bpftool ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The byte-built dump (what the CLI prints) as text. */
function rawBytesText(btf: Btf): string {
  return new TextDecoder().decode(dumpBtfRawBytes(btf));
}

/** Our four forms next to bpftool's, for a file bpftool reads and the Btf we parsed from it. */
function compareAll(file: string, btf: Btf, what: string): boolean {
  const text = bpftool(['btf', 'dump', 'file', file], what);
  if (text === undefined) return false;
  expect(dumpBtfRaw(btf)).toBe(text);
  expect(rawBytesText(btf)).toBe(text);
  expect(dumpBtfRawJson(btf)).toBe(bpftool(['-j', 'btf', 'dump', 'file', file], what));
  expect(dumpBtfRawJson(btf, { pretty: true })).toBe(bpftool(['-p', 'btf', 'dump', 'file', file], what));
  return true;
}

describe('dumpBtfRaw: golden files from bpftool', () => {
  const btf = parseBtf(kitchenSink().bytes);
  for (const [name, render] of [
    ['kitchen-sink.txt', () => dumpBtfRaw(btf)],
    ['kitchen-sink.json', () => dumpBtfRawJson(btf)],
    ['kitchen-sink.pretty.json', () => dumpBtfRawJson(btf, { pretty: true })],
  ] as const) {
    it(`matches ${name}`, () => {
      expect(render()).toBe(readFileSync(new URL(name, GOLDEN), 'utf8'));
    });
  }

  it('reads the golden blob to the same BTF as the builder makes today', () => {
    expect(Buffer.from(readFileSync(new URL('kitchen-sink.btf', GOLDEN))).equals(Buffer.from(kitchenSink().bytes))).toBe(true);
  });
});

describe('dumpBtfRaw against bpftool', () => {
  it('matches on raw BTF blobs of every kind, both byte orders', (ctx) => {
    const dir = scratch();
    for (const order of ['little', 'big'] as const) {
      const file = join(dir, `sink-${order}.btf`);
      const { bytes } = kitchenSink(order);
      writeFileSync(file, bytes);
      if (!compareAll(file, parseBtf(bytes), 'bpftool raw BTF comparison')) return ctx.skip();
    }
  });

  it('matches on names bpftool escapes in JSON and on odd values', (ctx) => {
    const b = new BtfBuilder();
    const int = b.int('int', 4, 1);
    b.composite(K.STRUCT, 'quo"te\\back\ttab', 4, [['new\nline', int, 0]]);
    b.enum('e', 4, [['MIN', 0x80000000], ['MAX', 0x7fffffff]], true);
    b.enum('u', 4, [['HI', 0x80000000], ['ALL', 0xffffffff]]);
    b.enum64('e64', 8, [['N', -1n], ['M', 2n ** 63n]], true);
    b.enum64('u64', 8, [['N', -1n], ['M', 2n ** 63n]]);
    b.raw(b.str('oddfunc'), K.FUNC, 7, false, b.proto(int, []));
    b.raw(b.str('oddvar'), K.VAR, 0, false, int, 9);
    b.raw(0, K.DECL_TAG, 0, false, int, 5);
    b.int('utf8_ünïcode', 4, 0);
    const file = join(scratch(), 'odd.btf');
    const bytes = b.build();
    writeFileSync(file, bytes);
    if (!compareAll(file, parseBtf(bytes), 'bpftool odd-value comparison')) return ctx.skip();
  });

  it('matches on split BTF, printing only the split part', (ctx) => {
    const baseB = new BtfBuilder();
    const int = baseB.int('int', 4, 1);
    baseB.var('v', int, 1);
    const dir = scratch();
    const baseFile = join(dir, 'base.btf');
    const baseBytes = baseB.build();
    writeFileSync(baseFile, baseBytes);
    const base = parseBtf(baseBytes);
    const s = new BtfBuilder(baseB.typeEnd, baseB.strEnd);
    const p = s.ref(K.PTR, int);
    s.composite(K.STRUCT, 'm', 8, [['p', p, 0]]);
    s.datasec('.data', 4, [[2, 0, 4]]);
    const splitFile = join(dir, 'split.btf');
    const bytes = s.build();
    writeFileSync(splitFile, bytes);
    const split = parseBtf(bytes, { base });
    const text = bpftool(['btf', 'dump', '--base-btf', baseFile, 'file', splitFile], 'bpftool split comparison');
    if (text === undefined) return ctx.skip();
    expect(dumpBtfRaw(split)).toBe(text);
    expect(rawBytesText(split)).toBe(text);
    expect(dumpBtfRawJson(split, { pretty: true })).toBe(bpftool(['-p', 'btf', 'dump', '--base-btf', baseFile, 'file', splitFile], 'split'));
  });

  it('matches on the BTF clang emits, as bpftool reads it from the object file', (ctx) => {
    if (skipReason(cannotCompile(), 'clang dump comparison')) return ctx.skip();
    const dir = scratch();
    for (const source of ['sink.c', 'core.c', 'sig.c']) {
      const { obj, btf } = compileAndExtract(dir, source.replace('.c', ''), readFileSync(new URL(`./sources/${source}`, import.meta.url), 'utf8'));
      if (!compareAll(obj, parseBtf(btf), 'bpftool object comparison')) return ctx.skip();
    }
  });

  it('matches on every object in objects/', (ctx) => {
    const objects = existsSync(OBJECTS) ? readdirSync(OBJECTS).filter((f) => f.endsWith('.o')) : [];
    if (skipReason(objects.length ? cannotCompile() : 'objects/ has no .o files yet', 'objects/ dump comparison')) return ctx.skip();
    const dir = scratch();
    for (const o of objects) {
      const file = join(OBJECTS, o);
      if (!compareAll(file, parseBtf(extractBtf(dir, file).btf), 'objects/ dump comparison')) return ctx.skip();
    }
  });

  it('matches on vmlinux byte for byte', (ctx) => {
    const path = '/sys/kernel/btf/vmlinux';
    if (skipReason(missing({ file: path }), 'vmlinux dump comparison')) return ctx.skip();
    const btf = parseBtf(readFileSync(path));
    const text = dumpBtfRaw(btf);
    const json = dumpBtfRawJson(btf);
    const pretty = dumpBtfRawJson(btf, { pretty: true });
    const want = bpftool(['btf', 'dump', 'file', path], 'vmlinux dump comparison');
    if (want === undefined) return ctx.skip();
    // toBe on 12 MB strings prints unusable diffs; compare, then show the first difference.
    const firstDiff = (a: string, b: string): string => {
      if (a === b) return 'same';
      let i = 0;
      while (a[i] === b[i]) i++;
      return `differs at ${i}: ours ${JSON.stringify(a.slice(i - 40, i + 40))} bpftool ${JSON.stringify(b.slice(i - 40, i + 40))}`;
    };
    expect(firstDiff(text, want)).toBe('same');
    expect(firstDiff(rawBytesText(btf), want)).toBe('same');
    expect(firstDiff(json, bpftool(['-j', 'btf', 'dump', 'file', path], 'vmlinux')!)).toBe('same');
    expect(firstDiff(pretty, bpftool(['-p', 'btf', 'dump', 'file', path], 'vmlinux')!)).toBe('same');
  });
});

describe('dumpBtfRaw options', () => {
  it('reads a blob that does not start on a 4-byte boundary (its words copied) as one that does', () => {
    for (const order of ['little', 'big'] as const) {
      const { bytes } = kitchenSink(order);
      const shifted = new Uint8Array(bytes.length + 1);
      shifted.set(bytes, 1);
      expect(dumpBtfRaw(parseBtf(shifted.subarray(1)))).toBe(dumpBtfRaw(parseBtf(bytes)));
    }
  });

  it('dumps only the given ids, in the given order', () => {
    const btf = parseBtf(kitchenSink().bytes);
    expect(dumpBtfRaw(btf, { ids: [2, 1] })).toBe(
      "[2] INT 'unsigned int' size=4 bits_offset=0 nr_bits=32 encoding=(none)\n[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n",
    );
    expect(dumpBtfRawJson(btf, { ids: [] })).toBe('{"types":[]}\n');
    expect(dumpBtfRawJson(btf, { ids: [], pretty: true })).toBe('{\n    "types": []\n}\n');
  });
});
