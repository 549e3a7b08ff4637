import { Btf } from './btf.js';
import { checkRefs, scanTypes } from './decode.js';
import { readHeader } from './header.js';
import { Reader, detectByteOrder, hostWords } from './reader.js';
import { StringTable, checkStringSection } from './strings.js';

export interface ParseBtfOptions {
  /**
   * For split BTF (a kernel module's, or anything built on top of vmlinux): the BTF
   * this blob extends. Its type ids and string offsets continue after the base's.
   */
  base?: Btf;
}

/**
 * Parses a raw BTF blob (the contents of a .BTF section, or /sys/kernel/btf/*) in
 * either byte order. Every name offset and type reference is checked, so the
 * returned Btf can be walked without further bounds checks.
 */
export function parseBtf(bytes: Uint8Array, options: ParseBtfOptions = {}): Btf {
  const order = detectByteOrder(bytes, 'BTF');
  const r = new Reader(bytes, order);
  const layout = readHeader(r);
  const base = options.base;
  const strBytes = bytes.subarray(layout.strStart, layout.strEnd);
  checkStringSection(strBytes, base !== undefined);
  const strings = new StringTable(strBytes, base?.strings);
  const startId = base ? base.typeCount : 1;
  const words = hostWords(bytes, layout.typeStart, layout.typeEnd, order);
  const offsets = scanTypes(words, layout.typeEnd - layout.typeStart, startId, strings);
  checkRefs(words, offsets, startId, startId + offsets.length);
  // Types are decoded into objects when first asked for: a dump of vmlinux's C header
  // never looks at half of them, and its raw dump reads the records themselves.
  return new Btf({ byteOrder: order, header: layout.header, strings, records: { words, offsets }, base });
}
