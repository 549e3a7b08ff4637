import { describe, expect, it } from 'vitest';
import { BtfError } from '../../src/errors.js';
import { parseBtf, type Btf } from '../../src/btf/index.js';
import { formatValueJson, formatValuePlain, writeBtfValue } from '../../src/btf/format-value.js';
import { resolveSize } from '../../src/btf/resolve-size.js';
import {
  dumpMapJson,
  dumpMapPlain,
  formatEntryHex,
  foundElements,
  hexRows,
  writeMapElementsBtf,
  type MapDumpSpec,
} from '../../src/btf/format-value-map.js';
import { JsonWriter } from '../../src/text/json-writer.js';
import { BtfBuilder, K, type Order } from './builder.js';
import { kitchenSink } from './fixtures.js';

/**
 * Every kind through the formatter's API, on hand-built BTF. What bpftool prints for
 * each was established on the real bpftool (golden-values/: the hand-made maps and
 * values.c cover every kind here); these tests pin the API, the two modes, the stops,
 * other byte orders, and what bad input does.
 */

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const plain = (btf: Btf, id: number, b: Uint8Array): string => formatValuePlain(btf, id, b);
const json = (btf: Btf, id: number, b: Uint8Array): string => formatValueJson(btf, id, b);

/** One of each int width and sign, plus the odd encodings. */
function ints(order: Order = 'little') {
  const b = new BtfBuilder();
  const ids = {
    s8: b.int('signed char', 1, 1),
    u8: b.int('unsigned char', 1, 0),
    s16: b.int('short', 2, 1),
    u16: b.int('unsigned short', 2, 0),
    s32: b.int('int', 4, 1),
    u32: b.int('unsigned int', 4, 0),
    s64: b.int('long', 8, 1),
    u64: b.int('unsigned long', 8, 0),
    i128: b.int('__int128', 16, 1),
    chr: b.int('cchar', 1, 2),
    bool: b.int('_Bool', 1, 4),
    u24: b.int('u24', 4, 0, 24),
    odd: b.int('odd', 4, 0, 5, 3),
    bad: b.int('bad', 1, 3),
    wide32: b.int('wide', 8, 1, 32),
  };
  return { btf: parseBtf(b.build(order)), ids };
}

describe('ints', () => {
  const { btf, ids } = ints();
  it('prints every width and sign in decimal', () => {
    expect(plain(btf, ids.s8, bytes(0x80))).toBe('-128');
    expect(plain(btf, ids.u8, bytes(0x80))).toBe('128');
    expect(plain(btf, ids.s16, bytes(0x00, 0x80))).toBe('-32768');
    expect(plain(btf, ids.u16, bytes(0xff, 0xff))).toBe('65535');
    expect(plain(btf, ids.s32, bytes(0xff, 0xff, 0xff, 0xff))).toBe('-1');
    expect(plain(btf, ids.u32, bytes(0xff, 0xff, 0xff, 0xff))).toBe('4294967295');
    expect(plain(btf, ids.s64, new Uint8Array(8).fill(0xff))).toBe('-1');
    expect(plain(btf, ids.u64, new Uint8Array(8).fill(0xff))).toBe('18446744073709551615');
    expect(json(btf, ids.u64, new Uint8Array(8).fill(0xff))).toBe('18446744073709551615');
  });
  it('reads an int by its bits, not its size', () => {
    expect(plain(btf, ids.wide32, bytes(0xfe, 0xff, 0xff, 0xff, 9, 9, 9, 9))).toBe('-2');
  });
  it('prints 128-bit ints and odd widths in hex, quoted in JSON', () => {
    const minus2 = new Uint8Array(16).fill(0xff);
    minus2[0] = 0xfe;
    expect(plain(btf, ids.i128, minus2)).toBe('0xfffffffffffffffffffffffffffffffe');
    expect(json(btf, ids.i128, minus2)).toBe('"0xfffffffffffffffffffffffffffffffe"');
    const hiLo = new Uint8Array(16);
    hiLo[0] = 5;
    hiLo[8] = 1;
    expect(plain(btf, ids.i128, hiLo)).toBe('0x10000000000000005');
    expect(plain(btf, ids.u24, bytes(0xef, 0xcd, 0xab, 0xff))).toBe('0xabcdef');
    expect(plain(btf, ids.odd, bytes(0xff, 0, 0, 0))).toBe('0x1f');
    expect(json(btf, ids.odd, bytes(0x08, 0, 0, 0))).toBe('"0x1"');
  });
  it('prints CHAR-encoded ints as characters, unescaped', () => {
    expect(plain(btf, ids.chr, bytes(0x41))).toBe('"A"');
    expect(plain(btf, ids.chr, bytes(0x22))).toBe('"""');
    expect(plain(btf, ids.chr, bytes(0x01))).toBe('0x1');
    expect(json(btf, ids.chr, bytes(0x01))).toBe('"\\u0001"');
    expect(plain(btf, ids.chr, bytes(0xe9))).toBe('0xe9');
    expect(json(btf, ids.chr, bytes(0xe9))).toBe('"\\u00e9"');
  });
  it('prints bools by their byte', () => {
    expect(plain(btf, ids.bool, bytes(0))).toBe('false');
    expect(plain(btf, ids.bool, bytes(1))).toBe('true');
    expect(plain(btf, ids.bool, bytes(2))).toBe('true');
  });
  it('prints nothing for an encoding bpftool does not know, and reports it', () => {
    const w = new JsonWriter(false);
    expect(writeBtfValue(w, btf, ids.bad, bytes(1), 'plain')).toBe(false);
    expect(w.finish()).toBe('\n');
  });
  it('reads big-endian BTF in its own byte order', () => {
    const be = ints('big');
    expect(plain(be.btf, be.ids.s32, bytes(0xff, 0xff, 0xff, 0xfe))).toBe('-2');
    expect(plain(be.btf, be.ids.u16, bytes(0x01, 0x02))).toBe('258');
    const hiLo = new Uint8Array(16);
    hiLo[7] = 1;
    hiLo[15] = 5;
    expect(plain(be.btf, be.ids.i128, hiLo)).toBe('0x10000000000000005');
    expect(plain(be.btf, be.ids.odd, bytes(0x1f, 0, 0, 0))).toBe('0x1f');
  });
});

