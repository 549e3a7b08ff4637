import { BtfError } from '../errors.js';
import type { Reader } from './reader.js';
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

/** Bytes every type record starts with: name_off, info, size/type. */
const TYPE_HEADER = 12;

/**
 * Bytes after the common header, by kind number: a fixed part and a part per vlen
 * entry. Kinds not listed (and unknown ones, which decodeOne rejects) have none.
 */
const FIXED = new Uint8Array(32);
const PER_ENTRY = new Uint8Array(32);
FIXED[BTF_KIND.INT] = FIXED[BTF_KIND.VAR] = FIXED[BTF_KIND.DECL_TAG] = 4;
FIXED[BTF_KIND.ARRAY] = 12;
PER_ENTRY[BTF_KIND.ENUM] = PER_ENTRY[BTF_KIND.FUNC_PROTO] = 8;
PER_ENTRY[BTF_KIND.STRUCT] = PER_ENTRY[BTF_KIND.UNION] = PER_ENTRY[BTF_KIND.DATASEC] = PER_ENTRY[BTF_KIND.ENUM64] = 12;

/**
 * Decodes the type records in [start, end) of the blob; the first gets id `firstId`.
 * Names are resolved (and range-checked) here; type references are checked by the
 * caller once the total number of types is known.
 */
export function decodeTypes(r: Reader, start: number, end: number, firstId: number, strings: StringTable): BtfType[] {
  const types: BtfType[] = [];
  let off = start;
  while (off < end) {
    const id = firstId + types.length;
    if (end - off < TYPE_HEADER) throw new BtfError(`type [${id}]: ${end - off} bytes left in the type section, a type needs ${TYPE_HEADER}`);
    const info = r.u32(off + 4);
    const kindNo = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const need = TYPE_HEADER + FIXED[kindNo]! + PER_ENTRY[kindNo]! * vlen;
    if (end - off < need) {
      throw new BtfError(`type [${id}]: ${BTF_KIND_NAMES[kindNo]} with vlen ${vlen} needs ${need} bytes, the type section has ${end - off} left`);
    }
    types.push(decodeOne(r, off, id, kindNo, info, strings));
    off += need;
  }
  return types;
}

function decodeOne(r: Reader, off: number, id: number, kindNo: number, info: number, strings: StringTable): BtfType {
  const nameOff = r.u32(off);
  const name = nameAt(strings, nameOff, id);
  const kindFlag = info >>> 31 === 1;
  const vlen = info & 0xffff;
  const sizeOrType = r.u32(off + 8);
  const p = off + TYPE_HEADER;
  switch (kindNo) {
    case BTF_KIND.INT: {
      const v = r.u32(p);
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
      return { id, name, nameOff, kind: 'ARRAY', type: r.u32(p), indexType: r.u32(p + 4), nelems: r.u32(p + 8) };
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION: {
      const members: BtfMember[] = [];
      for (let i = 0, q = p; i < vlen; i++, q += 12) {
        const mNameOff = r.u32(q);
        const raw = r.u32(q + 8);
        members.push({
          name: nameAt(strings, mNameOff, id, 'member', i),
          nameOff: mNameOff,
          type: r.u32(q + 4),
          // With kind_flag the word packs bitfield size (high 8) over bit offset (low 24).
          bitOffset: kindFlag ? raw & 0xffffff : raw,
          bitfieldSize: kindFlag ? raw >>> 24 : 0,
        });
      }
      return { id, name, nameOff, kind: kindNo === BTF_KIND.STRUCT ? 'STRUCT' : 'UNION', size: sizeOrType, kindFlag, members };
    }
    case BTF_KIND.ENUM: {
      const values: BtfEnumValue[] = [];
      for (let i = 0, q = p; i < vlen; i++, q += 8) {
        const vNameOff = r.u32(q);
        values.push({
          name: nameAt(strings, vNameOff, id, 'value', i),
          nameOff: vNameOff,
          value: kindFlag ? r.i32(q + 4) : r.u32(q + 4),
        });
      }
      return { id, name, nameOff, kind: 'ENUM', size: sizeOrType, signed: kindFlag, values };
    }
    case BTF_KIND.ENUM64: {
      const values: BtfEnum64Value[] = [];
      for (let i = 0, q = p; i < vlen; i++, q += 12) {
        const vNameOff = r.u32(q);
        const raw = (BigInt(r.u32(q + 8)) << 32n) | BigInt(r.u32(q + 4));
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
      for (let i = 0, q = p; i < vlen; i++, q += 8) {
        const pNameOff = r.u32(q);
        params.push({ name: nameAt(strings, pNameOff, id, 'param', i), nameOff: pNameOff, type: r.u32(q + 4) });
      }
      return { id, name, nameOff, kind: 'FUNC_PROTO', returnType: sizeOrType, params };
    }
    case BTF_KIND.VAR:
      return { id, name, nameOff, kind: 'VAR', type: sizeOrType, linkage: r.u32(p) };
    case BTF_KIND.DATASEC: {
      const vars: BtfVarSecinfo[] = [];
      for (let i = 0, q = p; i < vlen; i++, q += 12) vars.push({ type: r.u32(q), offset: r.u32(q + 4), size: r.u32(q + 8) });
      return { id, name, nameOff, kind: 'DATASEC', size: sizeOrType, vars };
    }
    case BTF_KIND.FLOAT:
      return { id, name, nameOff, kind: 'FLOAT', size: sizeOrType };
    case BTF_KIND.DECL_TAG:
      return { id, name, nameOff, kind: 'DECL_TAG', type: sizeOrType, componentIdx: r.i32(p) };
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
 * Throws when `t` refers to a type id at or past `count`. Plain loops rather than a
 * visitor: this runs over every reference in vmlinux.
 */
export function checkRefs(t: BtfType, count: number): void {
  switch (t.kind) {
    case 'PTR':
    case 'TYPEDEF':
    case 'VOLATILE':
    case 'CONST':
    case 'RESTRICT':
    case 'TYPE_TAG':
    case 'FUNC':
    case 'VAR':
    case 'DECL_TAG':
      if (t.type >= count) badRef(t, 'type', t.type, count);
      return;
    case 'ARRAY':
      if (t.type >= count) badRef(t, 'element type', t.type, count);
      if (t.indexType >= count) badRef(t, 'index type', t.indexType, count);
      return;
    case 'STRUCT':
    case 'UNION':
      for (let i = 0; i < t.members.length; i++) if (t.members[i]!.type >= count) badRef(t, `member ${i} type`, t.members[i]!.type, count);
      return;
    case 'FUNC_PROTO':
      if (t.returnType >= count) badRef(t, 'return type', t.returnType, count);
      for (let i = 0; i < t.params.length; i++) if (t.params[i]!.type >= count) badRef(t, `param ${i} type`, t.params[i]!.type, count);
      return;
    case 'DATASEC':
      for (let i = 0; i < t.vars.length; i++) if (t.vars[i]!.type >= count) badRef(t, `var ${i} type`, t.vars[i]!.type, count);
      return;
    default:
      return;
  }
}

function badRef(t: BtfType, what: string, ref: number, count: number): never {
  throw new BtfError(`type [${t.id}]: ${what} [${ref}] out of range (${count} types)`);
}
