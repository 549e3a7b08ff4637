import { BtfError } from '../errors.js';
import type { StringTable } from './strings.js';
import {
  BTF_INT_ENCODING,
  BTF_KIND,
  BTF_KIND_NAMES,
  type BtfEnum64Value,
  type BtfEnumValue,
  type BtfMember,
  type BtfParam,
  type BtfType,
  type BtfVarSecinfo,
} from './types.js';

/** Words every type record starts with: name_off, info, size/type. */
const TYPE_HEADER_WORDS = 3;

/**
 * Words after the common header, by kind number: a fixed part and a part per vlen
 * entry. Kinds not listed (and unknown ones, which scanTypes rejects) have none.
 */
const FIXED = new Uint8Array(32);
const PER_ENTRY = new Uint8Array(32);
FIXED[BTF_KIND.INT] = FIXED[BTF_KIND.VAR] = FIXED[BTF_KIND.DECL_TAG] = 1;
FIXED[BTF_KIND.ARRAY] = 3;
PER_ENTRY[BTF_KIND.ENUM] = PER_ENTRY[BTF_KIND.FUNC_PROTO] = 2;
PER_ENTRY[BTF_KIND.STRUCT] = PER_ENTRY[BTF_KIND.UNION] = PER_ENTRY[BTF_KIND.DATASEC] = PER_ENTRY[BTF_KIND.ENUM64] = 3;

/**
 * The type section's records (`w`, its words; `bytes`, its length), checked the way
 * decoding them would check them, without building anything: every record fits in the
 * section, has a known kind, and names only strings that exist (its own name first,
 * then its members', parameters' and enumerators' in order). Returns each record's
 * word index; the first gets id `firstId`. Type references are checked by checkRefs
 * once the total is known. Parsing vmlinux is this loop over 127k records, so it reads
 * words and nothing else.
 */
export function scanTypes(w: Uint32Array, bytes: number, firstId: number, strings: StringTable): Uint32Array {
  let offsets = new Uint32Array(Math.max(16, bytes >>> 5));
  let count = 0;
  const strEnd = strings.end;
  for (let off = 0; off * 4 < bytes; ) {
    const id = firstId + count;
    const left = bytes - off * 4;
    if (left < TYPE_HEADER_WORDS * 4) throw new BtfError(`type [${id}]: ${left} bytes left in the type section, a type needs ${TYPE_HEADER_WORDS * 4}`);
    const info = w[off + 1]!;
    const kindNo = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const perEntry = PER_ENTRY[kindNo]!;
    const need = TYPE_HEADER_WORDS + FIXED[kindNo]! + perEntry * vlen;
    if (left < need * 4) {
      throw new BtfError(`type [${id}]: ${BTF_KIND_NAMES[kindNo]} with vlen ${vlen} needs ${need * 4} bytes, the type section has ${left} left`);
    }
    const nameOff = w[off]!;
    if (nameOff >= strEnd) nameAt(strings, nameOff, id);
    if (kindNo === BTF_KIND.VOID || kindNo > BTF_KIND.ENUM64) throw new BtfError(`type [${id}]: unknown kind ${kindNo}`);
    if (perEntry !== 0 && NAMED_ENTRIES[kindNo] !== 0) {
      // The first word of each entry is a name offset.
      for (let i = 0, q = off + TYPE_HEADER_WORDS + FIXED[kindNo]!; i < vlen; i++, q += perEntry) {
        const entryName = w[q]!;
        if (entryName >= strEnd) nameAt(strings, entryName, id, ENTRY_PART[kindNo], i);
      }
    }
    if (count === offsets.length) {
      const grown = new Uint32Array(offsets.length * 2);
      grown.set(offsets);
      offsets = grown;
    }
    offsets[count++] = off;
    off += need;
  }
  return offsets.subarray(0, count);
}

/** Kinds whose vlen entries start with a name offset, and what the error calls an entry. */
const NAMED_ENTRIES = new Uint8Array(32);
const ENTRY_PART: string[] = [];
NAMED_ENTRIES[BTF_KIND.STRUCT] = NAMED_ENTRIES[BTF_KIND.UNION] = NAMED_ENTRIES[BTF_KIND.ENUM] = NAMED_ENTRIES[BTF_KIND.ENUM64] = NAMED_ENTRIES[BTF_KIND.FUNC_PROTO] = 1;
ENTRY_PART[BTF_KIND.STRUCT] = ENTRY_PART[BTF_KIND.UNION] = 'member';
ENTRY_PART[BTF_KIND.ENUM] = ENTRY_PART[BTF_KIND.ENUM64] = 'value';
ENTRY_PART[BTF_KIND.FUNC_PROTO] = 'param';