describe('bitfields', () => {
  const b = new BtfBuilder();
  const uint = b.int('unsigned int', 4, 0);
  const int = b.int('int', 4, 1);
  const u64 = b.int('unsigned long', 8, 0);
  const u128 = b.int('unsigned __int128', 16, 0);
  const int3 = b.int('int3', 4, 1, 3);
  const kflag = b.composite(K.STRUCT, 'k', 16, [['a', uint, 0, 3], ['b', int, 3, 5], ['w', u64, 15, 64]], true);
  const old = b.composite(K.STRUCT, 'o', 8, [['a', int3, 0], ['n', int, 13]]);
  const whole = b.composite(K.STRUCT, 'w', 16, [['all', u128, 0, 128]], true);
  const tooWide = b.composite(K.STRUCT, 't', 32, [['x', u128, 7, 128]], true);
  const blob = (order: Order): Btf => parseBtf(b.build(order));
  const le = blob('little');

  it('prints kind_flag bitfields in hex, never sign-extended', () => {
    const v = new Uint8Array(16);
    v[0] = 0b1111_1101; // a = 5, b = 0b11111
    v[1] = 0x80; // w's lowest bit (bit 15)
    v[9] = 0x7f; // w's top 7 bits (bits 72..78)
    expect(plain(le, kflag, v)).toBe('{\n    "a": 0x5,\n    "b": 0x1f,\n    "w": 0xfe00000000000001\n}');
    expect(json(le, kflag, v)).toBe('{"a":"0x5","b":"0x1f","w":"0xfe00000000000001"}');
  });
  it('reads old-style bitfields from their int types and member offsets', () => {
    const v = bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0);
    // n: a 32-bit int at bit 13 goes the bit-by-bit way too
    expect(json(le, old, v)).toBe('{"a":"0x7","n":"0xffffffff"}');
  });
  it('keeps x86\'s shift by 64 for a 128-bit field at bit 0 (halves or-ed, as bpftool prints)', () => {
    const v = new Uint8Array(16);
    v.set([0x00, 0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]);
    expect(plain(le, whole, v)).toBe('{\n    "all": 0x99aabbccddeeff8899aabbccddeeff88\n}');
  });
  it('counts big-endian bits from the most significant', () => {
    const be = blob('big');
    const v = new Uint8Array(16);
    v[0] = 0b1010_0001; // a = 0b101, b = 0b00001
    expect(json(be, kflag, v)).toBe('{"a":"0x5","b":"0x1","w":"0x0"}');
  });
  it('refuses a field wider than bpftool\'s 128-bit buffer', () => {
    expect(() => plain(le, tooWide, new Uint8Array(32))).toThrow(BtfError);
  });
});

