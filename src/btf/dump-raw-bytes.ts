import type { Btf } from './btf.js';
import { BtfError } from '../errors.js';
import type { StringTable } from './strings.js';
import type { TypeTable } from './type-table.js';
import { BTF_KIND, BTF_KIND_NAMES } from './types.js';

export interface DumpRawOptions {
  /**
   * Only these types, in this order (bpftool's `btf dump map ... key|value`);
   * by default every type the blob itself defines (for split BTF: not the base's).
   */
  ids?: readonly number[];
}

/**
 * The plain raw dump (bpftool's `btf dump ... format raw`) as bytes, written straight
 * from the type records: names are copied from the string section byte for byte (as
 * bpftool prints them, whatever their encoding) and numbers are written as digits, with
 * no type objects and no strings in between. vmlinux's dump is 12 MB from 127k records.
 *
 * One loop with the buffer and position in locals, and small helpers that take and
 * return the position (V8 inlines them): the room for a whole line is made at its
 * start, so the writes themselves never check.
 */
export function dumpBtfRawBytes(btf: Btf, options: DumpRawOptions = {}): Uint8Array {
  const table = btf.table();
  const strings = btf.strings;
  const ids = options.ids;
  const count = ids ? ids.length : btf.typeCount - btf.startId;
  if (ids) for (const id of ids) if (!table.has(id)) throw new BtfError(`type id ${id} out of range (${table.count} types)`);
  // A line holds at most one name and a handful of numbers and words.
  const lineRoom = strings.longest() + LINE_TEXT;
  const out: Output = { buf: new Uint8Array(Math.max(1 << 16, count * 100)), p: 0, lineRoom };
  for (let i = 0; i < count; i++) writeRecord(out, table, strings, ids ? ids[i]! : btf.startId + i);
  return out.buf.subarray(0, out.p);
}

/** The buffer being written, where the next byte goes, and the room a line may need. */
interface Output {
  buf: Uint8Array;
  p: number;
  readonly lineRoom: number;
}

/**
 * The lines of type `id`. A function of its own, called once per type, because V8
 * optimizes a function after a few hundred calls but a loop over vmlinux's 127k types
 * only late, by on-stack replacement: a cold command spends its time in the first tiers.
 */