/** Decodes the (scanned) record at word `off` as type `id`. */
export function decodeAt(w: Uint32Array, off: number, id: number, strings: StringTable): BtfType {
  const info = w[off + 1]!;
  return decodeOne(w, off, id, (info >>> 24) & 0x1f, info, strings);
}

function decodeOne(w: Uint32Array, off: number, id: number, kindNo: number, info: number, strings: StringTable): BtfType {
  const nameOff = w[off]!;
  const name = nameAt(strings, nameOff, id);
  const kindFlag = info >>> 31 === 1;
  const vlen = info & 0xffff;
  const sizeOrType = w[off + 2]!;
  const p = off + TYPE_HEADER_WORDS;
  switch (kindNo) {
    case BTF_KIND.INT: {
      const v = w[p]!;
      const encoding = (v >>> 24) & 0x0f;
      return {
        id,
        name,
        nameOff,
        kind: 'INT',
        size: sizeOrType,
        encoding,
        signed: (encoding & BTF_INT_ENCODING.SIGNED) !== 0,
        bitsOffset: (v >>> 16) & 0xff,
        bits: v & 0xff,
      };
    }
    case BTF_KIND.PTR:
      return { id, name, nameOff, kind: 'PTR', type: sizeOrType };
    case BTF_KIND.TYPEDEF:
      return { id, name, nameOff, kind: 'TYPEDEF', type: sizeOrType };
    case BTF_KIND.VOLATILE:
      return { id, name, nameOff, kind: 'VOLATILE', type: sizeOrType };
    case BTF_KIND.CONST:
      return { id, name, nameOff, kind: 'CONST', type: sizeOrType };
    case BTF_KIND.RESTRICT:
      return { id, name, nameOff, kind: 'RESTRICT', type: sizeOrType };
    case BTF_KIND.TYPE_TAG:
      return { id, name, nameOff, kind: 'TYPE_TAG', type: sizeOrType };
    case BTF_KIND.ARRAY:
      return { id, name, nameOff, kind: 'ARRAY', type: w[p]!, indexType: w[p + 1]!, nelems: w[p + 2]! };
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION: {
      const members: BtfMember[] = [];
      for (let i = 0, q = p; i < vlen; i++, q += 3) {
        const mNameOff = w[q]!;
        const raw = w[q + 2]!;
        members.push({
          name: nameAt(strings, mNameOff, id, 'member', i),
          nameOff: mNameOff,
          type: w[q + 1]!,
          // With kind_flag the word packs bitfield size (high 8) over bit offset (low 24).
          bitOffset: kindFlag ? raw & 0xffffff : raw,
          bitfieldSize: kindFlag ? raw >>> 24 : 0,
        });
      }
      return { id, name, nameOff, kind: kindNo === BTF_KIND.STRUCT ? 'STRUCT' : 'UNION', size: sizeOrType, kindFlag, members };
    }
    case BTF_KIND.ENUM: {
      const values: BtfEnumValue[] = [];
      for (let i = 0, q = p; i < vlen; i++, q += 2) {
        const vNameOff = w[q]!;
        values.push({
          name: nameAt(strings, vNameOff, id, 'value', i),
          nameOff: vNameOff,
          value: kindFlag ? w[q + 1]! | 0 : w[q + 1]!,
        });
      }
      return { id, name, nameOff, kind: 'ENUM', size: sizeOrType, signed: kindFlag, values };
    }
    case BTF_KIND.ENUM64: {
      const values: BtfEnum64Value[] = [];
      for (let i = 0, q = p; i < vlen; i++, q += 3) {
        const vNameOff = w[q]!;
        const raw = (BigInt(w[q + 2]!) << 32n) | BigInt(w[q + 1]!);
        values.push({
          name: nameAt(strings, vNameOff, id, 'value', i),
          nameOff: vNameOff,
          value: kindFlag ? BigInt.asIntN(64, raw) : raw,
        });
      }
      return { id, name, nameOff, kind: 'ENUM64', size: sizeOrType, signed: kindFlag, values };
    }
    case BTF_KIND.FWD:
      return { id, name, nameOff, kind: 'FWD', fwdKind: kindFlag ? 'union' : 'struct' };
    case BTF_KIND.FUNC:
      return { id, name, nameOff, kind: 'FUNC', type: sizeOrType, linkage: vlen };
    case BTF_KIND.FUNC_PROTO: {
      const params: BtfParam[] = [];
      for (let i = 0, q = p; i < vlen; i++, q += 2) {
        const pNameOff = w[q]!;
        params.push({ name: nameAt(strings, pNameOff, id, 'param', i), nameOff: pNameOff, type: w[q + 1]! });
      }
      return { id, name, nameOff, kind: 'FUNC_PROTO', returnType: sizeOrType, params };
    }
    case BTF_KIND.VAR:
      return { id, name, nameOff, kind: 'VAR', type: sizeOrType, linkage: w[p]! };
    case BTF_KIND.DATASEC: {
      const vars: BtfVarSecinfo[] = [];
      for (let i = 0, q = p; i < vlen; i++, q += 3) vars.push({ type: w[q]!, offset: w[q + 1]!, size: w[q + 2]! });
      return { id, name, nameOff, kind: 'DATASEC', size: sizeOrType, vars };
    }
    case BTF_KIND.FLOAT:
      return { id, name, nameOff, kind: 'FLOAT', size: sizeOrType };
    case BTF_KIND.DECL_TAG:
      return { id, name, nameOff, kind: 'DECL_TAG', type: sizeOrType, componentIdx: w[p]! | 0 };
    default:
      // Kind 0 is only ever the implicit void; 20..31 are not defined (yet).
      throw new BtfError(`type [${id}]: unknown kind ${kindNo}`);
  }
}