describe('enums', () => {
  const b = new BtfBuilder();
  const e8 = b.enum('e8', 1, [['NEG', -1], ['BIG', 200]], true);
  const e16 = b.enum('e16', 2, [['A', 0x8000]]);
  const e32 = b.enum('e32', 4, [['HI', 0xfffffffe]]);
  const e3 = b.enum('e3', 3, [['X', 0]]);
  const e64 = b.enum64('e64', 8, [['BIG', 0xfedcba9876543210n]]);
  const btf = parseBtf(b.build());
  it('prints the enumerator whose signed 32-bit value equals the value read signed', () => {
    expect(plain(btf, e8, bytes(0xff))).toBe('"NEG"');
    expect(plain(btf, e8, bytes(200))).toBe('-56');
    expect(plain(btf, e16, bytes(0x00, 0x80))).toBe('-32768');
    expect(plain(btf, e32, bytes(0xfe, 0xff, 0xff, 0xff))).toBe('"HI"');
    expect(plain(btf, e32, bytes(0, 0, 0, 0x80))).toBe('-2147483648');
  });
  it('prints ENUM64 names, or the value as signed 64-bit', () => {
    expect(plain(btf, e64, bytes(0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe))).toBe('"BIG"');
    expect(json(btf, e64, new Uint8Array(8).fill(0xff))).toBe('-1');
  });
  it('prints nothing for an enum of a size bpftool cannot read', () => {
    const w = new JsonWriter(false);
    expect(writeBtfValue(w, btf, e3, bytes(0, 0, 0), 'json')).toBe(false);
    expect(w.finish()).toBe('\n');
  });
});

describe('arrays', () => {
  const b = new BtfBuilder();
  const int = b.int('int', 4, 1);
  const char = b.int('char', 1, 1);
  const uchar = b.int('unsigned char', 1, 0);
  const str = b.array(b.ref(K.CONST, char), int, 4);
  const tdStr = b.array(b.ref(K.TYPEDEF, char, 'mychar'), int, 4);
  const bytesArr = b.array(uchar, int, 4);
  const grid = b.array(b.array(int, int, 2), int, 2);
  const empty = b.array(int, int, 0);
  const emptyStruct = b.composite(K.STRUCT, 'e', 0, []);
  const huge = b.array(emptyStruct, int, 0xffffffff);
  const btf = parseBtf(b.build());

  it('prints char arrays that are strings as strings, with bpftool\'s escapes', () => {
    expect(plain(btf, str, bytes(0x61, 0x22, 0x5c, 0))).toBe('"a\\"\\n"');
    expect(plain(btf, str, bytes(0, 0x01, 0x02, 0x03))).toBe('""');
  });
  it('prints the others as arrays', () => {
    expect(json(btf, str, bytes(0x61, 0x62, 0x63, 0x64))).toBe('[97,98,99,100]');
    expect(json(btf, str, bytes(0x61, 0x80, 0, 0))).toBe('[97,-128,0,0]');
    expect(json(btf, tdStr, bytes(0x61, 0, 0, 0))).toBe('[97,0,0,0]');
    expect(json(btf, bytesArr, bytes(0x61, 0, 0, 0))).toBe('[97,0,0,0]');
  });
  it('nests dimensions and closes each on its own line in pretty mode', () => {
    const v = bytes(1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xfc, 0xff, 0xff, 0xff);
    expect(plain(btf, grid, v)).toBe('[[1,2\n    ],[3,-4\n    ]\n]');
    expect(json(btf, grid, v)).toBe('[[1,2],[3,-4]]');
    expect(json(btf, empty, bytes())).toBe('[]');
  });
  it('refuses billions of zero-size elements', () => {
    expect(() => json(btf, huge, bytes())).toThrow(BtfError);
  });
});

