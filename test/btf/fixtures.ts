import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileBpf } from '../helpers/env.js';
import { BtfBuilder, K, type Order } from './builder.js';

/** Ids of the kitchen-sink types that tests look at by name. */
export interface SinkIds {
  int: number;
  uint: number;
  char: number;
  ptrInt: number;
  arr: number;
  bits: number;
  anonUnion: number;
  sgn: number;
  big: number;
  fwdU: number;
  typedefBits: number;
  vol: number;
  cnst: number;
  restrict: number;
  proto: number;
  func: number;
  varArgsProto: number;
  var: number;
  staticVar: number;
  datasec: number;
  float: number;
  tagOnFunc: number;
  typeTag: number;
}

/**
 * One of every kind and flag the format has: bitfields (kind_flag), anonymous
 * members, signed and unsigned ENUM and ENUM64, union forward, every qualifier, a
 * variadic prototype, static and global vars, a DATASEC, decl tags on a type and on
 * a parameter, and a type tag.
 */
export function kitchenSink(order: Order = 'little'): { bytes: Uint8Array; ids: SinkIds; builder: BtfBuilder } {
  const b = new BtfBuilder();
  const int = b.int('int', 4, 1);
  const uint = b.int('unsigned int', 4, 0);
  const char = b.int('char', 1, 2);
  b.int('_Bool', 1, 4);
  b.int('weird', 4, 7, 5, 3);
  const ptrInt = b.ref(K.PTR, int);
  const arr = b.array(char, uint, 16);
  const anonUnion = b.composite(K.UNION, '', 4, [['x', int, 0], ['y', uint, 0]]);
  const bits = b.composite(K.STRUCT, 'bits', 16, [['a', uint, 0, 3], ['b', int, 3, 5], ['', anonUnion, 32, 0], ['name', arr, 64, 0]], true);
  b.composite(K.STRUCT, 'plain', 8, [['p', ptrInt, 0]]);
  b.composite(K.STRUCT, 'empty', 0, []);
  const sgn = b.enum('sgn', 4, [['NEG', -1], ['POS', 1]], true);
  b.enum('uns', 4, [['BIG', 0xfffffffe], ['ZERO', 0]]);
  const big = b.enum64('big', 8, [['B1', 0xffffffffffn], ['B2', 1n]]);
  b.enum64('sbig', 8, [['SNEG', -5n], ['SMIN', -(2n ** 63n)]], true);
  b.fwd('fs');
  const fwdU = b.fwd('fu', true);
  const typedefBits = b.ref(K.TYPEDEF, bits, 'bits_t');
  const vol = b.ref(K.VOLATILE, int);
  const cnst = b.ref(K.CONST, vol);
  const restrict = b.ref(K.RESTRICT, ptrInt);
  const proto = b.proto(int, [['a', int], ['p', b.ref(K.PTR, cnst)], ['', char]]);
  const func = b.func('f', proto, 1);
  b.func('g', proto, 0);
  b.func('h', proto, 2);
  const varArgsProto = b.proto(0, [['fmt', b.ref(K.PTR, char)], ['', 0]]);
  b.ref(K.PTR, varArgsProto);
  const v = b.var('counter', int, 1);
  const staticVar = b.var('hidden', typedefBits, 0);
  b.var('ext', int, 2);
  const datasec = b.datasec('.data', 20, [[v, 0, 4], [staticVar, 4, 16]]);
  const float = b.float('double', 8);
  const tagOnFunc = b.declTag('tag', func, -1);
  b.declTag('argtag', func, 0);
  const typeTag = b.ref(K.TYPE_TAG, int, 'user');
  const ptrTag = b.ref(K.PTR, typeTag);
  // What format c has to get right: declarators of every shape, inline anonymous
  // types, clashing names, compiler built-ins.
  const ptrVarArgs = b.ref(K.PTR, varArgsProto);
  const anonEnum = b.enum('', 4, [['INLINE_A', 0], ['INLINE_B', 1]]);
  b.enum('', 4, [['GLOBAL_CONST', 42]]);
  const ptrFwdU = b.ref(K.PTR, fwdU);
  const fnArr = b.array(b.ref(K.PTR, proto), uint, 2);
  const dup1 = b.composite(K.STRUCT, 'dup', 4, [['a', int, 0]]);
  const dup2 = b.composite(K.STRUCT, 'dup', 8, [['a', int, 0], ['b', int, 32]]);
  const identClash = b.ref(K.TYPEDEF, int, 'POS');
  const vaList = b.ref(K.TYPEDEF, b.ref(K.PTR, char), '__builtin_va_list');
  const gnuc = b.ref(K.TYPEDEF, 0, '__gnuc_va_list');
  const poly = b.int('__Poly8_t', 1, 0);
  b.composite(K.STRUCT, 'uses', 96, [
    ['tagged', ptrTag, 0],
    ['vf', ptrVarArgs, 64],
    ['r', restrict, 128],
    ['cv', cnst, 192],
    ['d', float, 256],
    ['e', big, 320],
    ['fu', ptrFwdU, 384],
    ['inl', anonEnum, 448],
    ['fns', fnArr, 512],
    ['d1', dup1, 640],
    ['d2', dup2, 672],
    ['pos', identClash, 736],
  ]);
  b.composite(K.STRUCT, 'builtins', 24, [['va', vaList, 0], ['gv', b.ref(K.PTR, gnuc), 64], ['poly', poly, 128]]);
  return {
    bytes: b.build(order),
    builder: b,
    ids: { int, uint, char, ptrInt, arr, bits, anonUnion, sgn, big, fwdU, typedefBits, vol, cnst, restrict, proto, func, varArgsProto, var: v, staticVar, datasec, float, tagOnFunc, typeTag },
  };
}

/** A scratch directory for this test file. */
export function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'bpfscope-btf-'));
}

/** Compiles BPF C and extracts its .BTF (and .BTF.ext when present). */
export function compileAndExtract(dir: string, name: string, source: string): { obj: string; btf: Uint8Array; ext: Uint8Array | undefined } {
  const src = join(dir, `${name}.c`);
  const obj = join(dir, `${name}.o`);
  writeFileSync(src, source);
  compileBpf(src, obj);
  return { obj, ...extractBtf(dir, obj) };
}

/** The raw .BTF and (if the object has one: not without functions) .BTF.ext sections, via llvm-objcopy. */
export function extractBtf(dir: string, obj: string): { btf: Uint8Array; ext: Uint8Array | undefined } {
  const base = join(dir, obj.replace(/.*\//, ''));
  const dump = (section: string, file: string): boolean =>
    spawnSync('llvm-objcopy', [`--dump-section=${section}=${file}`, obj, join(dir, 'discard.o')]).status === 0;
  if (!dump('.BTF', `${base}.btf`)) throw new Error(`${obj}: no .BTF section`);
  return { btf: readFileSync(`${base}.btf`), ext: dump('.BTF.ext', `${base}.btfext`) ? readFileSync(`${base}.btfext`) : undefined };
}
