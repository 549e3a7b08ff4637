/**
 * 64-bit arithmetic on registers kept as two signed 32-bit halves (`lo[r]`, `hi[r]`).
 * BigInt would allocate on every instruction; doubles hold only 53 bits. These work on
 * the halves with 32-bit integer operations, and fall back to BigInt only for divisions
 * whose operands do not fit in a double's 53 bits, which programs rarely do.
 * Each function updates register d in place with the result of (d op b), b given as
 * halves so that an immediate (sign-extended: bh = imm >> 31) and a register look alike.
 */

const TWO32 = 4294967296;

/** d *= b (mod 2^64): the 64-bit product of the low halves from 16-bit pieces, plus the cross terms. */
export function mul64(lo: Int32Array, hi: Int32Array, d: number, bl: number, bh: number): void {
  const al = lo[d]!;
  const ah = hi[d]!;
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const carry = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  lo[d] = Math.imul(al, bl);
  hi[d] = (carry + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
}

/** Writes an integer-valued double with |v| < 2^53 into register d. */
function setDouble(lo: Int32Array, hi: Int32Array, d: number, v: number): void {
  lo[d] = v | 0;
  hi[d] = Math.floor(v / TWO32) | 0;
}

function setBig(lo: Int32Array, hi: Int32Array, d: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  lo[d] = Number(u & 0xffffffffn) | 0;
  hi[d] = Number(u >> 32n) | 0;
}

function bigOf(h: number, l: number): bigint {
  return (BigInt(h) << 32n) | BigInt(l >>> 0);
}

/**
 * Unsigned d /= b or d %= b. As in the kernel, dividing by zero gives 0 and taking the
 * remainder by zero leaves d as it was. Below 2^53 a double's quotient, truncated, is
 * exact (its rounding error stays under 1/b).
 */
export function udivmod64(lo: Int32Array, hi: Int32Array, d: number, bl: number, bh: number, mod: boolean): void {
  const ah = hi[d]! >>> 0;
  const bH = bh >>> 0;
  if (bH === 0 && bl === 0) {
    if (!mod) lo[d] = hi[d] = 0;
    return;
  }
  if (ah < 0x200000 && bH < 0x200000) {
    const a = ah * TWO32 + (lo[d]! >>> 0);
    const b = bH * TWO32 + (bl >>> 0);
    const q = Math.floor(a / b);
    setDouble(lo, hi, d, mod ? a - q * b : q);
    return;
  }
  const a = BigInt.asUintN(64, bigOf(hi[d]!, lo[d]!));
  const b = BigInt.asUintN(64, bigOf(bh, bl));
  setBig(lo, hi, d, mod ? a % b : a / b);
}

/**
 * Signed d /= b or d %= b (ISA v4 sdiv/smod): truncating toward zero, the remainder
 * taking the dividend's sign; INT64_MIN / -1 wraps to INT64_MIN and its remainder is 0.
 * By zero as the unsigned forms.
 */
export function sdivmod64(lo: Int32Array, hi: Int32Array, d: number, bl: number, bh: number, mod: boolean): void {
  const ah = hi[d]!;
  if (bh === 0 && bl === 0) {
    if (!mod) lo[d] = hi[d] = 0;
    return;
  }
  if (ah >= -0x200000 && ah < 0x200000 && bh >= -0x200000 && bh < 0x200000) {
    const a = ah * TWO32 + (lo[d]! >>> 0);
    const b = bh * TWO32 + (bl >>> 0);
    const q = Math.trunc(a / b);
    setDouble(lo, hi, d, mod ? a - q * b : q);
    return;
  }
  const a = bigOf(ah, lo[d]!);
  const b = bigOf(bh, bl);
  setBig(lo, hi, d, mod ? a % b : a / b);
}

/** Shifts take the count modulo 64, as the conformance suite expects of out-of-range counts. */
export function lsh64(lo: Int32Array, hi: Int32Array, d: number, count: number): void {
  const n = count & 63;
  if (n === 0) return;
  if (n < 32) {
    hi[d] = (hi[d]! << n) | (lo[d]! >>> (32 - n));
    lo[d] = lo[d]! << n;
  } else {
    hi[d] = lo[d]! << (n - 32);
    lo[d] = 0;
  }
}

export function rsh64(lo: Int32Array, hi: Int32Array, d: number, count: number): void {
  const n = count & 63;
  if (n === 0) return;
  if (n < 32) {
    lo[d] = (lo[d]! >>> n) | (hi[d]! << (32 - n));
    hi[d] = hi[d]! >>> n;
  } else {
    lo[d] = hi[d]! >>> (n - 32);
    hi[d] = 0;
  }
}

export function arsh64(lo: Int32Array, hi: Int32Array, d: number, count: number): void {
  const n = count & 63;
  if (n === 0) return;
  if (n < 32) {
    lo[d] = (lo[d]! >>> n) | (hi[d]! << (32 - n));
    hi[d] = hi[d]! >> n;
  } else {
    lo[d] = hi[d]! >> (n - 32);
    hi[d] = hi[d]! >> 31;
  }
}

export function bswap32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

export function bswap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}

/** Unsigned a > b and a >= b of 64-bit values given as halves. */
export function ugt(ah: number, al: number, bh: number, bl: number): boolean {
  return ah === bh ? al >>> 0 > bl >>> 0 : ah >>> 0 > bh >>> 0;
}

export function uge(ah: number, al: number, bh: number, bl: number): boolean {
  return ah === bh ? al >>> 0 >= bl >>> 0 : ah >>> 0 > bh >>> 0;
}

/** Signed a > b and a >= b: the upper halves compare signed, the lower ones unsigned. */
export function sgt(ah: number, al: number, bh: number, bl: number): boolean {
  return ah === bh ? al >>> 0 > bl >>> 0 : ah > bh;
}

export function sge(ah: number, al: number, bh: number, bl: number): boolean {
  return ah === bh ? al >>> 0 >= bl >>> 0 : ah > bh;
}

/** 32-bit division and remainder; by zero as the 64-bit forms (the caller zero-extends). */
export function div32(a: number, b: number): number {
  return b === 0 ? 0 : ((a >>> 0) / (b >>> 0)) | 0;
}

export function mod32(a: number, b: number): number {
  return b === 0 ? a : ((a >>> 0) % (b >>> 0)) | 0;
}

/** INT32_MIN / -1 overflows to INT32_MIN, which `| 0` gives. */
export function sdiv32(a: number, b: number): number {
  return b === 0 ? 0 : (a / b) | 0;
}

export function smod32(a: number, b: number): number {
  return b === 0 ? a : (a % b) | 0;
}

export function swap64(lo: Int32Array, hi: Int32Array, d: number): void {
  const l = lo[d]!;
  lo[d] = bswap32(hi[d]!);
  hi[d] = bswap32(l);
}