describe('structs, unions, pointers, qualifiers, variables, sections (kitchen sink)', () => {
  const { bytes: blob, ids } = kitchenSink();
  const btf = parseBtf(blob);
  // .data: counter (int) at 0, hidden (bits_t) at 4; bits: a:3, b:5, anon union {x, y} at 4, name char[16] at 8
  const data = new Uint8Array(28);
  new DataView(data.buffer).setInt32(0, -7, true);
  data[4] = 0b0001_0011; // a = 3, b = 2
  new DataView(data.buffer).setInt32(8, -2, true);
  data.set([0x6f, 0x6b, 0], 12);

  it('lays out a DATASEC as bpftool does, anonymous members under ""', () => {
    expect(plain(btf, ids.datasec, data)).toBe(
      [
        '{',
        '    ".data": [{',
        '            "counter": -7',
        '        },{',
        '            "hidden": {',
        '                "a": 0x3,',
        '                "b": 0x2,',
        '                "": {',
        '                    "x": -2,',
        '                    "y": 4294967294',
        '                },',
        '                "name": "ok"',
        '            }',
        '        }',
        '    ]',
        '}',
      ].join('\n'),
    );
    expect(json(btf, ids.datasec, data)).toBe('{".data":[{"counter":-7},{"hidden":{"a":"0x3","b":"0x2","":{"x":-2,"y":4294967294},"name":"ok"}}]}');
  });
  it('prints a VAR as a one-member object, and sees through qualifiers and typedefs', () => {
    expect(json(btf, ids.var, bytes(5, 0, 0, 0))).toBe('{"counter":5}');
    expect(json(btf, ids.cnst, bytes(0xff, 0xff, 0xff, 0xff))).toBe('-1');
    expect(json(btf, ids.typedefBits, data.subarray(4))).toBe('{"a":"0x3","b":"0x2","":{"x":-2,"y":4294967294},"name":"ok"}');
  });
  it('prints pointers in hex or (nil) in plain mode, in decimal in JSON', () => {
    const p = bytes(0x00, 0x00, 0x00, 0x81, 0xff, 0xff, 0xff, 0xff);
    expect(plain(btf, ids.ptrInt, p)).toBe('0xffffffff81000000');
    expect(json(btf, ids.ptrInt, p)).toBe('18446744071578845184');
    expect(plain(btf, ids.restrict, new Uint8Array(8))).toBe('(nil)');
    expect(json(btf, ids.restrict, new Uint8Array(8))).toBe('0');
  });
  it('leaves bpftool\'s markers where it gives up', () => {
    const w = new JsonWriter(false);
    expect(writeBtfValue(w, btf, 0, bytes(), 'json')).toBe(true);
    expect(w.finish()).toBe('(unknown)\n');
    for (const [id, marker] of [
      [ids.fwdU, '(fwd-kind-invalid)'],
      [ids.float, '(unsupported-kind'],
      [ids.typeTag, '(unsupported-kind'],
      [ids.func, '(unsupported-kind'],
      [ids.proto, '(unsupported-kind'],
    ] as const) {
      const w2 = new JsonWriter(false);
      expect(writeBtfValue(w2, btf, id, new Uint8Array(8), 'plain')).toBe(false);
      expect(w2.finish()).toBe(`${marker}\n`);
    }
  });
});

describe('where bpftool stops', () => {
  const b = new BtfBuilder();
  const int = b.int('int', 4, 1);
  const float = b.float('float', 4);
  const constVoid = b.ref(K.CONST, 0);
  const s = b.composite(K.STRUCT, 's', 12, [['a', int, 0], ['f', float, 32], ['never', int, 64]]);
  const arr = b.array(s, int, 2);
  const v = b.composite(K.STRUCT, 'v', 8, [['a', int, 0], ['cv', constVoid, 32], ['never', int, 32]]);
  const btf = parseBtf(b.build());
  it('stops every enclosing struct and array at the first failure, closing them', () => {
    const w = new JsonWriter(false);
    expect(writeBtfValue(w, btf, arr, new Uint8Array(24), 'json')).toBe(false);
    expect(w.finish()).toBe('[{"a":0,"f":(unsupported-kind}]\n');
  });
  it('leaves a qualified void empty (libbpf cannot resolve it)', () => {
    expect(plain(btf, v, new Uint8Array(8))).toBe('{\n    "a": 0,\n    "cv": }');
  });
});

