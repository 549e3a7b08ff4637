import { Atomic } from '../interpreter/atomics.js';
import type { RowOp } from '../interpreter/op.js';

/**
 * JavaScript for one instruction of the compiled program, by opcode-table row. Registers
 * are the locals l0-l10 and h0-h10 (the lower and upper halves as int32, as the
 * interpreter keeps them in its arrays); what the code may use besides is listed in
 * compile.ts. Semantics are the interpreter's, operation by operation (execute.ts and
 * int64.ts), written out with the instruction's operands as constants so that V8 sees
 * straight-line integer code.
 */

/** One instruction where it stands. */
export interface Site {
  readonly pc: number;
  readonly d: number;
  readonly s: number;
  readonly off: number;
  readonly imm: number;
  /** An lddw's upper half. */
  readonly imm2: number;
  readonly littleEndian: boolean;
  readonly stackSize: number;
}

/** Typed arrays read in the host's byte order, which the stack's word arrays may stand in for only when it is the program's. */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The second operand's halves as expressions: a sign-extended immediate or register s. */
interface Operand {
  readonly lo: string;
  readonly hi: string;
  /** lo read as unsigned. */
  readonly loU: string;
  /** The upper half when it is a constant (an immediate), for folding. */
  readonly hiConst: number | undefined;
}

const lit = (n: number) => (n < 0 ? `(${n})` : String(n));

function immOperand(x: Site): Operand {
  return { lo: lit(x.imm), hi: lit(x.imm >> 31), loU: String(x.imm >>> 0), hiConst: x.imm >> 31 };
}

function regOperand(r: number): Operand {
  return { lo: `l${r}`, hi: `h${r}`, loU: `(l${r} >>> 0)`, hiConst: undefined };
}

type Emit = (x: Site) => string;
type BinaryEmit = (x: Site, b: Operand) => string;

/** 32-bit ALU: the result's expression from lD and b; zero-extended as every 32-bit result. */
const ALU32: Readonly<Record<string, (d: string, b: Operand) => string>> = {
  add: (d, b) => `(${d} + ${b.lo}) | 0`,
  sub: (d, b) => `(${d} - ${b.lo}) | 0`,
  mul: (d, b) => `Math.imul(${d}, ${b.lo})`,
  div: (d, b) => `div32(${d}, ${b.lo})`,
  sdiv: (d, b) => `sdiv32(${d}, ${b.lo})`,
  mod: (d, b) => `mod32(${d}, ${b.lo})`,
  smod: (d, b) => `smod32(${d}, ${b.lo})`,
  or: (d, b) => `${d} | ${b.lo}`,
  and: (d, b) => `${d} & ${b.lo}`,
  xor: (d, b) => `${d} ^ ${b.lo}`,
  // JavaScript takes shift counts modulo 32, as the interpreter does.
  lsh: (d, b) => `${d} << ${b.lo}`,
  rsh: (d, b) => `${d} >>> ${b.lo}`,
  arsh: (d, b) => `${d} >> ${b.lo}`,
  mov: (_d, b) => b.lo,
};

/** The 64-bit product of (lD, hD) and b from 16-bit pieces of the lower halves, as int64.ts's mul64. */
function mul64(d: number, b: Operand): string {
  const l = `l${d}`;
  const h = `h${d}`;
  return `{ const al = ${l}, ah = ${h}, bl = ${b.lo}, bh = ${b.hi};
    const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
    const p01 = a0 * b1, p10 = a1 * b0;
    const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    ${l} = Math.imul(al, bl);
    ${h} = (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(al, bh) + Math.imul(ah, bl)) | 0; }`;
}

/** Divisions through int64.ts on a scratch register pair (they are rare; their BigInt path is long). */
function divmod64(fn: 'udivmod64' | 'sdivmod64', mod: boolean): BinaryEmit {
  return (x, b) => `SL[0] = l${x.d}; SH[0] = h${x.d}; ${fn}(SL, SH, 0, ${b.lo}, ${b.hi}, ${mod}); l${x.d} = SL[0]; h${x.d} = SH[0];`;
}

