import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findElfSection } from '../../src/elf/find-section.js';

/**
 * Real BTF blobs for the fuzz test, and where their parts lie, so that mutations can
 * aim at header fields, type records and name offsets rather than only at random bytes.
 */
export interface Blob {
  name: string;
  bytes: Uint8Array;
  little: boolean;
  /** Absolute offsets of every type record, and where the type section ends. */
  records: number[];
  typeEnd: number;
  strStart: number;
  strEnd: number;
  /** Absolute offsets of every name_off word (type names, member, param and enumerator names). */
  nameOffsets: number[];
}

const HEADER = 24;
const INT = 1;
const ARRAY = 3;
const STRUCT = 4;
const UNION = 5;
const ENUM = 6;
const FUNC_PROTO = 13;
const VAR = 14;
const DATASEC = 15;
const DECL_TAG = 17;
const ENUM64 = 19;

/** Bytes after a record's 12-byte head: a fixed part, and per vlen entry. */
function extra(kind: number, vlen: number): { fixed: number; each: number; total: number } {
  const fixed = kind === INT || kind === VAR || kind === DECL_TAG ? 4 : kind === ARRAY ? 12 : 0;
  const each = kind === ENUM || kind === FUNC_PROTO ? 8 : kind === STRUCT || kind === UNION || kind === DATASEC || kind === ENUM64 ? 12 : 0;
  return { fixed, each, total: fixed + each * vlen };
}

/** Entries whose first word is a name offset. */
function entriesNamed(kind: number): boolean {
  return kind === STRUCT || kind === UNION || kind === ENUM || kind === FUNC_PROTO || kind === ENUM64;
}

/** Locates the parts of a well-formed blob (either byte order). */
export function describeBlob(name: string, source: Uint8Array): Blob {
  // A plain copy: a Node Buffer's slice() is a view, and mutants must not share memory.
  const bytes = new Uint8Array(source);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = bytes[0] === 0x9f;
  const u32 = (o: number): number => view.getUint32(o, little);
  const hdrLen = u32(4);
  const typeStart = hdrLen + u32(8);
  const typeEnd = typeStart + u32(12);
  const strStart = hdrLen + u32(16);
  const strEnd = strStart + u32(20);
  const records: number[] = [];
  const nameOffsets: number[] = [];
  for (let off = typeStart; off < typeEnd; ) {
    records.push(off);
    nameOffsets.push(off);
    const info = u32(off + 4);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const e = extra(kind, vlen);
    if (entriesNamed(kind)) for (let i = 0; i < vlen; i++) nameOffsets.push(off + 12 + e.fixed + i * e.each);
    off += 12 + e.total;
  }
  return { name, bytes, little, records, typeEnd, strStart, strEnd, nameOffsets };
}

/** The .BTF section of every object in objects/ (both byte orders are there). */
export function objectBlobs(objectsDir: string): Blob[] {
  return readdirSync(objectsDir)
    .filter((f) => f.endsWith('.o'))
    .sort()
    .map((f) => describeBlob(f, findElfSection(readFileSync(join(objectsDir, f)), '.BTF', f)!));
}

/**
 * The first `count` types of a little-endian base blob (vmlinux) as a blob of their
 * own: references past the slice become void, and the string section holds only the
 * names the slice uses. Small enough to parse and dump thousands of times a second,
 * and still kernel-shaped: ints, typedefs, nested structs, bitfields, prototypes.
 */
export function sliceBlob(name: string, bytes: Uint8Array, count: number): Blob {
  const whole = describeBlob(name, bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (o: number): number => view.getUint32(o, true);
  const records = whole.records.slice(0, count);
  const end = count < whole.records.length ? whole.records[count]! : whole.typeEnd;
  const types = new Uint8Array(bytes.subarray(records[0]!, end));
  const tv = new DataView(types.buffer);
  const base = records[0]!;
  const strings: number[] = [0];
  const newOffsets = new Map<number, number>([[0, 0]]);
  const rename = (at: number): void => {
    const old = u32(at);
    let fresh = newOffsets.get(old);
    if (fresh === undefined) {
      fresh = strings.length;
      newOffsets.set(old, fresh);
      for (let i = whole.strStart + old; bytes[i] !== 0; i++) strings.push(bytes[i]!);
      strings.push(0);
    }
    tv.setUint32(at - base, fresh, true);
  };
  const clamp = (at: number): void => {
    if (u32(at) > count) tv.setUint32(at - base, 0, true);
  };
  for (const off of records) {
    rename(off);
    const info = u32(off + 4);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const e = extra(kind, vlen);
    // size/type: a reference for every kind that has no size.
    if (![INT, STRUCT, UNION, ENUM, ENUM64, DATASEC, 16 /* FLOAT */, 7 /* FWD */].includes(kind)) clamp(off + 8);
    if (kind === ARRAY) {
      clamp(off + 12);
      clamp(off + 16);
    }
    for (let i = 0; i < vlen && e.each; i++) {
      const entry = off + 12 + e.fixed + i * e.each;
      if (entriesNamed(kind)) rename(entry);
      if (kind === STRUCT || kind === UNION || kind === FUNC_PROTO) clamp(entry + 4);
      if (kind === DATASEC) clamp(entry);
    }
  }
  const out = new Uint8Array(HEADER + types.length + strings.length);
  const ov = new DataView(out.buffer);
  ov.setUint16(0, 0xeb9f, true);
  out[2] = 1;
  ov.setUint32(4, HEADER, true);
  ov.setUint32(8, 0, true);
  ov.setUint32(12, types.length, true);
  ov.setUint32(16, types.length, true);
  ov.setUint32(20, strings.length, true);
  out.set(types, HEADER);
  out.set(strings, HEADER + types.length);
  return describeBlob(`${name}[1..${count}]`, out);
}