function writeRecord(out: Output, table: TypeTable, strings: StringTable, id: number): void {
  const w = table.words;
  const lineRoom = out.lineRoom;
  let buf = out.buf;
  let p = out.p;
  const off = table.at[id]!;
  // Void (asked for as a map's missing key type) has no record: it reads as zeros.
  const info = id === 0 ? 0 : w[off + 1]!;
  const kind = (info >>> 24) & 0x1f;
  const vlen = info & 0xffff;
  const kindFlag = info >>> 31 === 1;
  const sizeOrType = table.size(id);
  if (p + lineRoom > buf.length) buf = grow(buf, p, lineRoom);
  buf[p++] = 0x5b; // [
  p = putUint(buf, p, id);
  p = put(buf, p, KIND_LABEL[kind]!);
  p = putName(buf, p, strings, table.names[id]!);
  buf[p++] = 0x27; // '
  switch (kind) {
    case BTF_KIND.INT: {
      const v = w[off + 3]!;
      p = putUint(buf, put(buf, p, SIZE), sizeOrType);
      p = putUint(buf, put(buf, p, BITS_OFFSET), (v >>> 16) & 0xff);
      p = putUint(buf, put(buf, p, NR_BITS), v & 0xff);
      p = put(buf, p, INT_ENCODING[(v >>> 24) & 0x0f] ?? INT_ENCODING_UNKNOWN);
      break;
    }
    case BTF_KIND.PTR:
    case BTF_KIND.CONST:
    case BTF_KIND.VOLATILE:
    case BTF_KIND.RESTRICT:
    case BTF_KIND.TYPEDEF:
    case BTF_KIND.TYPE_TAG:
      p = putUint(buf, put(buf, p, TYPE_ID), sizeOrType);
      break;
    case BTF_KIND.ARRAY:
      p = putUint(buf, put(buf, p, TYPE_ID), w[off + 3]!);
      p = putUint(buf, put(buf, p, INDEX_TYPE_ID), w[off + 4]!);
      p = putUint(buf, put(buf, p, NR_ELEMS), w[off + 5]!);
      break;
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION:
      p = putUint(buf, put(buf, p, SIZE), sizeOrType);
      p = putUint(buf, put(buf, p, VLEN), vlen);
      for (let k = 0, q = off + 3; k < vlen; k++, q += 3) {
        if (p + lineRoom > buf.length) buf = grow(buf, p, lineRoom);
        p = put(buf, p, ENTRY_START);
        p = putName(buf, p, strings, w[q]!);
        p = putUint(buf, put(buf, p, ENTRY_TYPE_ID), w[q + 1]!);
        const raw = w[q + 2]!;
        // With kind_flag the word packs bitfield size (high 8) over bit offset (low 24).
        p = putUint(buf, put(buf, p, BITS_OFFSET), kindFlag ? raw & 0xffffff : raw);
        if (kindFlag && raw >>> 24) p = putUint(buf, put(buf, p, BITFIELD_SIZE), raw >>> 24);
      }
      break;
    case BTF_KIND.ENUM:
    case BTF_KIND.ENUM64: {
      p = putUint(buf, put(buf, p, kindFlag ? ENCODING_SIGNED_SIZE : ENCODING_UNSIGNED_SIZE), sizeOrType);
      p = putUint(buf, put(buf, p, VLEN), vlen);
      const each = kind === BTF_KIND.ENUM ? 2 : 3;
      for (let k = 0, q = off + 3; k < vlen; k++, q += each) {
        if (p + lineRoom > buf.length) buf = grow(buf, p, lineRoom);
        p = put(buf, p, ENTRY_START);
        p = putName(buf, p, strings, w[q]!);
        p = put(buf, p, ENTRY_VAL);
        if (kind === BTF_KIND.ENUM) {
          p = kindFlag ? putInt(buf, p, w[q + 1]! | 0) : putUint(buf, p, w[q + 1]!);
        } else {
          const raw = (BigInt(w[q + 2]!) << 32n) | BigInt(w[q + 1]!);
          p = put(buf, p, asciiBytes(`${kindFlag ? BigInt.asIntN(64, raw) : raw}${kindFlag ? 'LL' : 'ULL'}`));
        }
      }
      break;
    }
    case BTF_KIND.FWD:
      p = put(buf, p, kindFlag ? FWD_UNION : FWD_STRUCT);
      break;
    case BTF_KIND.FUNC:
      p = putUint(buf, put(buf, p, TYPE_ID), sizeOrType);
      p = put(buf, p, LINKAGE_IS);
      p = put(buf, p, LINKAGE[vlen] ?? LINKAGE_UNKNOWN);
      break;
    case BTF_KIND.FUNC_PROTO:
      p = putUint(buf, put(buf, p, RET_TYPE_ID), sizeOrType);
      p = putUint(buf, put(buf, p, VLEN), vlen);
      for (let k = 0, q = off + 3; k < vlen; k++, q += 2) {
        if (p + lineRoom > buf.length) buf = grow(buf, p, lineRoom);
        p = put(buf, p, ENTRY_START);
        p = putName(buf, p, strings, w[q]!);
        p = putUint(buf, put(buf, p, ENTRY_TYPE_ID), w[q + 1]!);
      }
      break;
    case BTF_KIND.VAR:
      p = putUint(buf, put(buf, p, TYPE_ID), sizeOrType);
      // The comma is bpftool's.
      p = put(buf, p, COMMA_LINKAGE_IS);
      p = put(buf, p, LINKAGE[w[off + 3]!] ?? LINKAGE_UNKNOWN);
      break;
    case BTF_KIND.DATASEC:
      p = putUint(buf, put(buf, p, SIZE), sizeOrType);
      p = putUint(buf, put(buf, p, VLEN), vlen);
      for (let k = 0, q = off + 3; k < vlen; k++, q += 3) {
        const type = w[q]!;
        if (p + lineRoom > buf.length) buf = grow(buf, p, lineRoom);
        p = putUint(buf, put(buf, p, SECINFO_TYPE_ID), type);
        p = putUint(buf, put(buf, p, OFFSET), w[q + 1]!);
        p = putUint(buf, put(buf, p, SIZE), w[q + 2]!);
        // What the entry is, as the type it names says: its kind and name.
        p = put(buf, p, SECINFO_KIND[table.kind(type)]!);
        p = putName(buf, p, strings, table.nameOff(type));
        p = put(buf, p, SECINFO_END);
      }
      break;
    case BTF_KIND.FLOAT:
      p = putUint(buf, put(buf, p, SIZE), sizeOrType);
      break;
    case BTF_KIND.DECL_TAG:
      p = putUint(buf, put(buf, p, TYPE_ID), sizeOrType);
      p = putInt(buf, put(buf, p, COMPONENT_IDX), w[off + 3]! | 0);
      break;
    default:
      break;
  }
  buf[p++] = 0x0a;
  out.buf = buf;
  out.p = p;
}