/** Shifts by a constant count (taken modulo 64), specialised. */
function shiftConst(kind: 'lsh' | 'rsh' | 'arsh', d: number, count: number): string {
  const n = count & 63;
  const l = `l${d}`;
  const h = `h${d}`;
  if (n === 0) return '';
  if (kind === 'lsh') return n < 32 ? `${h} = (${h} << ${n}) | (${l} >>> ${32 - n}); ${l} = ${l} << ${n};` : `${h} = ${l} << ${n - 32}; ${l} = 0;`;
  const top = kind === 'rsh' ? `${h} >>> ${n}` : `${h} >> ${n}`;
  if (n < 32) return `${l} = (${l} >>> ${n}) | (${h} << ${32 - n}); ${h} = ${top};`;
  return kind === 'rsh' ? `${l} = ${h} >>> ${n - 32}; ${h} = 0;` : `${l} = ${h} >> ${n - 32}; ${h} = ${h} >> 31;`;
}

function shiftReg(kind: 'lsh' | 'rsh' | 'arsh', d: number, s: number): string {
  const l = `l${d}`;
  const h = `h${d}`;
  const body =
    kind === 'lsh'
      ? `if (n < 32) { ${h} = (${h} << n) | (${l} >>> (32 - n)); ${l} = ${l} << n; } else { ${h} = ${l} << (n - 32); ${l} = 0; }`
      : kind === 'rsh'
        ? `if (n < 32) { ${l} = (${l} >>> n) | (${h} << (32 - n)); ${h} = ${h} >>> n; } else { ${l} = ${h} >>> (n - 32); ${h} = 0; }`
        : `if (n < 32) { ${l} = (${l} >>> n) | (${h} << (32 - n)); ${h} = ${h} >> n; } else { ${l} = ${h} >> (n - 32); ${h} = ${h} >> 31; }`;
  return `{ const n = l${s} & 63; if (n !== 0) { ${body} } }`;
}

/** 64-bit ALU with the second operand b; the upper half of an immediate folds where it is 0 or -1. */
const ALU64: Readonly<Record<string, BinaryEmit>> = {
  add: (x, b) => `{ const t = (l${x.d} >>> 0) + ${b.loU}; h${x.d} = (h${x.d} + ${b.hi} + (t > 4294967295 ? 1 : 0)) | 0; l${x.d} = t | 0; }`,
  sub: (x, b) => `{ const t = (l${x.d} >>> 0) - ${b.loU}; h${x.d} = (h${x.d} - ${b.hi} - (t < 0 ? 1 : 0)) | 0; l${x.d} = t | 0; }`,
  mul: (x, b) => mul64(x.d, b),
  div: divmod64('udivmod64', false),
  mod: divmod64('udivmod64', true),
  sdiv: divmod64('sdivmod64', false),
  smod: divmod64('sdivmod64', true),
  or: (x, b) => `l${x.d} = l${x.d} | ${b.lo}; ${b.hiConst === 0 ? '' : `h${x.d} = h${x.d} | ${b.hi};`}`,
  and: (x, b) => `l${x.d} = l${x.d} & ${b.lo}; ${b.hiConst === -1 ? '' : `h${x.d} = h${x.d} & ${b.hi};`}`,
  xor: (x, b) => `l${x.d} = l${x.d} ^ ${b.lo}; ${b.hiConst === 0 ? '' : `h${x.d} = h${x.d} ^ ${b.hi};`}`,
  mov: (x, b) => `l${x.d} = ${b.lo}; h${x.d} = ${b.hi};`,
  lsh: (x, b) => (b.hiConst === undefined ? shiftReg('lsh', x.d, x.s) : shiftConst('lsh', x.d, x.imm)),
  rsh: (x, b) => (b.hiConst === undefined ? shiftReg('rsh', x.d, x.s) : shiftConst('rsh', x.d, x.imm)),
  arsh: (x, b) => (b.hiConst === undefined ? shiftReg('arsh', x.d, x.s) : shiftConst('arsh', x.d, x.imm)),
};