/**
 * A name from the string table. The error text is only built on failure: vmlinux
 * has hundreds of thousands of names and formatting a context for each doubles the
 * parse time.
 */
function nameAt(strings: StringTable, off: number, id: number, part?: string, index?: number): string {
  if (off < strings.end) return strings.at(off);
  const where = part === undefined ? `type [${id}]` : `type [${id}] ${part} ${index}`;
  return strings.get(off, `${where}: name`);
}

/**
 * Throws when a scanned record refers to a type id at or past `count`, for every record
 * in id order and every reference in field order. Plain loops over words: this runs over
 * every reference in vmlinux.
 */
export function checkRefs(w: Uint32Array, offsets: Uint32Array, firstId: number, count: number): void {
  for (let i = 0; i < offsets.length; i++) {
    const off = offsets[i]!;
    const info = w[off + 1]!;
    const kindNo = (info >>> 24) & 0x1f;
    switch (kindNo) {
      case BTF_KIND.PTR:
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.TYPE_TAG:
      case BTF_KIND.FUNC:
      case BTF_KIND.VAR:
      case BTF_KIND.DECL_TAG: {
        const type = w[off + 2]!;
        if (type >= count) badRef(firstId + i, 'type', type, count);
        break;
      }
      case BTF_KIND.ARRAY: {
        const type = w[off + 3]!;
        if (type >= count) badRef(firstId + i, 'element type', type, count);
        const index = w[off + 4]!;
        if (index >= count) badRef(firstId + i, 'index type', index, count);
        break;
      }
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
      case BTF_KIND.DATASEC: {
        // Members: name, type, offset; DATASEC entries: type, offset, size.
        const at = kindNo === BTF_KIND.DATASEC ? 0 : 1;
        const what = kindNo === BTF_KIND.DATASEC ? 'var' : 'member';
        const vlen = info & 0xffff;
        for (let k = 0, q = off + TYPE_HEADER_WORDS + at; k < vlen; k++, q += 3) {
          const type = w[q]!;
          if (type >= count) badRef(firstId + i, `${what} ${k} type`, type, count);
        }
        break;
      }
      case BTF_KIND.FUNC_PROTO: {
        const ret = w[off + 2]!;
        if (ret >= count) badRef(firstId + i, 'return type', ret, count);
        const vlen = info & 0xffff;
        for (let k = 0, q = off + TYPE_HEADER_WORDS + 1; k < vlen; k++, q += 2) {
          const type = w[q]!;
          if (type >= count) badRef(firstId + i, `param ${k} type`, type, count);
        }
        break;
      }
      default:
        break;
    }
  }
}

function badRef(id: number, what: string, ref: number, count: number): never {
  throw new BtfError(`type [${id}]: ${what} [${ref}] out of range (${count} types)`);
}