/** Room for a line's own text besides its one name: words, ten numbers at most. */
const LINE_TEXT = 256;

function asciiBytes(s: string): Uint8Array {
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

/** What a record's line says after its id: `] KIND '`, by kind number. */
const KIND_LABEL = BTF_KIND_NAMES.map((k, n) => asciiBytes(`] ${n === BTF_KIND.VOID ? 'UNKNOWN' : k} '`));
/** A DATASEC entry's ` (KIND '`, by the kind number of the type it names. */
const SECINFO_KIND = BTF_KIND_NAMES.map((k, n) => asciiBytes(` (${n === BTF_KIND.VOID ? 'UNKNOWN' : k} '`));
const SECINFO_END = asciiBytes("')");
const ANON = asciiBytes('(anon)');
const SIZE = asciiBytes(' size=');
const BITS_OFFSET = asciiBytes(' bits_offset=');
const NR_BITS = asciiBytes(' nr_bits=');
const TYPE_ID = asciiBytes(' type_id=');
const INDEX_TYPE_ID = asciiBytes(' index_type_id=');
const NR_ELEMS = asciiBytes(' nr_elems=');
const VLEN = asciiBytes(' vlen=');
const ENTRY_START = asciiBytes("\n\t'");
const ENTRY_TYPE_ID = asciiBytes("' type_id=");
const ENTRY_VAL = asciiBytes("' val=");
const BITFIELD_SIZE = asciiBytes(' bitfield_size=');
const ENCODING_SIGNED_SIZE = asciiBytes(' encoding=SIGNED size=');
const ENCODING_UNSIGNED_SIZE = asciiBytes(' encoding=UNSIGNED size=');
const FWD_UNION = asciiBytes(' fwd_kind=union');
const FWD_STRUCT = asciiBytes(' fwd_kind=struct');
const RET_TYPE_ID = asciiBytes(' ret_type_id=');
const LINKAGE_IS = asciiBytes(' linkage=');
const COMMA_LINKAGE_IS = asciiBytes(', linkage=');
const SECINFO_TYPE_ID = asciiBytes('\n\ttype_id=');
const OFFSET = asciiBytes(' offset=');
const COMPONENT_IDX = asciiBytes(' component_idx=');
const INT_ENCODING: (Uint8Array | undefined)[] = [];
INT_ENCODING[0] = asciiBytes(' encoding=(none)');
INT_ENCODING[1] = asciiBytes(' encoding=SIGNED');
INT_ENCODING[2] = asciiBytes(' encoding=CHAR');
INT_ENCODING[4] = asciiBytes(' encoding=BOOL');
const INT_ENCODING_UNKNOWN = asciiBytes(' encoding=UNKN');
const LINKAGE = [asciiBytes('static'), asciiBytes('global'), asciiBytes('extern')];
const LINKAGE_UNKNOWN = asciiBytes('(unknown)');

/** A copy of the first `p` bytes of `buf` with room for `more` after them. */
function grow(buf: Uint8Array, p: number, more: number): Uint8Array {
  const grown = new Uint8Array(Math.max(buf.length * 2, p + more));
  grown.set(buf.subarray(0, p));
  return grown;
}

/** A name as bpftool writes it: `(anon)` for none (offset 0), else its bytes as stored. */
function putName(buf: Uint8Array, p: number, strings: StringTable, nameOff: number): number {
  return nameOff === 0 ? put(buf, p, ANON) : strings.copyTo(nameOff, buf, p);
}

/** Copies `bytes` (one of the short constants above) to `buf` at `p`; returns the position after. */
function put(buf: Uint8Array, p: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) buf[p++] = bytes[i]!;
  return p;
}

/** An unsigned 32-bit number in decimal; returns the position after it. */
function putUint(buf: Uint8Array, p: number, n: number): number {
  if (n < 10) {
    buf[p] = 48 + n;
    return p + 1;
  }
  // Most numbers here are type ids, offsets and sizes: a few digits.
  const digits = n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
  const end = p + digits;
  let at = end;
  while (n >= 10) {
    const q = (n / 10) >>> 0;
    buf[--at] = 48 + n - q * 10;
    n = q;
  }
  buf[--at] = 48 + n;
  return end;
}

/** A signed 32-bit number in decimal; returns the position after it. */
function putInt(buf: Uint8Array, p: number, n: number): number {
  if (n >= 0) return putUint(buf, p, n);
  buf[p] = 0x2d;
  return putUint(buf, p + 1, -n);
}