/** Conditions of the conditional jumps, 64-bit: on (lD, hD) against b. */
const JMP64: Readonly<Record<string, (d: number, b: Operand) => string>> = {
  jeq: (d, b) => `l${d} === ${b.lo} && h${d} === ${b.hi}`,
  jne: (d, b) => `l${d} !== ${b.lo} || h${d} !== ${b.hi}`,
  jset: (d, b) => (b.hiConst === 0 ? `(l${d} & ${b.lo}) !== 0` : `(l${d} & ${b.lo}) !== 0 || (h${d} & ${b.hi}) !== 0`),
  jgt: (d, b) => `(h${d} === ${b.hi} ? (l${d} >>> 0) > ${b.loU} : (h${d} >>> 0) > (${b.hi} >>> 0))`,
  jge: (d, b) => `(h${d} === ${b.hi} ? (l${d} >>> 0) >= ${b.loU} : (h${d} >>> 0) > (${b.hi} >>> 0))`,
  jlt: (d, b) => `(h${d} === ${b.hi} ? (l${d} >>> 0) < ${b.loU} : (h${d} >>> 0) < (${b.hi} >>> 0))`,
  jle: (d, b) => `(h${d} === ${b.hi} ? (l${d} >>> 0) <= ${b.loU} : (h${d} >>> 0) < (${b.hi} >>> 0))`,
  jsgt: (d, b) => `(h${d} === ${b.hi} ? (l${d} >>> 0) > ${b.loU} : h${d} > ${b.hi})`,
  jsge: (d, b) => `(h${d} === ${b.hi} ? (l${d} >>> 0) >= ${b.loU} : h${d} > ${b.hi})`,
  jslt: (d, b) => `(h${d} === ${b.hi} ? (l${d} >>> 0) < ${b.loU} : h${d} < ${b.hi})`,
  jsle: (d, b) => `(h${d} === ${b.hi} ? (l${d} >>> 0) <= ${b.loU} : h${d} < ${b.hi})`,
};

/** 32-bit: the lower halves only. */
const JMP32: Readonly<Record<string, (d: number, b: Operand) => string>> = {
  jeq: (d, b) => `l${d} === ${b.lo}`,
  jne: (d, b) => `l${d} !== ${b.lo}`,
  jset: (d, b) => `(l${d} & ${b.lo}) !== 0`,
  jgt: (d, b) => `(l${d} >>> 0) > ${b.loU}`,
  jge: (d, b) => `(l${d} >>> 0) >= ${b.loU}`,
  jlt: (d, b) => `(l${d} >>> 0) < ${b.loU}`,
  jle: (d, b) => `(l${d} >>> 0) <= ${b.loU}`,
  jsgt: (d, b) => `l${d} > ${b.lo}`,
  jsge: (d, b) => `l${d} >= ${b.lo}`,
  jslt: (d, b) => `l${d} < ${b.lo}`,
  jsle: (d, b) => `l${d} <= ${b.lo}`,
};

/**
 * A checked access of size bytes at base + off: `use(view, at)` gets the DataView and an
 * expression of the byte offset plus a constant. The frame pointer always holds the top
 * of the current frame's stack (r10 is read-only to programs and helpers), so a stack
 * slot at a constant offset needs no check at all; anything else finds its region by the
 * upper half and checks the bounds, as the interpreter's ea() does.
 */
