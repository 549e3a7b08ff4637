import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BtfError } from '../../src/errors.js';
import { parseBtf } from '../../src/btf/index.js';
import { missing, skipReason } from '../helpers/env.js';
import { BtfBuilder, K } from './builder.js';
import { cannotCompile } from './env.js';
import { compileAndExtract, kitchenSink, scratch } from './fixtures.js';

describe('parseBtf: every kind', () => {
  const { bytes, ids } = kitchenSink();
  const btf = parseBtf(bytes);

  it('reads the header', () => {
    expect(btf.byteOrder).toBe('little');
    expect(btf.header).toMatchObject({ magic: 0xeb9f, version: 1, flags: 0, hdrLen: 24, typeOff: 0 });
    expect(btf.startId).toBe(1);
    expect(btf.typeCount).toBe(btf.types.length + 1);
  });

  it('decodes INT encoding, offset and bits', () => {
    expect(btf.type(ids.int)).toMatchObject({ kind: 'INT', name: 'int', size: 4, encoding: 1, signed: true, bits: 32, bitsOffset: 0 });
    expect(btf.type(ids.char)).toMatchObject({ kind: 'INT', encoding: 2, signed: false, bits: 8 });
    expect(btf.findOne('weird', 'INT')).toMatchObject({ encoding: 7, bits: 5, bitsOffset: 3 });
  });

  it('decodes pointers, arrays and qualifiers', () => {
    expect(btf.type(ids.ptrInt)).toMatchObject({ kind: 'PTR', name: '', nameOff: 0, type: ids.int });
    expect(btf.type(ids.arr)).toMatchObject({ kind: 'ARRAY', type: ids.char, indexType: ids.uint, nelems: 16 });
    expect(btf.type(ids.cnst)).toMatchObject({ kind: 'CONST', type: ids.vol });
    expect(btf.type(ids.restrict)).toMatchObject({ kind: 'RESTRICT', type: ids.ptrInt });
    expect(btf.type(ids.typeTag)).toMatchObject({ kind: 'TYPE_TAG', name: 'user', type: ids.int });
  });

  it('decodes kind_flag bitfields and plain member offsets', () => {
    const s = btf.typeOf(ids.bits, 'STRUCT');
    expect(s.kindFlag).toBe(true);
    expect(s.members.map((m) => [m.name, m.bitOffset, m.bitfieldSize])).toEqual([
      ['a', 0, 3],
      ['b', 3, 5],
      ['', 32, 0],
      ['name', 64, 0],
    ]);
    const u = btf.typeOf(ids.anonUnion, 'UNION');
    expect(u.kindFlag).toBe(false);
    expect(u.members.map((m) => m.bitOffset)).toEqual([0, 0]);
  });

  it('reads enum signedness from kind_flag', () => {
    expect(btf.typeOf(ids.sgn, 'ENUM')).toMatchObject({ signed: true, values: [{ name: 'NEG', value: -1 }, { name: 'POS', value: 1 }] });
    expect(btf.findOne('uns', 'ENUM')).toMatchObject({ signed: false, values: [{ value: 0xfffffffe }, { value: 0 }] });
    expect(btf.typeOf(ids.big, 'ENUM64').values.map((v) => v.value)).toEqual([0xffffffffffn, 1n]);
    expect(btf.findOne('sbig', 'ENUM64')!.values.map((v) => v.value)).toEqual([-5n, -(2n ** 63n)]);
  });

  it('decodes FWD, FUNC linkage, FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG', () => {
    expect(btf.type(ids.fwdU)).toMatchObject({ kind: 'FWD', fwdKind: 'union', name: 'fu' });
    expect(btf.findOne('fs', 'FWD')!.fwdKind).toBe('struct');
    expect(btf.type(ids.func)).toMatchObject({ kind: 'FUNC', name: 'f', type: ids.proto, linkage: 1 });
    expect(btf.find('h').map((t) => t.kind === 'FUNC' && t.linkage)).toEqual([2]);
    const p = btf.typeOf(ids.proto, 'FUNC_PROTO');
    expect(p.returnType).toBe(ids.int);
    expect(p.params.map((x) => x.name)).toEqual(['a', 'p', '']);
    expect(btf.typeOf(ids.varArgsProto, 'FUNC_PROTO').params.at(-1)).toEqual({ name: '', nameOff: 0, type: 0 });
    expect(btf.type(ids.staticVar)).toMatchObject({ kind: 'VAR', name: 'hidden', linkage: 0 });
    expect(btf.type(ids.datasec)).toMatchObject({ kind: 'DATASEC', name: '.data', size: 20, vars: [{ type: ids.var, offset: 0, size: 4 }, { type: ids.staticVar, offset: 4, size: 16 }] });
    expect(btf.type(ids.float)).toMatchObject({ kind: 'FLOAT', size: 8 });
    expect(btf.type(ids.tagOnFunc)).toMatchObject({ kind: 'DECL_TAG', type: ids.func, componentIdx: -1 });
  });

  it('gives void for id 0 and rejects ids out of range', () => {
    expect(btf.type(0)).toMatchObject({ id: 0, kind: 'VOID', name: '' });
    expect(() => btf.type(btf.typeCount)).toThrow(BtfError);
    expect(() => btf.type(-1)).toThrow(/out of range/);
    expect(() => btf.type(1.5)).toThrow(BtfError);
    expect(() => btf.typeOf(ids.int, 'STRUCT')).toThrow(/is INT, expected STRUCT/);
  });

  it('reads big-endian blobs to the same types', () => {
    const be = parseBtf(kitchenSink('big').bytes);
    expect(be.byteOrder).toBe('big');
    expect(be.types).toEqual(btf.types);
  });
});

