import { BtfError } from '../errors.js';
import { JsonWriter } from '../text/index.js';
import type { Btf } from './btf.js';
import { MAX_NESTING, walk } from './limits.js';
import { MAX_RESOLVE_DEPTH, resolveSize } from './resolve-size.js';
import { BTF_INT_ENCODING, type BtfArray, type BtfComposite, type BtfDatasec, type BtfInt, type BtfType } from './types.js';

/**
 * Values by BTF type, laid out as bpftool 7.1's `map dump` prints them (its BTF
 * dumper writing through its JSON writer). Behaviour established against the real
 * bpftool on this machine (see test/btf/golden-values/):
 *
 * - Two modes. `plain` is what `bpftool map dump` prints for a map with BTF (the same
 *   JSON-like text through a pretty writer); `json` is the `formatted` part of
 *   `-j map dump`. They differ only in pointers (`0x1234` or `(nil)` against
 *   `4660`), non-printable `char`s (`0x1` against `"\u0001"`) and the hex numbers
 *   below (bare against quoted).
 * - Integers of 8/16/32/64 bits print in decimal by their sign, `_Bool` as
 *   `true`/`false`, a `char`-encoded int as a one-character string.
 * - Bitfields (kind_flag sizes, int types narrower than a byte multiple or with a bit
 *   offset, members off a byte boundary) and 128-bit ints print in hex
 *   (`0x1d`, never sign-extended). bpftool extracts them with 128-bit shifts made of
 *   64-bit ones; a field 128 bits wide, or ending at bit 128 of what it copies, makes
 *   it shift by 64, which x86 takes as a shift by 0. We reproduce that
 *   (`unsigned __int128 x : 128` prints both halves or-ed together).
 * - An enum prints its enumerator's name when the value (read signed by size) equals
 *   one (compared as signed 32-bit), otherwise the signed number. ENUM64 reads
 *   8 bytes, prints the name or the value as signed 64-bit.
 * - An array of `char` (by name, or CHAR-encoded; qualifiers skipped, typedefs not)
 *   whose bytes are printable ASCII up to a NUL prints as a string; otherwise as an
 *   array. Multi-dimensional arrays nest.
 * - Structs and unions print every member at its offset, anonymous ones under `""`.
 * - VAR prints `{ "name": value }`; DATASEC `{ ".data": [ var, ... ] }`.
 * - Typedefs, const, volatile, restrict are see-through.
 * - Where bpftool's dumper gives up it may leave a marker: void prints `(unknown)`
 *   (and goes on), a forward declaration `(fwd-kind-invalid)`, FLOAT and every other
 *   kind `(unsupported-kind` (sic); an enum of odd size, an int of unknown encoding,
 *   a qualifier on void print nothing. After giving up, every enclosing struct, array,
 *   DATASEC stops early and closes. We write the same and return false.
 *
 * On input bpftool never sees (the kernel validates it first) we throw BtfError: bytes
 * shorter than the type, type ids out of range, reference loops, nesting deeper than
 * MAX_NESTING, bitfields wider than bpftool's 128-bit buffer.
 */
export type ValueMode = 'plain' | 'json';

/** Zero-size elements repeated more often than this are refused rather than printed. */
const MAX_EMPTY_ELEMENTS = 1 << 20;

const M64 = (1n << 64n) - 1n;

/** Strings are printable ASCII by the time they are decoded, so any 8-bit decoder does. */
const ASCII = new TextDecoder('latin1');

/**
 * Writes the value of type `typeId` held in `bytes` into `w`, as bpftool's BTF dumper
 * does in the given mode. Returns false where bpftool's dumper fails (see above): the
 * writer then holds what bpftool prints, and a caller laying out several values stops
 * as bpftool does. The writer's containers are balanced either way.
 */
export function writeBtfValue(w: JsonWriter, btf: Btf, typeId: number, bytes: Uint8Array, mode: ValueMode): boolean {
  const size = resolveSize(btf, typeId);
  if (size > bytes.length) {
    throw new BtfError(`type [${typeId}]: value of ${bytes.length} bytes is shorter than the type's ${size}`);
  }
  const d = new ValueDumper(btf, w, mode === 'plain', bytes);
  return walk(`type [${typeId}]`, () => d.value(typeId, 0, 0, 0));
}

/**
 * One value as `bpftool map dump` prints it for a map with BTF (pretty, from column
 * 0), without a trailing newline.
 */
