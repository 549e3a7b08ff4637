import { isAluClass, SIZE_BYTES, type AtomicOp, type OpcodeSpec } from '../../isa/index.js';
import { Atomic } from '../engine/atomics.js';

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

/** The atomics' operations as atomics.ts numbers them. */
const ATOMIC_KIND: Partial<Readonly<Record<AtomicOp, Atomic>>> = {
  add: Atomic.add, or: Atomic.or, and: Atomic.and, xor: Atomic.xor, xchg: Atomic.xchg, cmpxchg: Atomic.cmpxchg,
};

function swap64(d: number): string {
  return `{ const t = l${d}; l${d} = bswap32(h${d}); h${d} = bswap32(t); }`;
}

/** le/be convert to that order from the program's (a truncation when they agree); bswap always swaps. */
function byteSwap(row: OpcodeSpec): Emit {
  const bits = SIZE_BYTES[row.size!] * 8;
  return (x) => {
    const swaps = row.order === 'swap' || (row.order === 'be') === x.littleEndian;
    const d = x.d;
    if (bits === 16) return `l${d} = ${swaps ? `bswap16(l${d})` : `l${d} & 0xffff`}; h${d} = 0;`;
    if (bits === 32) return `${swaps ? `l${d} = bswap32(l${d}); ` : ''}h${d} = 0;`;
    return swaps ? swap64(d) : '';
  };
}

/** movsx: the source's low 8, 16 or 32 bits, sign-extended to the row's width. */
function movsx(row: OpcodeSpec): Emit {
  const shift = 32 - SIZE_BYTES[row.size!] * 8;
  return (x) => {
    const value = shift === 0 ? `l${x.s}` : `(l${x.s} << ${shift}) >> ${shift}`;
    return `l${x.d} = ${value}; h${x.d} = ${row.width === 64 ? `l${x.d} >> 31` : '0'};`;
  };
}

function aluEmit(row: OpcodeSpec): Emit | undefined {
  switch (row.op) {
    case 'neg':
      return row.width === 32
        ? (x) => `l${x.d} = -l${x.d} | 0; h${x.d} = 0;`
        : (x) => `{ const t = l${x.d}; l${x.d} = -t | 0; h${x.d} = (~h${x.d} + (t === 0 ? 1 : 0)) | 0; }`;
    case 'end':
      return byteSwap(row);
    case 'mov':
      if (row.signed) return movsx(row);
  }
  // The signed division and modulo are their own entries.
  const key = row.signed ? `s${row.op}` : row.op!;
  const operand = (x: Site) => (row.source === 'X' ? regOperand(x.s) : immOperand(x));
  if (row.width === 32) {
    const fn = ALU32[key];
    return fn && ((x) => `l${x.d} = ${fn(`l${x.d}`, operand(x))}; h${x.d} = 0;`);
  }
  const fn = ALU64[key];
  return fn && ((x) => fn(x, operand(x)));
}

/** Code for a straight-line row (everything but jumps, calls and exit, which compile.ts ends blocks with), by its parts. */
export function emitterFor(row: OpcodeSpec): Emit | undefined {
  if (isAluClass(row.cls)) return aluEmit(row);
  const bytes = row.size === undefined ? undefined : SIZE_BYTES[row.size];
  if (bytes === undefined) return undefined;
  switch (row.mode) {
    case 'IMM':
      return (x) => `l${x.d} = ${lit(x.imm)}; h${x.d} = ${lit(x.imm2)};`;
    case 'MEM':
    case 'MEMSX':
      if (row.cls === 'ldx') return load(bytes, row.signed === true);
      return store(bytes, row.cls === 'stx');
    case 'ATOMIC': {
      if (row.atomic === 'load_acquire') return load(bytes, false);
      if (row.atomic === 'store_release') return store(bytes, true);
      const kind = row.atomic && ATOMIC_KIND[row.atomic];
      return kind === undefined || bytes < 4 ? undefined : atomic(kind, row.fetch === true, bytes as 4 | 8);
    }
    case 'NOSPEC':
      return () => '';
    default:
      return undefined;
  }
}

/** The condition under which a conditional jump row jumps, or undefined for other rows. */
export function jumpCondition(row: OpcodeSpec, x: Site): string | undefined {
  if (row.flow !== 'cond' || row.op === 'jcond') return undefined;
  const cond = (row.width === 32 ? JMP32 : JMP64)[row.op!];
  return cond?.(x.d, row.source === 'X' ? regOperand(x.s) : immOperand(x));
}