describe('Btf queries', () => {
  const { bytes, ids } = kitchenSink();
  const btf = parseBtf(bytes);

  it('looks up by name and kind', () => {
    expect(btf.find('bits').map((t) => t.kind)).toEqual(['STRUCT']);
    expect(btf.findOne('bits_t', 'TYPEDEF')!.id).toBe(ids.typedefBits);
    expect(btf.findOne('bits', 'UNION')).toBeUndefined();
    expect(btf.find('nope')).toEqual([]);
    expect(btf.ofKind('FUNC').map((f) => f.name)).toEqual(['f', 'g', 'h']);
    expect(btf.name(ids.func)).toBe('f');
    expect(btf.name(ids.ptrInt)).toBe('');
  });

  it('reads void as a record of zeros in the type table, with a base or without', () => {
    const splitB = new BtfBuilder(btf.typeCount, btf.strings.end);
    splitB.int('split_int', 4);
    const split = parseBtf(splitB.build(), { base: btf });
    for (const b of [btf, split]) {
      const table = b.table();
      expect([table.kind(0), table.nameOff(0), table.name(0), table.vlen(0), table.kindFlag(0), table.size(0), table.ref(0)]).toEqual([0, 0, '', 0, false, 0, 0]);
      expect(table.kind(ids.int)).toBe(K.INT);
      expect(table.name(ids.func)).toBe('f');
    }
    expect(split.table().name(split.typeCount - 1)).toBe('split_int');
  });

  it('resolves through typedefs, qualifiers and type tags', () => {
    expect(btf.resolve(ids.typedefBits)).toBe(ids.bits);
    expect(btf.resolve(ids.cnst)).toBe(ids.int);
    expect(btf.resolve(ids.typeTag)).toBe(ids.int);
    expect(btf.resolve(ids.restrict)).toBe(ids.ptrInt);
    expect(btf.resolve(ids.ptrInt)).toBe(ids.ptrInt);
    expect(btf.resolved(ids.typedefBits).kind).toBe('STRUCT');
  });

  it('computes sizes like btf__resolve_size', () => {
    expect(btf.size(ids.int)).toBe(4);
    expect(btf.size(ids.ptrInt)).toBe(8);
    expect(btf.size(ids.restrict)).toBe(8);
    expect(btf.size(ids.arr)).toBe(16);
    expect(btf.size(ids.typedefBits)).toBe(16);
    expect(btf.size(ids.cnst)).toBe(4);
    expect(btf.size(ids.var)).toBe(4);
    expect(btf.size(ids.datasec)).toBe(20);
    expect(btf.size(ids.big)).toBe(8);
    expect(() => btf.size(ids.fwdU)).toThrow(/FWD which has no size/);
    expect(() => btf.size(ids.func)).toThrow(BtfError);
    expect(() => btf.size(0)).toThrow(/void/);
  });

  it('finds members, through anonymous members', () => {
    expect(btf.findMember(ids.typedefBits, 'b')).toMatchObject({ bitOffset: 3, member: { bitfieldSize: 5 } });
    expect(btf.findMember(ids.bits, 'y')).toMatchObject({ bitOffset: 32, member: { name: 'y', type: ids.uint } });
    expect(btf.findMember(ids.bits, 'zz')).toBeUndefined();
    expect(btf.findMember(ids.int, 'a')).toBeUndefined();
  });

  it('multiplies nested array sizes and refuses overflow', () => {
    const b = new BtfBuilder();
    const i = b.int('int', 4, 1);
    const a1 = b.array(i, i, 3);
    const a2 = b.array(a1, i, 5);
    const huge = b.array(a2, i, 0x7fffffff);
    const t = parseBtf(b.build());
    expect(t.size(a2)).toBe(60);
    expect(() => t.size(huge)).toThrow(/overflows 32 bits/);
  });

  it('stops on reference loops instead of spinning', () => {
    const b = new BtfBuilder();
    const c = b.ref(K.CONST, 2); // [1] CONST -> [2]
    b.ref(K.TYPEDEF, 1, 'loop'); // [2] TYPEDEF -> [1]
    const arrLoop = b.array(3, 1, 2); // [3] ARRAY of itself
    const s = b.composite(K.STRUCT, 's', 4, [['', 4, 0]]); // [4] struct with itself anonymous inside
    const t = parseBtf(b.build());
    expect(() => t.resolve(c)).toThrow(/reference loop/);
    expect(() => t.size(c)).toThrow(/reference loop/);
    expect(() => t.size(arrLoop)).toThrow(BtfError);
    expect(() => t.findMember(s, 'x')).toThrow(/reference loop/);
  });
});