export function formatValuePlain(btf: Btf, typeId: number, bytes: Uint8Array): string {
  const w = new JsonWriter(true);
  writeBtfValue(w, btf, typeId, bytes, 'plain');
  return w.finish().slice(0, -1);
}

/** One value as the `formatted` part of `-j` (`pretty`: `-p`) prints it, without a trailing newline. */
export function formatValueJson(btf: Btf, typeId: number, bytes: Uint8Array, pretty = false): string {
  const w = new JsonWriter(pretty);
  writeBtfValue(w, btf, typeId, bytes, 'json');
  return w.finish().slice(0, -1);
}

function isModifier(t: BtfType): boolean {
  return t.kind === 'VOLATILE' || t.kind === 'CONST' || t.kind === 'RESTRICT' || t.kind === 'TYPE_TAG';
}

/** isprint() in the C locale. */
function isPrint(c: number): boolean {
  return c >= 0x20 && c <= 0x7e;
}

class ValueDumper {
  private readonly view: DataView;
  private readonly le: boolean;

  constructor(
    private readonly btf: Btf,
    private readonly w: JsonWriter,
    private readonly plain: boolean,
    private readonly bytes: Uint8Array,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.le = btf.byteOrder === 'little';
  }

  /** Throws unless `len` bytes from `off` are in the value. */
  private need(id: number, off: number, len: number): void {
    if (off + len > this.bytes.length) {
      throw new BtfError(`type [${id}]: value too short: needs bytes ${off}..${off + len}, has ${this.bytes.length}`);
    }
  }

  /**
   * One value: `bitOffset` (0..7) is the bit within the byte at `off` where it
   * starts, as bpftool passes it down from a struct member.
   */
  value(id: number, bitOffset: number, off: number, depth: number): boolean {
    if (depth > MAX_NESTING) throw new BtfError(`type [${id}]: nested over ${MAX_NESTING} deep (a type containing itself?)`);
    const t = this.btf.type(id);
    switch (t.kind) {
      case 'INT':
        return this.int(t, bitOffset, off);
      case 'STRUCT':
      case 'UNION':
        return this.composite(t, off, depth);
      case 'ARRAY':
        return this.array(t, off, depth);
      case 'ENUM':
        return this.enum32(t, off);
      case 'ENUM64':
        return this.enum64(t, off);
      case 'PTR':
        return this.pointer(t.id, off);
      case 'VOID':
        this.w.raw('(unknown)');
        return true;
      case 'FWD':
        this.w.raw('(fwd-kind-invalid)');
        return false;
      case 'TYPEDEF':
      case 'VOLATILE':
      case 'CONST':
      case 'RESTRICT': {
        const target = this.skipModifiers(id);
        return target === undefined ? false : this.value(target, bitOffset, off, depth + 1);
      }
      case 'VAR':
        this.w.startObject().name(t.name);
        {
          const ok = this.value(t.type, bitOffset, off, depth + 1);
          this.w.endObject();
          return ok;
        }
      case 'DATASEC':
        return this.datasec(t, off, depth);
      default:
        // FLOAT, FUNC, FUNC_PROTO, DECL_TAG, TYPE_TAG: bpftool's marker lacks its ')'.
        this.w.raw('(unsupported-kind');
        return false;
    }
  }

  /**
   * libbpf's btf__resolve_type: past qualifiers, typedefs and vars; undefined where it
   * fails (void at the end, or more than 32 steps that are not a loop).
   */
  private skipModifiers(id: number): number | undefined {
    let cur = id;
    let t = this.btf.type(cur);
    const seen = new Set<number>();
    const walks = (x: BtfType): boolean => x.kind !== 'VOID' && (isModifier(x) || x.kind === 'TYPEDEF' || x.kind === 'VAR');
    // Walked to the end (a loop throws); libbpf gives up after 32 steps.
    let depth = 0;
    for (; walks(t); depth++) {
      if (seen.has(cur)) throw new BtfError(`type [${id}]: reference loop`);
      seen.add(cur);
      cur = (t as { type: number }).type;
      t = this.btf.type(cur);
    }
    return depth >= MAX_RESOLVE_DEPTH || t.kind === 'VOID' ? undefined : cur;
  }

