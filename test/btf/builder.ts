/**
 * Builds raw BTF blobs for tests, in either byte order, so every kind (including the
 * ones clang 14 never emits: TYPE_TAG, ENUM64, signed enums) and every malformation
 * can be fed to the parser and to the real bpftool.
 */
export type Order = 'little' | 'big';

export const K = {
  INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9, CONST: 10,
  RESTRICT: 11, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17, TYPE_TAG: 18, ENUM64: 19,
} as const;

export class BtfBuilder {
  private words: number[] = [];
  private strs: number[] = [0];
  private strIndex = new Map<string, number>([['', 0]]);
  private count = 0;

  /**
   * @param firstId first type id (base type count for split BTF)
   * @param strStart first string offset (base string size for split BTF)
   */
  constructor(
    readonly firstId = 1,
    private readonly strStart = 0,
  ) {
    if (strStart > 0) {
      this.strs = [];
      this.strIndex = new Map();
    }
  }

  /** Offset of a string, added on first use; '' is offset 0 (in base BTF). */
  str(s: string): number {
    const known = this.strIndex.get(s);
    if (known !== undefined) return known;
    const off = this.strStart + this.strs.length;
    this.strs.push(...Buffer.from(s, 'utf8'), 0);
    this.strIndex.set(s, off);
    return off;
  }

  /** Appends raw words for one type; returns its id. */
  raw(nameOff: number, kind: number, vlen: number, kflag: boolean, sizeOrType: number, ...rest: number[]): number {
    this.words.push(nameOff, ((kflag ? 1 : 0) << 31) | (kind << 24) | vlen, sizeOrType, ...rest);
    return this.firstId + this.count++;
  }

  /** Appends words that belong to no type (to test trailing garbage). */
  junk(...words: number[]): void {
    this.words.push(...words);
  }

  private n(name: string | number): number {
    return typeof name === 'number' ? name : name === '' ? 0 : this.str(name);
  }

  int(name: string, size: number, enc = 0, bits = size * 8, offset = 0): number {
    return this.raw(this.n(name), K.INT, 0, false, size, (enc << 24) | (offset << 16) | bits);
  }
  ref(kind: number, type: number, name: string = ''): number {
    return this.raw(this.n(name), kind, 0, false, type);
  }
  array(type: number, index: number, nelems: number): number {
    return this.raw(0, K.ARRAY, 0, false, 0, type, index, nelems);
  }
  composite(kind: number, name: string, size: number, members: [string, number, number, number?][], kflag = false): number {
    const rest = members.flatMap(([n, t, off, bits]) => [this.n(n), t, kflag ? ((bits ?? 0) << 24) | off : off]);
    return this.raw(this.n(name), kind, members.length, kflag, size, ...rest);
  }
  enum(name: string, size: number, values: [string, number][], signed = false): number {
    return this.raw(this.n(name), K.ENUM, values.length, signed, size, ...values.flatMap(([n, v]) => [this.n(n), v]));
  }
  enum64(name: string, size: number, values: [string, bigint][], signed = false): number {
    const rest = values.flatMap(([n, v]) => {
      const u = BigInt.asUintN(64, v);
      return [this.n(n), Number(u & 0xffffffffn), Number(u >> 32n)];
    });
    return this.raw(this.n(name), K.ENUM64, values.length, signed, size, ...rest);
  }
  fwd(name: string, union = false): number {
    return this.raw(this.n(name), K.FWD, 0, union, 0);
  }
  func(name: string, proto: number, linkage = 0): number {
    return this.raw(this.n(name), K.FUNC, linkage, false, proto);
  }
  proto(ret: number, params: [string, number][]): number {
    return this.raw(0, K.FUNC_PROTO, params.length, false, ret, ...params.flatMap(([n, t]) => [this.n(n), t]));
  }
  var(name: string, type: number, linkage = 1): number {
    return this.raw(this.n(name), K.VAR, 0, false, type, linkage);
  }
  datasec(name: string, size: number, vars: [number, number, number][]): number {
    return this.raw(this.n(name), K.DATASEC, vars.length, false, size, ...vars.flat());
  }
  float(name: string, size: number): number {
    return this.raw(this.n(name), K.FLOAT, 0, false, size);
  }
  declTag(name: string, type: number, idx: number): number {
    return this.raw(this.n(name), K.DECL_TAG, 0, false, type, idx >>> 0);
  }

  /** The blob: header, types, strings. */
  build(order: Order = 'little', tweak: Partial<Record<'magic' | 'version' | 'flags' | 'hdrLen' | 'typeOff' | 'typeLen' | 'strOff' | 'strLen', number>> = {}): Uint8Array {
    const typeLen = this.words.length * 4;
    const h = { magic: 0xeb9f, version: 1, flags: 0, hdrLen: 24, typeOff: 0, typeLen, strOff: typeLen, strLen: this.strs.length, ...tweak };
    const buf = new Uint8Array(24 + typeLen + this.strs.length);
    const dv = new DataView(buf.buffer);
    const le = order === 'little';
    dv.setUint16(0, h.magic, le);
    dv.setUint8(2, h.version);
    dv.setUint8(3, h.flags);
    dv.setUint32(4, h.hdrLen, le);
    dv.setUint32(8, h.typeOff, le);
    dv.setUint32(12, h.typeLen, le);
    dv.setUint32(16, h.strOff, le);
    dv.setUint32(20, h.strLen, le);
    this.words.forEach((w, i) => dv.setUint32(24 + i * 4, w >>> 0, le));
    buf.set(this.strs, 24 + typeLen);
    return buf;
  }

  /** Total size of the string section so far (the next split blob's strStart). */
  get strEnd(): number {
    return this.strStart + this.strs.length;
  }

  /** One more than the last id (the next split blob's firstId). */
  get typeEnd(): number {
    return this.firstId + this.count;
  }
}