describe('split BTF', () => {
  it('continues type ids and string offsets after the base', () => {
    const baseB = new BtfBuilder();
    const int = baseB.int('int', 4, 1);
    baseB.composite(K.STRUCT, 'task', 8, [['pid', int, 0]]);
    const base = parseBtf(baseB.build());
    const splitB = new BtfBuilder(baseB.typeEnd, baseB.strEnd);
    const p = splitB.ref(K.PTR, 2);
    const mod = splitB.composite(K.STRUCT, 'mod', 16, [['task', p, 0], ['n', int, 64]]);
    const intAgain = splitB.raw(baseB.str('int'), K.TYPEDEF, 0, false, int);
    for (const order of ['little', 'big'] as const) {
      const split = parseBtf(splitB.build(order), { base });
      expect(split.startId).toBe(3);
      expect(split.typeCount).toBe(6);
      expect(split.types.map((t) => t.id)).toEqual([p, mod, intAgain]);
      expect(split.type(1)).toBe(base.type(1));
      expect(split.type(mod)).toMatchObject({ name: 'mod', members: [{ name: 'task', type: p }, { name: 'n', type: int }] });
      expect(split.name(intAgain)).toBe('int');
      expect(split.find('int').map((t) => t.id)).toEqual([int, intAgain]);
      expect(split.size(mod)).toBe(16);
      expect(split.resolve(intAgain)).toBe(int);
      expect(split.str(baseB.str('task'))).toBe('task');
      expect(split.ofKind('STRUCT').map((t) => t.name)).toEqual(['task', 'mod']);
    }
  });

  it('accepts an empty string section in split BTF only', () => {
    const base = parseBtf(kitchenSink().bytes);
    const b = new BtfBuilder(base.typeCount, base.strings.end);
    b.ref(K.PTR, 1);
    const split = parseBtf(b.build(), { base });
    expect(split.type(base.typeCount)).toMatchObject({ kind: 'PTR', type: 1 });
    const plain = new BtfBuilder();
    plain.ref(K.PTR, 0);
    expect(() => parseBtf(plain.build('little', { strLen: 0 }))).toThrow(/string section is empty/);
  });
});

