import type { MapDumpEntry } from '../../src/btf/format-value-map.js';
import { BtfBuilder, K } from './builder.js';

/**
 * Maps whose BTF clang 14 cannot produce (ENUM64, CHAR-encoded ints, ints with a bit
 * offset, old-style bitfields without kind_flag, qualified char arrays, a float in a
 * key or a per-CPU value), built by hand so that the real kernel can hold them and the
 * real bpftool dump them (btf-map-oracle.py). Every array map lists all its slots.
 */
export interface HandmadeMap {
  name: string;
  /** BPF_MAP_TYPE_*: 1 hash, 2 array, 6 percpu_array. */
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  keyTypeId: number;
  valueTypeId: number;
  entries: MapDumpEntry[];
}

const HASH = 1;
const ARRAY = 2;
const PERCPU_ARRAY = 6;

/** Little-endian bytes from numbers of the given widths: [[value, bytes], ...]. */
function le(...fields: [number | bigint, number][]): Uint8Array {
  const out: number[] = [];
  for (const [v, n] of fields) {
    let x = BigInt.asUintN(n * 8, BigInt(v));
    for (let i = 0; i < n; i++) {
      out.push(Number(x & 0xffn));
      x >>= 8n;
    }
  }
  return Uint8Array.from(out);
}

function ascii(s: string, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < s.length && i < n; i++) b[i] = s.charCodeAt(i);
  return b;
}

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

const idx = (i: number): Uint8Array => le([i, 4]);

