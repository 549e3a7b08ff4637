import type { Btf } from './btf.js';
import { BTF_INT_ENCODING } from './types.js';
import { UsageError } from '../errors.js';

/**
 * Map keys and values as JavaScript values, by their BTF type: integers of up to 32
 * bits as numbers, 64-bit integers as bigints (numbers are accepted when writing),
 * `bool` as booleans, enums as numbers, structs as objects by member name, arrays as
 * arrays, `char` arrays as strings, DATASECs (global data) as objects by variable
 * name. Bitfields, unions and floats keep their bytes (a Uint8Array) both ways.
 */
export type BtfValue = number | bigint | boolean | string | Uint8Array | BtfValue[] | { [name: string]: BtfValue };

export function decodeBtf(btf: Btf, typeId: number, bytes: Uint8Array): BtfValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = (id: number, off: number): BtfValue => {
    const t = btf.resolved(id);
    switch (t.kind) {
      case 'INT': {
        if (t.bitsOffset || t.bits !== t.size * 8) return bytes.slice(off, off + t.size);
        if (t.encoding & BTF_INT_ENCODING.BOOL) return bytes[off] !== 0;
        return readInt(view, off, t.size, t.signed);
      }
      case 'ENUM':
        return Number(readInt(view, off, t.size, t.signed));
      case 'ENUM64':
        return readInt(view, off, 8, t.signed);
      case 'PTR':
        return readInt(view, off, 8, false);
      case 'ARRAY': {
        const size = btf.size(t.type);
        if (isChar(btf, t.type)) {
          const raw = bytes.subarray(off, off + t.nelems);
          const end = raw.indexOf(0);
          return Buffer.from(raw.subarray(0, end < 0 ? raw.length : end)).toString('latin1');
        }
        return Array.from({ length: t.nelems }, (_, i) => at(t.type, off + i * size));
      }
      case 'STRUCT': {
        if (t.members.some((m) => m.bitfieldSize || m.bitOffset % 8)) return bytes.slice(off, off + t.size);
        const out: { [name: string]: BtfValue } = {};
        for (const m of t.members) out[m.name] = at(m.type, off + m.bitOffset / 8);
        return out;
      }
      case 'DATASEC': {
        const out: { [name: string]: BtfValue } = {};
        for (const v of t.vars) out[btf.type(v.type).name] = at(v.type, off + v.offset);
        return out;
      }
      case 'VAR':
        return at(t.type, off);
      default:
        return bytes.slice(off, off + btf.size(id));
    }
  };
  return at(typeId, 0);
}

/** The bytes of a value of the type; throws UsageError naming what does not fit. */
export function encodeBtf(btf: Btf, typeId: number, value: BtfValue, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  const put = (id: number, off: number, v: BtfValue, path: string): void => {
    if (v instanceof Uint8Array) {
      bytes.set(v.subarray(0, btf.size(id)), off);
      return;
    }
    const t = btf.resolved(id);
    switch (t.kind) {
      case 'INT':
        if (t.encoding & BTF_INT_ENCODING.BOOL && typeof v === 'boolean') bytes[off] = v ? 1 : 0;
        else writeInt(view, off, t.size, integer(v, path));
        return;
      case 'ENUM':
      case 'ENUM64':
        writeInt(view, off, t.size, integer(v, path));
        return;
      case 'PTR':
        writeInt(view, off, 8, integer(v, path));
        return;
      case 'ARRAY': {
        const elem = btf.size(t.type);
        if (typeof v === 'string') {
          bytes.set(Buffer.from(v, 'latin1').subarray(0, t.nelems), off);
          return;
        }
        if (!Array.isArray(v)) throw new UsageError(`${path}: an array expected`);
        v.slice(0, t.nelems).forEach((e, i) => put(t.type, off + i * elem, e, `${path}[${i}]`));
        return;
      }
      case 'STRUCT':
      case 'DATASEC': {
        if (typeof v !== 'object' || Array.isArray(v)) throw new UsageError(`${path}: an object expected`);
        const fields = t.kind === 'STRUCT' ? t.members.map((m) => ({ name: m.name, type: m.type, off: m.bitOffset / 8 })) : t.vars.map((s) => ({ name: btf.type(s.type).name, type: s.type, off: s.offset }));
        for (const [name, field] of Object.entries(v)) {
          const f = fields.find((x) => x.name === name);
          if (!f) throw new UsageError(`${path}: no member ${name}`);
          put(f.type, off + f.off, field, `${path}.${name}`);
        }
        return;
      }
      case 'VAR':
        put(t.type, off, v, path);
        return;
      default:
        throw new UsageError(`${path}: give the bytes of a ${t.kind} as a Uint8Array`);
    }
  };
  put(typeId, 0, value, 'value');
  return bytes;
}

function isChar(btf: Btf, id: number): boolean {
  const t = btf.resolved(id);
  return t.kind === 'INT' && t.size === 1 && (t.name === 'char' || (t.encoding & BTF_INT_ENCODING.CHAR) !== 0);
}

function readInt(view: DataView, off: number, size: number, signed: boolean): number | bigint {
  switch (size) {
    case 1:
      return signed ? view.getInt8(off) : view.getUint8(off);
    case 2:
      return signed ? view.getInt16(off, true) : view.getUint16(off, true);
    case 4:
      return signed ? view.getInt32(off, true) : view.getUint32(off, true);
    default:
      return signed ? view.getBigInt64(off, true) : view.getBigUint64(off, true);
  }
}

function integer(v: BtfValue, path: string): bigint {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  throw new UsageError(`${path}: an integer expected, not ${typeof v === 'object' ? 'an object' : String(v)}`);
}

function writeInt(view: DataView, off: number, size: number, v: bigint): void {
  const mask = (1n << BigInt(size * 8)) - 1n;
  const u = v & mask;
  if (size === 8) view.setBigUint64(off, u, true);
  else if (size === 4) view.setUint32(off, Number(u), true);
  else if (size === 2) view.setUint16(off, Number(u), true);
  else view.setUint8(off, Number(u));
}