  private int(t: BtfInt, bitOffset: number, off: number): boolean {
    const bits = t.bits;
    if (bitOffset !== 0 || t.bitsOffset !== 0 || bits % 8 !== 0) return this.intBits(t, bitOffset, off);
    if (bits === 128) {
      this.need(t.id, off, 16);
      this.hex128(this.u64(off + (this.le ? 8 : 0)), this.u64(off + (this.le ? 0 : 8)));
      return true;
    }
    const v = this.view;
    switch (t.encoding) {
      case 0:
      case BTF_INT_ENCODING.SIGNED: {
        const signed = t.encoding === BTF_INT_ENCODING.SIGNED;
        if (bits !== 8 && bits !== 16 && bits !== 32 && bits !== 64) return this.intBits(t, bitOffset, off);
        this.need(t.id, off, bits / 8);
        let n: number | bigint;
        if (bits === 64) n = signed ? v.getBigInt64(off, this.le) : v.getBigUint64(off, this.le);
        else if (bits === 32) n = signed ? v.getInt32(off, this.le) : v.getUint32(off, this.le);
        else if (bits === 16) n = signed ? v.getInt16(off, this.le) : v.getUint16(off, this.le);
        else n = signed ? v.getInt8(off) : v.getUint8(off);
        this.w.number(n);
        return true;
      }
      case BTF_INT_ENCODING.CHAR: {
        this.need(t.id, off, 1);
        const c = this.bytes[off]!;
        if (isPrint(c)) this.w.raw(`"${String.fromCharCode(c)}"`);
        else if (this.plain) this.w.raw(`0x${c.toString(16)}`);
        else this.w.raw(`"\\u00${c.toString(16).padStart(2, '0')}"`);
        return true;
      }
      case BTF_INT_ENCODING.BOOL:
        this.need(t.id, off, 1);
        this.w.bool(this.bytes[off] !== 0);
        return true;
      default:
        return false;
    }
  }

  /** An int read bit by bit: its own bit offset added to the one it was placed at. */
  private intBits(t: BtfInt, bitOffset: number, off: number): boolean {
    const total = bitOffset + t.bitsOffset;
    this.bitfield(t.id, t.bits, total % 8, off + (total >> 3));
    return true;
  }

  /**
   * `bits` bits from bit `bitOffset` (0..7) of the byte at `off`, as bpftool extracts
   * them: the covering bytes copied into a zeroed 128-bit number in host order, then
   * shifted left and right as two 64-bit halves, with x86's shift counts (mod 64).
   */
  private bitfield(id: number, bits: number, bitOffset: number, off: number): void {
    const bitsToCopy = bitOffset + bits;
    const bytesToCopy = (bitsToCopy + 7) >> 3;
    if (bytesToCopy > 16) throw new BtfError(`type [${id}]: a ${bits}-bit field at bit ${bitOffset} does not fit bpftool's 128 bits`);
    this.need(id, off, bytesToCopy);
    const buf = new Uint8Array(16);
    buf.set(this.bytes.subarray(off, off + bytesToCopy));
    const bv = new DataView(buf.buffer);
    let upper: bigint;
    let lower: bigint;
    let left: number;
    if (this.le) {
      upper = bv.getBigUint64(8, true);
      lower = bv.getBigUint64(0, true);
      left = 128 - bitsToCopy;
    } else {
      upper = bv.getBigUint64(0, false);
      lower = bv.getBigUint64(8, false);
      left = bitOffset;
    }
    const right = 128 - bits;
    const shl = (x: bigint, n: number): bigint => (x << BigInt(n & 63)) & M64;
    const shr = (x: bigint, n: number): bigint => x >> BigInt(n & 63);
    if (left >= 64) {
      upper = shl(lower, left - 64);
      lower = 0n;
    } else {
      upper = shl(upper, left) | shr(lower, 64 - left);
      lower = shl(lower, left);
    }
    if (right >= 64) {
      lower = shr(upper, right - 64);
      upper = 0n;
    } else {
      lower = shr(lower, right) | shl(upper, 64 - right);
      upper = shr(upper, right);
    }
    this.hex128(upper, lower);
  }

  private hex128(upper: bigint, lower: bigint): void {
    const hex = upper === 0n ? `0x${lower.toString(16)}` : `0x${upper.toString(16)}${lower.toString(16).padStart(16, '0')}`;
    this.w.raw(this.plain ? hex : `"${hex}"`);
  }

  private u64(off: number): bigint {
    return this.view.getBigUint64(off, this.le);
  }

