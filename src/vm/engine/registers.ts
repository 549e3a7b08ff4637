/** The registers as 64-bit values, for helpers and for inspecting a VM after a run. */
export class Registers {
  /** readOnlyFp: whether r10 may not be set now (while a program runs, the frame pointer is its stack). */
  constructor(
    private readonly lo: Int32Array,
    private readonly hi: Int32Array,
    private readonly readOnlyFp: () => boolean = () => false,
  ) {}

  /** r0-r10 as an unsigned 64-bit value. */
  get(n: number): bigint {
    checkReg(n);
    const h = this.hi[n]!;
    // One BigInt rather than three for the common small value (helpers read several per call).
    return h === 0 ? BigInt(this.lo[n]! >>> 0) : (BigInt(h >>> 0) << 32n) | BigInt(this.lo[n]! >>> 0);
  }

  /** r0-r10 as a signed 64-bit value. */
  getSigned(n: number): bigint {
    return BigInt.asIntN(64, this.get(n));
  }

  /** Sets r0-r10 to the value taken modulo 2^64 (negative values as two's complement). */
  set(n: number, value: bigint | number): void {
    checkReg(n);
    if (n === 10 && this.readOnlyFp()) throw new RangeError('r10 is the frame pointer of the running program: a helper may not set it');
    if (typeof value === 'number' && Number.isSafeInteger(value)) {
      // ToInt32 keeps the low 32 bits of any safe integer, negative ones as two's complement.
      this.lo[n] = value | 0;
      this.hi[n] = Math.floor(value / 4294967296) | 0;
      return;
    }
    const v = BigInt(value);
    this.lo[n] = Number(BigInt.asIntN(32, v));
    this.hi[n] = Number(BigInt.asIntN(32, v >> 32n));
  }
}

function checkReg(n: number): void {
  if (!(n >= 0 && n <= 10 && (n | 0) === n)) throw new RangeError(`r${n} is not a register`);
}
