import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BtfError } from '../../src/errors.js';
import { funcSignature, parseBtf } from '../../src/btf/index.js';
import { missing, skipReason } from '../helpers/env.js';
import { BtfBuilder, K } from './builder.js';
import { cannotCompile } from './env.js';
import { compileAndExtract, scratch } from './fixtures.js';

describe('funcSignature', () => {
  const b = new BtfBuilder();
  const int = b.int('int', 4, 1);
  const char = b.int('char', 1, 1);
  const long = b.int('long', 8, 1);
  const s = b.composite(K.STRUCT, 'xdp_md', 8, []);
  const ps = b.ref(K.PTR, s);
  const u = b.composite(K.UNION, 'u', 4, []);
  const e = b.enum('color', 4, [['RED', 0]]);
  const e64 = b.enum64('big', 8, [['B', 1n]]);
  const fwd = b.fwd('later', true);
  const td = b.ref(K.TYPEDEF, long, 'u64_t');
  const cchar = b.ref(K.CONST, char);
  const pcc = b.ref(K.PTR, cchar);
  const cp = b.ref(K.CONST, b.ref(K.PTR, char));
  const pcp = b.ref(K.PTR, cp);
  const vol = b.ref(K.VOLATILE, int);
  const restrict = b.ref(K.RESTRICT, b.ref(K.PTR, int));
  const arr = b.array(int, int, 4);
  const arr2 = b.array(arr, int, 3);
  const parr = b.ref(K.PTR, arr);
  const bigArr = b.array(int, int, 0xffffffff);
  const fproto = b.proto(int, [['', int], ['', pcc]]);
  const fptr = b.ref(K.PTR, fproto);
  const varargs = b.proto(int, [['fmt', pcc], ['', 0]]);
  const voidProto = b.proto(0, []);
  const voidPtr = b.ref(K.PTR, 0);
  const flt = b.float('double', 8);
  const tag = b.ref(K.TYPE_TAG, int, 'user');
  const ptag = b.ref(K.PTR, tag);
  const main = b.func('xdp_prog', b.proto(int, [['ctx', ps]]), 1);
  const many = b.func('many', b.proto(long, [['a', int], ['b', td], ['c', e], ['d', e64], ['e', b.ref(K.PTR, u)], ['f', b.ref(K.PTR, fwd)], ['g', flt]]), 0);
  const quals = b.func('quals', b.proto(0, [['p', pcp], ['v', b.ref(K.PTR, vol)], ['r', restrict], ['a', parr], ['cb', fptr]]), 0);
  const variadic = b.func('vf', varargs, 2);
  const voidFn = b.func('nothing', voidProto, 0);
  const unnamedPtr = b.func('anon', b.proto(voidPtr, [['', voidPtr], ['', arr], ['', td]]), 0);
  const tagged = b.func('tagged', b.proto(int, [['p', ptag]]), 0);
  const staticVar = b.var('counter', int, 0);
  const globalVar = b.var('table', arr2, 1);
  const sec = b.datasec('.data', 4, [[staticVar, 0, 4]]);
  const longName = b.func('x'.repeat(1010), b.proto(int, [['a', int]]), 0);
  const btf = parseBtf(b.build());

  it('writes function headers the way bpftool prog dump xlated does', () => {
    expect(funcSignature(btf, main)).toBe('int xdp_prog(struct xdp_md * ctx)');
    expect(funcSignature(btf, many)).toBe('long many(int a, u64_t b, enum color c, enum big d, union u * e, union later * f, double g)');
    expect(funcSignature(btf, quals)).toBe('void quals(const char * * p, volatile int * v, restrict int * r, int [4]* a, int (int, const char *)* cb)');
    expect(funcSignature(btf, variadic)).toBe('int vf(const char * fmt, ...)');
    expect(funcSignature(btf, voidFn)).toBe('void nothing()');
    expect(funcSignature(btf, unnamedPtr)).toBe('void * anon(void *, int [4], u64_t)');
  });

  it('writes any type the same way', () => {
    expect(funcSignature(btf, 0)).toBe('void ');
    expect(funcSignature(btf, pcc)).toBe('const char * ');
    expect(funcSignature(btf, arr2)).toBe('int [4][3]');
    expect(funcSignature(btf, bigArr)).toBe('int [-1]');
    expect(funcSignature(btf, fptr)).toBe('int (int, const char *)* ');
    expect(funcSignature(btf, cp)).toBe('const char * ');
    expect(funcSignature(btf, staticVar)).toBe('static int  counter');
    expect(funcSignature(btf, globalVar)).toBe('int [4][3] table');
    expect(funcSignature(btf, sec)).toBe('section (".data") ');
  });

  it('gives nothing where bpftool gives nothing', () => {
    expect(funcSignature(btf, tag)).toBe('');
    expect(funcSignature(btf, tagged)).toBe('');
    // 'int ' + 1010 + '(int a)' = 1021 bytes: fits a buffer of 1022 with its NUL, not one of 1021.
    expect(funcSignature(btf, longName)).toHaveLength(1021);
    expect(funcSignature(btf, longName, 1022)).toHaveLength(1021);
    expect(funcSignature(btf, longName, 1021)).toBe('');
    expect(funcSignature(btf, main, 12)).toBe('');
  });

  it('stops on reference loops and rejects nothing else', () => {
    const l = new BtfBuilder();
    l.ref(K.PTR, 2); // [1] PTR -> [2]
    l.array(1, 1, 2); // [2] ARRAY of [1]
    l.ref(K.CONST, 3); // [3] CONST of itself
    const loops = parseBtf(l.build());
    expect(funcSignature(loops, 1)).toBe('');
    expect(funcSignature(loops, 3)).toBe('');
    expect(funcSignature(loops, 3, Infinity)).toBe('');
    expect(funcSignature(loops, 99)).toBe('');
    expect(() => funcSignature(loops, 1)).not.toThrow(BtfError);
  });
});

describe('funcSignature against bpftool prog dump xlated', () => {
  it('matches every function header bpftool prints for a loaded program', (ctx) => {
    if (skipReason(cannotCompile() ?? missing({ bpftool: true, root: true, file: '/sys/fs/bpf' }), 'signature oracle test')) return ctx.skip();
    const source = readFileSync(new URL('./sources/sig.c', import.meta.url), 'utf8');
    const { obj, btf: raw } = compileAndExtract(scratch(), 'sig', source);
    const pin = `/sys/fs/bpf/bpfscope_btf_sig_${process.pid}`;
    let dump;
    try {
      const load = spawnSync('bpftool', ['prog', 'load', obj, pin], { encoding: 'utf8' });
      if (skipReason(load.status === 0 ? undefined : `the kernel refused to load the program: ${load.stderr.trim().split('\n').at(-1)}`, 'signature oracle test')) return ctx.skip();
      dump = spawnSync('bpftool', ['prog', 'dump', 'xlated', 'pinned', pin], { encoding: 'utf8' });
    } finally {
      rmSync(pin, { force: true });
    }
    expect(dump.status).toBe(0);
    const headers = dump.stdout.split('\n').filter((l) => l.endsWith(':') && !/^\s*\d+:/.test(l) && !l.startsWith(';')).map((l) => l.slice(0, -1));
    expect(headers.length).toBeGreaterThanOrEqual(5);
    const btf = parseBtf(raw);
    for (const header of headers) {
      const fn = btf.ofKind('FUNC').find((f) => header.includes(` ${f.name}(`));
      expect(fn, header).toBeDefined();
      expect(funcSignature(btf, fn!.id)).toBe(header);
    }
  });
});