describe('bad input is a BtfError, never a crash', () => {
  const b = new BtfBuilder();
  const int = b.int('int', 4, 1);
  const s = b.composite(K.STRUCT, 's', 8, [['a', int, 0], ['b', int, 32]]);
  const loopA = b.ref(K.TYPEDEF, 0, 'A'); // patched below to point at B
  const loopB = b.ref(K.TYPEDEF, loopA, 'B');
  const self = b.composite(K.STRUCT, 'self', 4, [['me', 0, 0]]);
  const selfArr = b.array(0, int, 2);
  const ds = b.datasec('.data', 4, [[b.var('far', int), 8, 4]]);
  const raw = b.build();
  // Point A at B, `self` at itself and the array at itself: BTF loops.
  const btf0 = parseBtf(raw);
  const patch = (id: number, word: number, value: number): void => {
    const off = typeOffset(btf0, id) + word * 4;
    new DataView(raw.buffer).setUint32(off, value, true);
  };
  patch(loopA, 2, loopB);
  patch(self, 4, self);
  patch(selfArr, 3, selfArr);
  const btf = parseBtf(raw);

  it('refuses a value shorter than its type', () => {
    expect(() => json(btf, s, new Uint8Array(7))).toThrow(BtfError);
    expect(() => json(btf, int, new Uint8Array(0))).toThrow(/shorter/);
  });
  it('refuses type ids out of range', () => {
    expect(() => json(btf, 999, new Uint8Array(8))).toThrow(BtfError);
    expect(() => json(btf, -1, new Uint8Array(8))).toThrow(BtfError);
  });
  it('refuses reference loops and self-containing types', () => {
    expect(() => json(btf, loopA, new Uint8Array(8))).toThrow(/loop/);
    expect(() => json(btf, self, new Uint8Array(8))).toThrow(BtfError);
    expect(() => json(btf, selfArr, new Uint8Array(8))).toThrow(/loop/);
  });
  it('refuses a DATASEC variable past the end of the value', () => {
    expect(() => json(btf, ds, new Uint8Array(4))).toThrow(BtfError);
  });
  it('resolveSize follows libbpf', () => {
    expect(resolveSize(btf, s)).toBe(8);
    expect(resolveSize(btf, 0)).toBe(-22);
  });
});

/** Byte offset of a type's record in a little-endian blob built by BtfBuilder. */
function typeOffset(btf: Btf, id: number): number {
  let off = 24;
  for (const t of btf.types) {
    if (t.id === id) return off;
    off += 12 + extraWords(t) * 4;
  }
  throw new Error(`no type ${id}`);
}

function extraWords(t: Btf['types'][number]): number {
  switch (t.kind) {
    case 'INT':
    case 'VAR':
    case 'DECL_TAG':
      return 1;
    case 'ARRAY':
      return 3;
    case 'STRUCT':
    case 'UNION':
      return 3 * t.members.length;
    case 'ENUM':
      return 2 * t.values.length;
    case 'ENUM64':
      return 3 * t.values.length;
    case 'FUNC_PROTO':
      return 2 * t.params.length;
    case 'DATASEC':
      return 3 * t.vars.length;
    default:
      return 0;
  }
}

