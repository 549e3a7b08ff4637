import type { Btf } from './btf.js';
import { dumpBtfRaw } from './dump-raw.js';
import { BTF_KIND, BTF_KIND_NAMES } from './types.js';

/**
 * The plain raw dump (dumpBtfRaw's text, bpftool's `btf dump ... format raw`) as bytes,
 * written straight from the blob's records: names are copied from the string section
 * byte for byte (as bpftool prints them, whatever their encoding) and numbers are
 * written as digits, with no type objects and no strings in between. vmlinux's dump is
 * 12 MB of 127k records; this is the form the CLI prints. A Btf that was not parsed
 * from bytes (a fixed-up one) goes through dumpBtfRaw.
 */
export function dumpBtfRawBytes(btf: Btf): Uint8Array {
  const records = btf.records;
  if (!records) return new TextEncoder().encode(dumpBtfRaw(btf));
  const w = new ByteWriter(Math.max(1 << 16, records.offsets.length * 96));
  const r = records.reader;
  const strings = btf.strings;
  const startId = btf.startId;
  const name = (nameOff: number): void => {
    if (nameOff === 0) w.ascii('(anon)');
    else w.pos = strings.copyTo(nameOff, w.room(strings.lengthAt(nameOff) + 1), w.pos);
  };

  for (let i = 0; i < records.offsets.length; i++) {
    const off = records.offsets[i]!;
    const info = r.u32(off + 4);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kindFlag = info >>> 31 === 1;
    const sizeOrType = r.u32(off + 8);
    w.room(128);
    w.byte(0x5b); // [
    w.uint(startId + i);
    w.ascii(KIND_LABEL[kind]!);
    name(r.u32(off));
    w.room(128);
    w.byte(0x27); // '
    switch (kind) {
      case BTF_KIND.INT: {
        const v = r.u32(off + 12);
        w.room(96);
        w.ascii(' size=');
        w.uint(sizeOrType);
        w.ascii(' bits_offset=');
        w.uint((v >>> 16) & 0xff);
        w.ascii(' nr_bits=');
        w.uint(v & 0xff);
        w.ascii(' encoding=');
        w.ascii(INT_ENCODING[(v >>> 24) & 0x0f] ?? 'UNKN');
        break;
      }
      case BTF_KIND.PTR:
      case BTF_KIND.CONST:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.TYPE_TAG:
        w.ascii(' type_id=');
        w.uint(sizeOrType);
        break;
      case BTF_KIND.ARRAY:
        w.ascii(' type_id=');
        w.uint(r.u32(off + 12));
        w.ascii(' index_type_id=');
        w.uint(r.u32(off + 16));
        w.ascii(' nr_elems=');
        w.uint(r.u32(off + 20));
        break;
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
        w.ascii(' size=');
        w.uint(sizeOrType);
        w.ascii(' vlen=');
        w.uint(vlen);
        for (let k = 0, q = off + 12; k < vlen; k++, q += 12) {
          w.room(32);
          w.ascii("\n\t'");
          name(r.u32(q));
          w.room(96);
          w.ascii("' type_id=");
          w.uint(r.u32(q + 4));
          w.ascii(' bits_offset=');
          const raw = r.u32(q + 8);
          // With kind_flag the word packs bitfield size (high 8) over bit offset (low 24).
          w.uint(kindFlag ? raw & 0xffffff : raw);
          if (kindFlag && raw >>> 24) {
            w.ascii(' bitfield_size=');
            w.uint(raw >>> 24);
          }
        }
        break;
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64: {
        w.ascii(kindFlag ? ' encoding=SIGNED size=' : ' encoding=UNSIGNED size=');
        w.uint(sizeOrType);
        w.ascii(' vlen=');
        w.uint(vlen);
        const each = kind === BTF_KIND.ENUM ? 8 : 12;
        for (let k = 0, q = off + 12; k < vlen; k++, q += each) {
          w.room(32);
          w.ascii("\n\t'");
          name(r.u32(q));
          w.room(96);
          w.ascii("' val=");
          if (kind === BTF_KIND.ENUM) {
            if (kindFlag) w.int(r.i32(q + 4));
            else w.uint(r.u32(q + 4));
          } else {
            const raw = (BigInt(r.u32(q + 8)) << 32n) | BigInt(r.u32(q + 4));
            w.ascii(`${kindFlag ? BigInt.asIntN(64, raw) : raw}${kindFlag ? 'LL' : 'ULL'}`);
          }
        }
        break;
      }
      case BTF_KIND.FWD:
        w.ascii(kindFlag ? ' fwd_kind=union' : ' fwd_kind=struct');
        break;
      case BTF_KIND.FUNC:
        w.ascii(' type_id=');
        w.uint(sizeOrType);
        w.ascii(' linkage=');
        w.ascii(LINKAGE[vlen] ?? '(unknown)');
        break;
      case BTF_KIND.FUNC_PROTO:
        w.ascii(' ret_type_id=');
        w.uint(sizeOrType);
        w.ascii(' vlen=');
        w.uint(vlen);
        for (let k = 0, q = off + 12; k < vlen; k++, q += 8) {
          w.room(32);
          w.ascii("\n\t'");
          name(r.u32(q));
          w.room(48);
          w.ascii("' type_id=");
          w.uint(r.u32(q + 4));
        }
        break;
      case BTF_KIND.VAR: {
        // The comma is bpftool's.
        w.ascii(' type_id=');
        w.uint(sizeOrType);
        w.ascii(', linkage=');
        w.ascii(LINKAGE[r.u32(off + 12)] ?? '(unknown)');
        break;
      }
      case BTF_KIND.DATASEC:
        w.ascii(' size=');
        w.uint(sizeOrType);
        w.ascii(' vlen=');
        w.uint(vlen);
        for (let k = 0, q = off + 12; k < vlen; k++, q += 12) {
          const type = r.u32(q);
          w.room(128);
          w.ascii('\n\ttype_id=');
          w.uint(type);
          w.ascii(' offset=');
          w.uint(r.u32(q + 4));
          w.ascii(' size=');
          w.uint(r.u32(q + 8));
          // What the entry is, as the type it names says: its kind and name.
          const target = btf.type(type);
          w.ascii(' (');
          w.ascii(KIND_TEXT[target.kind]);
          w.ascii(" '");
          w.text(target.nameOff === 0 ? '(anon)' : target.name);
          w.ascii("')");
        }
        break;
      case BTF_KIND.FLOAT:
        w.ascii(' size=');
        w.uint(sizeOrType);
        break;
      case BTF_KIND.DECL_TAG:
        w.ascii(' type_id=');
        w.uint(sizeOrType);
        w.ascii(' component_idx=');
        w.int(r.i32(off + 12));
        break;
      default:
        break;
    }
    w.room(1);
    w.byte(0x0a);
  }
  return w.bytes();
}