function access(x: Site, base: number, size: number, write: boolean, use: (view: string, at: (delta: number) => string, bytes: string) => string): string {
  const off = x.off;
  if (base === 10) {
    const k = x.stackSize + off;
    if (k >= 0 && k + size <= x.stackSize) return use('SV', (delta) => String(k + delta), 'S8');
  }
  const l = `l${base}`;
  const h = `h${base}`;
  const wrap =
    off > 0 ? ` if (a > 4294967295) { a -= 4294967296; x = (x + 1) | 0; }` : off < 0 ? ` if (a < 0) { a += 4294967296; x = (x - 1) | 0; }` : '';
  return `{ let a = (${l} >>> 0)${off === 0 ? '' : ` + ${lit(off)}`}, x = ${h};${wrap}
    const r = R[x >>> 0];
    if (r === undefined || a + ${size} > r.size${write ? ' || !r.writable' : ''}) throw m.memoryFault(${x.pc}, ${h}, ${l}, ${off}, ${size}, ${write});
    ${use('r.view', (delta) => (delta === 0 ? 'a' : `a + ${delta}`), 'r.bytes')} }`;
}

/** Byte offsets of the low and high words of a 64-bit value. */
const words = (x: Site) => (x.littleEndian ? { L: 0, H: 4 } : { L: 4, H: 0 });

/**
 * The stack slot at a constant offset from r10 as a typed-array element (S8 bytes, S16
 * halves, S32 words of the current frame's stack), when it is inside the stack, aligned
 * and in the host's byte order; undefined otherwise. TurboFan compiles element accesses
 * far faster than DataView calls, and most of a program's memory traffic is its stack.
 */
function stackElement(x: Site, base: number, size: 1 | 2 | 4 | 8): number | undefined {
  const k = x.stackSize + x.off;
  if (base !== 10 || k < 0 || k + size > x.stackSize || k % Math.min(size, 4) !== 0) return undefined;
  if (size > 1 && x.littleEndian !== HOST_LITTLE_ENDIAN) return undefined;
  return k;
}

function stackLoad(x: Site, k: number, size: 1 | 2 | 4 | 8, signed: boolean): string {
  const d = x.d;
  switch (size) {
    case 1: return signed ? `l${d} = (S8[${k}] << 24) >> 24; h${d} = l${d} >> 31;` : `l${d} = S8[${k}]; h${d} = 0;`;
    case 2: return signed ? `l${d} = S16[${k >> 1}]; h${d} = l${d} >> 31;` : `l${d} = S16[${k >> 1}] & 0xffff; h${d} = 0;`;
    case 4: return `l${d} = S32[${k >> 2}]; h${d} = ${signed ? `l${d} >> 31` : '0'};`;
    case 8: return `l${d} = S32[${k >> 2}]; h${d} = S32[${(k >> 2) + 1}];`;
  }
}

function stackStore(k: number, size: 1 | 2 | 4 | 8, lo: string, hi: string): string {
  switch (size) {
    case 1: return `S8[${k}] = ${lo};`;
    case 2: return `S16[${k >> 1}] = ${lo};`;
    case 4: return `S32[${k >> 2}] = ${lo};`;
    case 8: return `S32[${k >> 2}] = ${lo}; S32[${(k >> 2) + 1}] = ${hi};`;
  }
}

function load(size: 1 | 2 | 4 | 8, signed: boolean): Emit {
  return (x) => {
    const k = stackElement(x, x.s, size);
    if (k !== undefined) return stackLoad(x, k, size, signed);
    return access(x, x.s, size, false, (v, at, bytes) => {
      const le = x.littleEndian;
      const d = x.d;
      // Bytes straight from the Uint8Array: cheaper than a DataView call.
      if (size === 1) return signed ? `l${d} = (${bytes}[${at(0)}] << 24) >> 24; h${d} = l${d} >> 31;` : `l${d} = ${bytes}[${at(0)}]; h${d} = 0;`;
      if (size === 8) {
        const { L, H } = words(x);
        return `l${d} = ${v}.getInt32(${at(L)}, ${le}); h${d} = ${v}.getInt32(${at(H)}, ${le});`;
      }
      const get = { 2: signed ? 'getInt16' : 'getUint16', 4: 'getInt32' }[size];
      return `l${d} = ${v}.${get}(${at(0)}, ${le}); h${d} = ${signed ? `l${d} >> 31` : '0'};`;
    });
  };
}