describe('map dumps', () => {
  const b = new BtfBuilder();
  const uint = b.int('unsigned int', 4, 0);
  const s = b.composite(K.STRUCT, 's', 8, [['a', uint, 0], ['b', uint, 32]]);
  const btf = parseBtf(b.build());
  const key = bytes(1, 0, 0, 0);
  const val = bytes(2, 0, 0, 0, 3, 0, 0, 0);
  const noBtf = (keySize: number, valueSize: number, perCpu = false): MapDumpSpec => ({ keySize, valueSize, perCpu, btfKeyTypeId: 0, btfValueTypeId: 0 });
  const withBtf: MapDumpSpec = { keySize: 4, valueSize: 8, perCpu: false, btf, btfKeyTypeId: uint, btfValueTypeId: s };

  it('wraps hex rows at 16 bytes, with a gap after 8', () => {
    expect(hexRows(Uint8Array.from({ length: 18 }, (_, i) => i))).toBe('00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f\n10 11');
    expect(hexRows(bytes())).toBe('');
  });
  it('puts key and value on one line only when both are short', () => {
    expect(formatEntryHex(noBtf(4, 8), { key, value: val })).toBe('key: 01 00 00 00  value: 02 00 00 00 03 00 00 00\n');
    expect(formatEntryHex(noBtf(4, 24), { key, value: new Uint8Array(24) })).toBe(
      'key:\n01 00 00 00\nvalue:\n00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00\n00 00 00 00 00 00 00 00\n',
    );
    expect(formatEntryHex(noBtf(12, 16), { key: new Uint8Array(12), value: new Uint8Array(16) })).toBe(
      'key: 00 00 00 00 00 00 00 00  00 00 00 00\nvalue: 00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00\n',
    );
    expect(formatEntryHex(noBtf(0, 4), { key: bytes(), value: bytes(9, 0, 0, 0) })).toBe('value: 09 00 00 00\n');
  });
  it('prints one value per CPU for per-CPU maps', () => {
    expect(formatEntryHex(noBtf(4, 4, true), { key, value: [bytes(1, 0, 0, 0), bytes(2, 0, 0, 0)] })).toBe(
      'key:\n01 00 00 00\nvalue (CPU 00): 01 00 00 00\nvalue (CPU 01): 02 00 00 00\n',
    );
  });
  it('counts elements', () => {
    expect(foundElements(0)).toBe('Found 0 elements\n');
    expect(foundElements(1)).toBe('Found 1 element\n');
    expect(dumpMapPlain(noBtf(4, 8), [{ key, value: val }, { key, value: val }])).toMatch(/\nFound 2 elements\n$/);
    expect(dumpMapJson(noBtf(4, 8), [], false)).toBe('[]\n');
  });
  it('prints maps with BTF through the pretty writer, without a count', () => {
    expect(dumpMapPlain(withBtf, [])).toBe('[]\n');
    expect(dumpMapPlain(withBtf, [{ key, value: val }])).toBe('[{\n        "key": 1,\n        "value": {\n            "a": 2,\n            "b": 3\n        }\n    }\n]\n');
    expect(dumpMapJson(withBtf, [{ key, value: val }], false)).toBe(
      '[{"key":["0x01","0x00","0x00","0x00"],"value":["0x02","0x00","0x00","0x00","0x03","0x00","0x00","0x00"],"formatted":{"key":1,"value":{"a":2,"b":3}}}]\n',
    );
  });
  it('leaves the key out when the map has no key type', () => {
    expect(dumpMapJson({ ...withBtf, btfKeyTypeId: 0 }, [{ key, value: val }], false)).toMatch(/"formatted":\{"value":\{"a":2,"b":3\}\}\}\]\n$/);
  });
  it('prints hex lines inside the brackets for BTF without a value type', () => {
    expect(dumpMapPlain({ ...withBtf, btfValueTypeId: 0 }, [{ key, value: val }])).toBe('[key: 01 00 00 00  value: 02 00 00 00 03 00 00 00\n]\n');
    expect(dumpMapJson({ ...withBtf, btfValueTypeId: 0 }, [{ key, value: val }], false)).not.toMatch(/formatted/);
  });
  it('writes elements into a writer under way (several maps)', () => {
    const w = new JsonWriter(true);
    w.startArray().startObject().numberField('id', 7).name('elements');
    writeMapElementsBtf(w, withBtf, []);
    w.endObject().endArray();
    expect(w.finish()).toBe('[{\n        "id": 7,\n        "elements": []\n    }\n]\n');
  });
  it('refuses entries that do not fit the map', () => {
    expect(() => dumpMapPlain(withBtf, [{ key: bytes(1), value: val }])).toThrow(BtfError);
    expect(() => dumpMapPlain(withBtf, [{ key, value: bytes(1) }])).toThrow(BtfError);
    expect(() => dumpMapPlain(withBtf, [{ key, value: [val] }])).toThrow(BtfError);
    expect(() => dumpMapPlain({ ...withBtf, perCpu: true }, [{ key, value: val }])).toThrow(BtfError);
  });
  it('prints only the first keySize/valueSize bytes of longer buffers', () => {
    expect(formatEntryHex(noBtf(2, 2), { key: bytes(1, 2, 3), value: bytes(4, 5, 6) })).toBe('key: 01 02  value: 04 05\n');
  });
});