export function handmade(cpus: number): { btf: Uint8Array; maps: HandmadeMap[] } {
  const b = new BtfBuilder();
  const int = b.int('int', 4, 1);
  const uint = b.int('unsigned int', 4, 0);
  const u8 = b.int('unsigned char', 1, 0);
  const char = b.int('char', 1, 1);
  const cchar = b.int('cchar', 1, 2);
  const bool = b.int('_Bool', 1, 4);
  const u16 = b.int('unsigned short', 2, 0);
  const s16 = b.int('short', 2, 1);
  const u64 = b.int('unsigned long', 8, 0);
  const i128 = b.int('__int128', 16, 1);
  const u24 = b.int('u24', 4, 0, 24);
  const odd = b.int('odd', 4, 0, 5, 3);
  const uchar = b.int('char', 1, 0); // a `char` that is unsigned
  const float = b.float('float', 4);

  // ints: CHAR encoding, bools, a 24-bit int, an int with its own bit offset, __int128
  const sInts = b.composite(K.STRUCT, 'ints', 32, [
    ['a', cchar, 0], ['b', cchar, 8], ['q', cchar, 16], ['t', bool, 24], ['two', bool, 32],
    ['x', u24, 64], ['y', odd, 96], ['big', i128, 128],
  ]);
  const intsValue = (a: number, bb: number, q: number, t: number, two: number, x: number, y: number, big: bigint): Uint8Array =>
    le([a, 1], [bb, 1], [q, 1], [t, 1], [two, 1], [0, 3], [x, 4], [y, 4], [big, 16]);

  // enums of every size, signed and not, 32 and 64 bits
  const e64 = b.enum64('e64', 8, [['E64_BIG', 0xfedcba9876543210n], ['E64_ONE', 1n]]);
  const e64s = b.enum64('e64s', 8, [['S64_NEG', -5n], ['S64_MIN', -(2n ** 63n)]], true);
  const e8 = b.enum('e8', 1, [['E8_NEG', -1], ['E8_BIG', 200]], true);
  const e16 = b.enum('e16', 2, [['E16_A', 0x8000], ['E16_B', -2]], true);
  const e32 = b.enum('e32', 4, [['E32_HI', 0xfffffffe], ['E32_ZERO', 0]]);
  const sEnums = b.composite(K.STRUCT, 'enums', 24, [['u', e64, 0], ['s', e64s, 64], ['b', e8, 128], ['h', e16, 144], ['w', e32, 160]]);
  const enumsValue = (u: bigint, s: bigint, bb: number, h: number, w: number): Uint8Array => le([u, 8], [s, 8], [bb, 1], [0, 1], [h, 2], [w, 4]);

  // old-style bitfields: no kind_flag, narrow int types, members off byte boundaries
  const int3 = b.int('int3', 4, 1, 3);
  const u5 = b.int('u5', 4, 0, 5);
  const u7 = b.int('u7', 1, 0, 7);
  const sOld = b.composite(K.STRUCT, 'old_bits', 16, [['a', int3, 0], ['b', u5, 3], ['c', uint, 8 * 4], ['d', u7, 8 * 8 + 5], ['e', u16, 8 * 10 + 1]]);

  // kind_flag bitfields of enum, typedef, bool and a 64-bit field at bit 7
  const tdInt = b.ref(K.TYPEDEF, int, 'int_t');
  const sKflag = b.composite(K.STRUCT, 'kflag_bits', 16, [['en', e32, 0, 4], ['td', tdInt, 4, 6], ['on', bool, 10, 1], ['wide', u64, 15, 64], ['tail', u8, 79, 1]], true);

  // char arrays: qualified, typedef'd, CHAR-encoded, unsigned `char`, DEL, empty, 2-D, 0 long
  const constChar = b.ref(K.CONST, char);
  const volChar = b.ref(K.VOLATILE, char);
  const tdChar = b.ref(K.TYPEDEF, char, 'mychar');
  const aConst = b.array(constChar, int, 6);
  const aVol = b.array(volChar, int, 4);
  const aTd = b.array(tdChar, int, 4);
  const aCchar = b.array(cchar, int, 4);
  const aUchar = b.array(uchar, int, 4);
  const aU8 = b.array(u8, int, 4);
  const a2d = b.array(b.array(char, int, 3), int, 2);
  const a0 = b.array(char, int, 0);
  const sStr = b.composite(K.STRUCT, 'strings', 40, [
    ['konst', aConst, 0], ['vol', aVol, 48], ['td', aTd, 80], ['cc', aCchar, 112], ['uc', aUchar, 144], ['u8', aU8, 176],
    ['del', b.array(char, int, 4), 208], ['empty', b.array(char, int, 2), 240], ['grid', a2d, 256], ['none', a0, 304],
  ]);
  const stringsValue = cat(
    ascii('hi"\\', 6), ascii('full', 4), ascii('td', 4), ascii('cc', 4), ascii('uc', 4), ascii('u8', 4),
    Uint8Array.of(0x61, 0x7f, 0, 0), new Uint8Array(2), ascii('ab', 3), ascii('xyz', 3), new Uint8Array(2),
  );

  // pointers: void, to int, to const volatile int, to a function
  const proto = b.proto(int, [['x', int]]);
  const sPtr = b.composite(K.STRUCT, 'ptrs', 32, [
    ['p', b.ref(K.PTR, 0), 0], ['q', b.ref(K.PTR, int), 64], ['r', b.ref(K.PTR, b.ref(K.CONST, b.ref(K.VOLATILE, int))), 128], ['f', b.ref(K.PTR, proto), 192],
  ]);

  // unions, anonymous members nested two deep
  const halves = b.composite(K.STRUCT, '', 4, [['lo', u16, 0], ['hi', s16, 16]]);
  const uWord = b.composite(K.UNION, 'word', 4, [['', halves, 0], ['i', int, 0], ['b', b.array(u8, int, 4), 0]]);
  const inner = b.composite(K.UNION, '', 4, [['w', uWord, 0], ['', halves, 0]]);
  const sAnon = b.composite(K.STRUCT, 'outer', 8, [['n', int, 0], ['', inner, 32]]);

  // a float stops everything around it: in an array of structs, a per-CPU value, a key
  const sFloat = b.composite(K.STRUCT, 'with_float', 8, [['a', int, 0], ['f', float, 32]]);
  const aFloat = b.array(sFloat, int, 2);
  const kFloat = b.composite(K.STRUCT, 'float_key', 8, [['f', float, 0], ['x', int, 32]]);

  const perCpu = (...vs: Uint8Array[]): Uint8Array[] => Array.from({ length: cpus }, (_, i) => vs[i] ?? new Uint8Array(vs[0]!.length));

  const maps: HandmadeMap[] = [
    {
      name: 'ints', type: ARRAY, keySize: 4, valueSize: 32, maxEntries: 3, keyTypeId: uint, valueTypeId: sInts,
      entries: [
        { key: idx(0), value: intsValue(0x41, 0x01, 0x22, 1, 2, 0xabcdef, 0xff, -2n) },
        { key: idx(1), value: intsValue(0x7f, 0x20, 0xe9, 0, 0, 0xff000000, 0x12345678, (1n << 64n) | 5n) },
        { key: idx(2), value: new Uint8Array(32) },
      ],
    },
    {
      name: 'enums', type: ARRAY, keySize: 4, valueSize: 24, maxEntries: 3, keyTypeId: uint, valueTypeId: sEnums,
      entries: [
        { key: idx(0), value: enumsValue(0xfedcba9876543210n, -5n, 200, 0x8000, 0xfffffffe) },
        { key: idx(1), value: enumsValue(2n, -(2n ** 63n), 0xff, 0xfffe, 0) },
        { key: idx(2), value: enumsValue(0xffffffffffffffffn, 3n, 7, 1, 0x80000000) },
      ],
    },
    {
      name: 'old_bits', type: ARRAY, keySize: 4, valueSize: 16, maxEntries: 2, keyTypeId: uint, valueTypeId: sOld,
      entries: [
        { key: idx(0), value: le([0xfd, 1], [0xff, 1], [0, 2], [0xdeadbeef, 4], [0xffffffff, 4], [0xfffe, 2], [0x8001, 2]) },
        { key: idx(1), value: le([0x1234_5678, 4], [0x9abc_def0, 4], [0x0f0f_0f0f, 4], [0x1357_9bdf, 4]) },
      ],
    },
    {
      name: 'kflag_bits', type: ARRAY, keySize: 4, valueSize: 16, maxEntries: 2, keyTypeId: uint, valueTypeId: sKflag,
      entries: [
        { key: idx(0), value: le([0xffffffffffffffffn, 8], [0xffffffffffffffffn, 8]) },
        { key: idx(1), value: le([0x0123456789abcdefn, 8], [0x8000000000000001n, 8]) },
      ],
    },
    { name: 'strings', type: ARRAY, keySize: 4, valueSize: 40, maxEntries: 1, keyTypeId: uint, valueTypeId: sStr, entries: [{ key: idx(0), value: stringsValue }] },
    {
      name: 'ptrs', type: ARRAY, keySize: 4, valueSize: 32, maxEntries: 2, keyTypeId: uint, valueTypeId: sPtr,
      entries: [
        { key: idx(0), value: new Uint8Array(32) },
        { key: idx(1), value: le([0xffffffff81000000n, 8], [1, 8], [0xdead, 8], [0x1000, 8]) },
      ],
    },
    { name: 'anon', type: ARRAY, keySize: 4, valueSize: 8, maxEntries: 1, keyTypeId: uint, valueTypeId: sAnon, entries: [{ key: idx(0), value: le([-7, 4], [0x80010002, 4]) }] },
    { name: 'union_key', type: HASH, keySize: 4, valueSize: 8, maxEntries: 2, keyTypeId: uWord, valueTypeId: e64s, entries: [{ key: le([0x41424344, 4]), value: le([-5n, 8]) }] },
    {
      name: 'float_arr', type: ARRAY, keySize: 4, valueSize: 16, maxEntries: 1, keyTypeId: uint, valueTypeId: aFloat,
      entries: [{ key: idx(0), value: le([1, 4], [0x3fc00000, 4], [2, 4], [0, 4]) }],
    },
    {
      name: 'float_pcpu', type: PERCPU_ARRAY, keySize: 4, valueSize: 8, maxEntries: 1, keyTypeId: uint, valueTypeId: sFloat,
      entries: [{ key: idx(0), value: perCpu(le([3, 4], [0, 4]), le([4, 4], [0, 4])) }],
    },
    { name: 'float_key', type: HASH, keySize: 8, valueSize: 4, maxEntries: 1, keyTypeId: kFloat, valueTypeId: int, entries: [{ key: le([0, 4], [9, 4]), value: le([10, 4]) }] },
    {
      name: 'enum_pcpu', type: PERCPU_ARRAY, keySize: 4, valueSize: 1, maxEntries: 2, keyTypeId: uint, valueTypeId: e8,
      entries: [
        { key: idx(0), value: perCpu(le([200, 1]), le([0xff, 1])) },
        { key: idx(1), value: perCpu(le([5, 1])) },
      ],
    },
  ];
  return { btf: b.build('little'), maps };
}