/** What a record's line starts with after its id: `] KIND '`. */
const KIND_LABEL: string[] = BTF_KIND_NAMES.map((k, n) => `] ${n === BTF_KIND.VOID ? 'UNKNOWN' : k} '`);
const KIND_TEXT: Record<string, string> = Object.fromEntries(BTF_KIND_NAMES.map((k) => [k, k === 'VOID' ? 'UNKNOWN' : k]));
const INT_ENCODING: Record<number, string> = { 0: '(none)', 1: 'SIGNED', 2: 'CHAR', 4: 'BOOL' };
const LINKAGE: Record<number, string> = { 0: 'static', 1: 'global', 2: 'extern' };

/**
 * Bytes appended to a buffer that doubles when full. Callers reserve room (room()) for
 * what they are about to write, so that the writes themselves do not check.
 */
class ByteWriter {
  private buf: Uint8Array;
  pos = 0;

  constructor(initial: number) {
    this.buf = new Uint8Array(initial);
  }

  /** Makes room for `n` more bytes; returns the buffer to write them into. */
  room(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
      grown.set(this.buf.subarray(0, this.pos));
      this.buf = grown;
    }
    return this.buf;
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  /** ASCII text (the dump's own words), within reserved room. */
  ascii(s: string): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Any text, as UTF-8, with its own room. */
  text(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.room(bytes.length + 64).set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** An unsigned 32-bit number in decimal (at most 10 digits), within reserved room. */
  uint(n: number): void {
    const buf = this.buf;
    let p = this.pos;
    if (n < 10) {
      buf[p] = 48 + n;
      this.pos = p + 1;
      return;
    }
    // Most numbers here are type ids, offsets and sizes: a few digits.
    const digits = n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
    p += digits;
    this.pos = p;
    while (n >= 10) {
      const q = (n / 10) >>> 0;
      buf[--p] = 48 + n - q * 10;
      n = q;
    }
    buf[--p] = 48 + n;
  }

  /** A signed 32-bit number in decimal, within reserved room. */
  int(n: number): void {
    if (n < 0) {
      this.buf[this.pos++] = 0x2d;
      this.uint(-n);
    } else {
      this.uint(n);
    }
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}