/** A store of the immediate (st*) or of src (stx*). */
function store(size: 1 | 2 | 4 | 8, fromReg: boolean): Emit {
  return (x) => {
    const lo = fromReg ? `l${x.s}` : lit(x.imm);
    const k = stackElement(x, x.d, size);
    if (k !== undefined) return stackStore(k, size, lo, fromReg ? `h${x.s}` : lit(x.imm >> 31));
    return access(x, x.d, size, true, (v, at, bytes) => {
      const le = x.littleEndian;
      if (size === 1) return `${bytes}[${at(0)}] = ${lo};`;
      if (size === 8) {
        const { L, H } = words(x);
        return `${v}.setInt32(${at(L)}, ${lo}, ${le}); ${v}.setInt32(${at(H)}, ${fromReg ? `h${x.s}` : lit(x.imm >> 31)}, ${le});`;
      }
      const set = { 2: 'setInt16', 4: 'setInt32' }[size];
      return `${v}.${set}(${at(0)}, ${lo}, ${le});`;
    });
  };
}

/** Atomics through atomics.ts on the machine's arrays: r0 and src go there and back. */
function atomic(kind: Atomic, fetch: boolean, size: 4 | 8): Emit {
  return (x) =>
    access(x, x.d, size, true, (v, at) => {
      const s = x.s;
      const call =
        size === 4
          ? `atomic32(${kind}, ${fetch}, ${v}, ${at(0)}, ${x.littleEndian}, lo, hi, ${s});`
          : `atomic64(${kind}, ${fetch}, ${v}, ${at(words(x).L)}, ${at(words(x).H)}, ${x.littleEndian}, lo, hi, ${s});`;
      return `lo[0] = l0; hi[0] = h0; lo[${s}] = l${s}; hi[${s}] = h${s}; ${call} l0 = lo[0]; h0 = hi[0]; l${s} = lo[${s}]; h${s} = hi[${s}];`;
    });
}