describe('parseBtf: bad input', () => {
  const good = kitchenSink().bytes;
  const bad = (bytes: Uint8Array, msg: RegExp): void => {
    expect(() => parseBtf(bytes)).toThrow(BtfError);
    expect(() => parseBtf(bytes)).toThrow(msg);
  };
  const withHeader = (tweak: Parameters<BtfBuilder['build']>[1]): Uint8Array => {
    const b = new BtfBuilder();
    b.int('int', 4, 1);
    return b.build('little', tweak);
  };

  it('checks the header', () => {
    bad(new Uint8Array(0), /too short/);
    bad(good.subarray(0, 10), /header needs 24/);
    bad(withHeader({ magic: 0x1234 }), /bad magic/);
    bad(withHeader({ version: 2 }), /version 2 is not supported/);
    bad(withHeader({ hdrLen: 8 }), /hdr_len 8 is shorter/);
    bad(withHeader({ hdrLen: 9999 }), /hdr_len 9999 is past the end/);
    bad(withHeader({ typeLen: 9999 }), /type section .* runs past/);
    bad(withHeader({ strLen: 9999 }), /string section .* runs past/);
    bad(withHeader({ typeOff: 2 }), /not 4-byte aligned/);
    bad(withHeader({ strOff: 4 }), /overlaps/);
    bad(withHeader({ strLen: 3 }), /does not end with a NUL/);
  });

  it('checks types, names and references', () => {
    const trunc = new BtfBuilder();
    trunc.composite(K.STRUCT, 's', 4, [['a', 0, 0]]);
    const t = trunc.build();
    // Claim 5 members where 1 is stored.
    new DataView(t.buffer).setUint32(24 + 4, (K.STRUCT << 24) | 5, true);
    bad(t, /type \[1\]: STRUCT with vlen 5 needs 72 bytes/);

    const kind = new BtfBuilder();
    kind.raw(0, 25, 0, false, 0);
    bad(kind.build(), /type \[1\]: unknown kind 25/);
    const kind0 = new BtfBuilder();
    kind0.raw(0, 0, 0, false, 0);
    bad(kind0.build(), /unknown kind 0/);

    const name = new BtfBuilder();
    name.int('int', 4);
    name.raw(9999, K.PTR, 0, false, 1);
    bad(name.build(), /type \[2\]: name offset 9999 out of range/);

    const member = new BtfBuilder();
    member.composite(K.STRUCT, 's', 4, [[777, 0, 0] as unknown as [string, number, number]]);
    bad(member.build(), /type \[1\] member 0: name offset 777 out of range/);

    const ref = new BtfBuilder();
    ref.composite(K.STRUCT, 's', 4, [['a', 0, 0], ['b', 42, 0]]);
    bad(ref.build(), /type \[1\]: member 1 type \[42\] out of range/);

    const leftover = new BtfBuilder();
    leftover.int('int', 4);
    leftover.junk(0);
    bad(leftover.build(), /type \[2\]: 4 bytes left in the type section/);
  });

  it('throws only BtfError on truncated and corrupted blobs', () => {
    let parsed = 0;
    for (let cut = 0; cut < good.length; cut += 3) {
      try {
        parseBtf(good.subarray(0, cut));
        parsed++;
      } catch (e) {
        expect(e).toBeInstanceOf(BtfError);
      }
    }
    // Flip bytes one at a time; whatever parses must also answer queries without crashing.
    for (let i = 0; i < good.length; i++) {
      const copy = good.slice();
      copy[i] = copy[i]! ^ 0xa5;
      try {
        const btf = parseBtf(copy);
        parsed++;
        for (let id = 0; id < btf.typeCount; id++) {
          for (const op of [() => btf.size(id), () => btf.resolve(id), () => btf.findMember(id, 'a')]) {
            try {
              op();
            } catch (e) {
              expect(e).toBeInstanceOf(BtfError);
            }
          }
        }
      } catch (e) {
        expect(e).toBeInstanceOf(BtfError);
      }
    }
    expect(parsed).toBeGreaterThan(0);
  });
});

describe('parseBtf on clang output', () => {
  it('parses the .BTF clang emits for a program with every C construct', (ctx) => {
    if (skipReason(cannotCompile(), 'clang BTF test')) return ctx.skip();
    const dir = scratch();
    const source = readFileSync(new URL('./sources/sink.c', import.meta.url), 'utf8');
    const { btf: bytes } = compileAndExtract(dir, 'sink', source);
    const btf = parseBtf(bytes);
    const xdp = btf.findOne('xdp_prog', 'FUNC')!;
    expect(xdp.linkage).toBe(1);
    const proto = btf.typeOf(xdp.type, 'FUNC_PROTO');
    expect(proto.params.map((p) => p.name)).toEqual(['ctx']);
    expect(btf.resolved(btf.typeOf(proto.params[0]!.type, 'PTR').type).name).toBe('xdp_md');
    expect(btf.findOne('helper', 'FUNC')!.linkage).toBe(0);
    expect(btf.size(btf.findOne('holder', 'STRUCT')!.id)).toBe(40);
    expect(btf.size(btf.findOne('arr2d', 'VAR')!.id)).toBe(12);
    const bits = btf.findOne('bits', 'STRUCT')!;
    expect(bits.kindFlag).toBe(true);
    expect(bits.members.slice(0, 2).map((m) => m.bitfieldSize)).toEqual([3, 5]);
    expect(btf.ofKind('DATASEC').map((d) => d.name).sort()).toEqual(['.bss', '.data', '.rodata', 'license']);
  });
});

describe('parseBtf on vmlinux', () => {
  const path = '/sys/kernel/btf/vmlinux';
  it('parses the running kernel BTF', (ctx) => {
    if (skipReason(missing({ file: path }), 'vmlinux parse')) return ctx.skip();
    const btf = parseBtf(readFileSync(path));
    const task = btf.findOne('task_struct', 'STRUCT')!;
    expect(btf.size(task.id)).toBe(task.size);
    expect(btf.findMember(task.id, 'pid')!.member.name).toBe('pid');
  });
});