  private pointer(id: number, off: number): boolean {
    this.need(id, off, 8);
    const p = this.u64(off);
    if (!this.plain) this.w.number(p);
    else this.w.raw(p === 0n ? '(nil)' : `0x${p.toString(16)}`);
    return true;
  }

  private enum32(t: Extract<BtfType, { kind: 'ENUM' }>, off: number): boolean {
    const v = this.view;
    let n: bigint;
    switch (t.size) {
      case 8:
        this.need(t.id, off, 8);
        n = v.getBigInt64(off, this.le);
        break;
      case 4:
        this.need(t.id, off, 4);
        n = BigInt(v.getInt32(off, this.le));
        break;
      case 2:
        this.need(t.id, off, 2);
        n = BigInt(v.getInt16(off, this.le));
        break;
      case 1:
        this.need(t.id, off, 1);
        n = BigInt(v.getInt8(off));
        break;
      default:
        return false;
    }
    // Enumerator values are compared as the signed 32 bits they are stored as.
    const hit = t.values.find((e) => BigInt(e.value | 0) === n);
    if (hit) this.w.string(hit.name);
    else this.w.number(n);
    return true;
  }

  private enum64(t: Extract<BtfType, { kind: 'ENUM64' }>, off: number): boolean {
    this.need(t.id, off, 8);
    const n = this.u64(off);
    const hit = t.values.find((e) => BigInt.asUintN(64, e.value) === n);
    if (hit) this.w.string(hit.name);
    else this.w.number(BigInt.asIntN(64, n));
    return true;
  }

  private composite(t: BtfComposite<'STRUCT' | 'UNION'>, off: number, depth: number): boolean {
    this.w.startObject();
    let ok = true;
    for (const m of t.members) {
      this.w.name(m.name);
      const at = off + Math.floor(m.bitOffset / 8);
      if (m.bitfieldSize !== 0) {
        this.bitfield(t.id, m.bitfieldSize, m.bitOffset % 8, at);
      } else if (!this.value(m.type, m.bitOffset % 8, at, depth + 1)) {
        ok = false;
        break;
      }
    }
    this.w.endObject();
    return ok;
  }

  private array(t: BtfArray, off: number, depth: number): boolean {
    if (this.isString(t, off)) {
      const end = this.bytes.indexOf(0, off);
      this.w.string(ASCII.decode(this.bytes.subarray(off, end)));
      return true;
    }
    // The size bpftool's dumper steps elements by; where libbpf has none, it stops.
    const elemSize = resolveSize(this.btf, t.type);
    if (elemSize < 0) return false;
    if (elemSize === 0 && t.nelems > MAX_EMPTY_ELEMENTS) {
      throw new BtfError(`type [${t.id}]: ${t.nelems} elements of size 0`);
    }
    this.w.startArray();
    let ok = true;
    for (let i = 0; i < t.nelems; i++) {
      if (!this.value(t.type, 0, off + i * elemSize, depth + 1)) {
        ok = false;
        break;
      }
    }
    this.w.endArray();
    return ok;
  }

  /**
   * bpftool's test for a string: elements are 1-byte ints encoded CHAR or named
   * `char` (past qualifiers, not typedefs), and the bytes are printable up to a NUL
   * within the array. Bytes are compared as signed chars, so any byte over 0x7e fails.
   */
  private isString(t: BtfArray, off: number): boolean {
    if (t.nelems === 0) return false;
    let elem = this.btf.type(t.type);
    for (let steps = 0; isModifier(elem); steps++) {
      if (steps > this.btf.typeCount) throw new BtfError(`type [${t.id}]: reference loop`);
      elem = this.btf.type((elem as { type: number }).type);
    }
    if (elem.kind !== 'INT' || elem.size !== 1) return false;
    if (elem.encoding !== BTF_INT_ENCODING.CHAR && elem.name !== 'char') return false;
    for (let i = 0; i < t.nelems; i++) {
      this.need(t.id, off + i, 1);
      const c = this.bytes[off + i]!;
      if (c === 0) return true;
      if (!isPrint(c)) return false;
    }
    return false;
  }

  private datasec(t: BtfDatasec, off: number, depth: number): boolean {
    this.w.startObject().name(t.name).startArray();
    let ok = true;
    for (const v of t.vars) {
      if (!this.value(v.type, 0, off + v.offset, depth + 1)) {
        ok = false;
        break;
      }
    }
    this.w.endArray().endObject();
    return ok;
  }
}