/** Straight-line rows: everything but jumps, calls and exit (compile.ts ends blocks with those). */
export const EMIT: Partial<Record<RowOp, Emit>> = {
  movsx32_8: (x) => `l${x.d} = (l${x.s} << 24) >> 24; h${x.d} = 0;`,
  movsx32_16: (x) => `l${x.d} = (l${x.s} << 16) >> 16; h${x.d} = 0;`,
  neg32: (x) => `l${x.d} = -l${x.d} | 0; h${x.d} = 0;`,
  movsx64_8: (x) => `l${x.d} = (l${x.s} << 24) >> 24; h${x.d} = l${x.d} >> 31;`,
  movsx64_16: (x) => `l${x.d} = (l${x.s} << 16) >> 16; h${x.d} = l${x.d} >> 31;`,
  movsx64_32: (x) => `l${x.d} = l${x.s}; h${x.d} = l${x.d} >> 31;`,
  neg64: (x) => `{ const t = l${x.d}; l${x.d} = -t | 0; h${x.d} = (~h${x.d} + (t === 0 ? 1 : 0)) | 0; }`,
  // le/be convert to that order from the program's (a truncation when they agree); bswap always swaps.
  le16: (x) => `l${x.d} = ${x.littleEndian ? `l${x.d} & 0xffff` : `bswap16(l${x.d})`}; h${x.d} = 0;`,
  be16: (x) => `l${x.d} = ${x.littleEndian ? `bswap16(l${x.d})` : `l${x.d} & 0xffff`}; h${x.d} = 0;`,
  bswap16: (x) => `l${x.d} = bswap16(l${x.d}); h${x.d} = 0;`,
  le32: (x) => `${x.littleEndian ? '' : `l${x.d} = bswap32(l${x.d}); `}h${x.d} = 0;`,
  be32: (x) => `${x.littleEndian ? `l${x.d} = bswap32(l${x.d}); ` : ''}h${x.d} = 0;`,
  bswap32: (x) => `l${x.d} = bswap32(l${x.d}); h${x.d} = 0;`,
  le64: (x) => (x.littleEndian ? '' : swap64(x.d)),
  be64: (x) => (x.littleEndian ? swap64(x.d) : ''),
  bswap64: (x) => swap64(x.d),
  lddw: (x) => `l${x.d} = ${lit(x.imm)}; h${x.d} = ${lit(x.imm2)};`,
  ldxb: load(1, false), ldxh: load(2, false), ldxw: load(4, false), ldxdw: load(8, false),
  load_acquire_b: load(1, false), load_acquire_h: load(2, false), load_acquire_w: load(4, false), load_acquire_dw: load(8, false),
  ldxsb: load(1, true), ldxsh: load(2, true), ldxsw: load(4, true),
  stb: store(1, false), sth: store(2, false), stw: store(4, false), stdw: store(8, false),
  stxb: store(1, true), stxh: store(2, true), stxw: store(4, true), stxdw: store(8, true),
  store_release_b: store(1, true), store_release_h: store(2, true), store_release_w: store(4, true), store_release_dw: store(8, true),
  lock_add_w: atomic(Atomic.add, false, 4), atomic_fetch_add_w: atomic(Atomic.add, true, 4),
  lock_or_w: atomic(Atomic.or, false, 4), atomic_fetch_or_w: atomic(Atomic.or, true, 4),
  lock_and_w: atomic(Atomic.and, false, 4), atomic_fetch_and_w: atomic(Atomic.and, true, 4),
  lock_xor_w: atomic(Atomic.xor, false, 4), atomic_fetch_xor_w: atomic(Atomic.xor, true, 4),
  atomic_xchg_w: atomic(Atomic.xchg, true, 4), atomic_cmpxchg_w: atomic(Atomic.cmpxchg, true, 4),
  lock_add_dw: atomic(Atomic.add, false, 8), atomic_fetch_add_dw: atomic(Atomic.add, true, 8),
  lock_or_dw: atomic(Atomic.or, false, 8), atomic_fetch_or_dw: atomic(Atomic.or, true, 8),
  lock_and_dw: atomic(Atomic.and, false, 8), atomic_fetch_and_dw: atomic(Atomic.and, true, 8),
  lock_xor_dw: atomic(Atomic.xor, false, 8), atomic_fetch_xor_dw: atomic(Atomic.xor, true, 8),
  atomic_xchg_dw: atomic(Atomic.xchg, true, 8), atomic_cmpxchg_dw: atomic(Atomic.cmpxchg, true, 8),
  nospec: () => '',
};

function swap64(d: number): string {
  return `{ const t = l${d}; l${d} = bswap32(h${d}); h${d} = bswap32(t); }`;
}

for (const [name, fn] of Object.entries(ALU32)) {
  EMIT[`${name}32_imm` as RowOp] = (x) => `l${x.d} = ${fn(`l${x.d}`, immOperand(x))}; h${x.d} = 0;`;
  EMIT[`${name}32_reg` as RowOp] = (x) => `l${x.d} = ${fn(`l${x.d}`, regOperand(x.s))}; h${x.d} = 0;`;
}
for (const [name, fn] of Object.entries(ALU64)) {
  EMIT[`${name}64_imm` as RowOp] = (x) => fn(x, immOperand(x));
  EMIT[`${name}64_reg` as RowOp] = (x) => fn(x, regOperand(x.s));
}

/** The condition under which a conditional jump row jumps, or undefined for other rows. */
export function jumpCondition(name: RowOp, x: Site): string | undefined {
  const m = /^(j[a-z]+?)(32)?_(imm|reg)$/.exec(name);
  if (!m) return undefined;
  const table = m[2] ? JMP32 : JMP64;
  const cond = table[m[1]!];
  if (!cond) return undefined;
  return cond(x.d, m[3] === 'imm' ? immOperand(x) : regOperand(x.s));
}
