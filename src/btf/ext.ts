import { BtfError } from '../errors.js';
import type { Btf } from './btf.js';
import { BTF_MAGIC, Reader, detectByteOrder } from './reader.js';
import type { ByteOrder } from './types.js';

/**
 * .BTF.ext: per-ELF-section records that tie instructions to BTF. Offsets are kept as
 * stored (bytes from the start of the section); the loader turns them into
 * instruction indexes. Strings resolve through the object's .BTF string table.
 */
export interface BtfExtHeader {
  readonly magic: number;
  readonly version: number;
  readonly flags: number;
  readonly hdrLen: number;
  readonly funcInfoOff: number;
  readonly funcInfoLen: number;
  readonly lineInfoOff: number;
  readonly lineInfoLen: number;
  /** 0 when the header is too short to have the CO-RE fields (older compilers). */
  readonly coreReloOff: number;
  readonly coreReloLen: number;
}

export interface BtfFuncInfo {
  /** Byte offset of the function's first instruction in its ELF section. */
  readonly insnOff: number;
  /** The FUNC type describing it. */
  readonly typeId: number;
}

export interface BtfLineInfo {
  /** Byte offset of the first instruction of the line in its ELF section. */
  readonly insnOff: number;
  readonly fileNameOff: number;
  readonly lineOff: number;
  /** Line number in the high 22 bits, column in the low 10, as stored. */
  readonly lineCol: number;
  readonly file: string;
  /** The source line's text. */
  readonly line: string;
  readonly lineNum: number;
  readonly column: number;
}

/** CO-RE relocation kinds (enum bpf_core_relo_kind), indexed by value. */
export const CORE_RELO_KINDS = [
  'FIELD_BYTE_OFFSET',
  'FIELD_BYTE_SIZE',
  'FIELD_EXISTS',
  'FIELD_SIGNED',
  'FIELD_LSHIFT_U64',
  'FIELD_RSHIFT_U64',
  'TYPE_ID_LOCAL',
  'TYPE_ID_TARGET',
  'TYPE_EXISTS',
  'TYPE_SIZE',
  'ENUMVAL_EXISTS',
  'ENUMVAL_VALUE',
  'TYPE_MATCHES',
] as const;

export type CoreReloKindName = (typeof CORE_RELO_KINDS)[number];

export interface BtfCoreRelo {
  /** Byte offset of the instruction to patch in its ELF section. */
  readonly insnOff: number;
  /**
   * The local (object's own) root type, as stored: the relocator checks it, as libbpf
   * does when it applies the record, so that a bad one names its instruction.
   */
  readonly typeId: number;
  readonly accessStrOff: number;
  /** Accessor spec such as "0:1:2"; kept as text, the relocator parses it. */
  readonly accessStr: string;
  readonly kind: number;
  /** undefined for kinds newer than this table. */
  readonly kindName: CoreReloKindName | undefined;
}

/** The records of one ELF section. */
export interface BtfExtSection<R> {
  readonly section: string;
  readonly sectionNameOff: number;
  readonly records: readonly R[];
}

/** One kind of records: the record size read from the blob, and the sections. */
export interface BtfExtInfo<R> {
  /** 0 when the blob has no such records. */
  readonly recordSize: number;
  readonly sections: readonly BtfExtSection<R>[];
}

export interface BtfExt {
  readonly byteOrder: ByteOrder;
  readonly header: BtfExtHeader;
  readonly funcInfo: BtfExtInfo<BtfFuncInfo>;
  readonly lineInfo: BtfExtInfo<BtfLineInfo>;
  readonly coreRelos: BtfExtInfo<BtfCoreRelo>;
}

/** Header size up to line_info_len, and with the optional core_relo fields. */
const HEADER_MIN = 24;
const HEADER_CORE = 32;

/**
 * Parses .BTF.ext in either byte order against the object's parsed .BTF. Throws
 * BtfError for anything libbpf would reject (libbpf then drops .BTF.ext with a
 * warning; whether to do the same is the loader's call).
 */
export function parseBtfExt(bytes: Uint8Array, btf: Btf): BtfExt {
  const order = detectByteOrder(bytes, 'BTF.ext');
  const r = new Reader(bytes, order);
  const header = readExtHeader(r);
  const strings = new ExtStrings(btf);
  return {
    byteOrder: order,
    header,
    funcInfo: readInfo(r, header, strings, 'func_info', header.funcInfoOff, header.funcInfoLen, 8, (at, where) => ({
      insnOff: r.u32(at),
      typeId: strings.typeId(r.u32(at + 4), where),
    })),
    lineInfo: readInfo(r, header, strings, 'line_info', header.lineInfoOff, header.lineInfoLen, 16, (at, where) => {
      const fileNameOff = r.u32(at + 4);
      const lineOff = r.u32(at + 8);
      const lineCol = r.u32(at + 12);
      return {
        insnOff: r.u32(at),
        fileNameOff,
        lineOff,
        lineCol,
        file: strings.get(fileNameOff, where, 'file name'),
        line: strings.get(lineOff, where, 'line'),
        lineNum: lineCol >>> 10,
        column: lineCol & 0x3ff,
      };
    }),
    coreRelos: readInfo(r, header, strings, 'core_relo', header.coreReloOff, header.coreReloLen, 16, (at, where) => {
      const accessStrOff = r.u32(at + 8);
      const kind = r.u32(at + 12);
      return {
        insnOff: r.u32(at),
        typeId: r.u32(at + 4),
        accessStrOff,
        accessStr: strings.get(accessStrOff, where, 'access string'),
        kind,
        kindName: CORE_RELO_KINDS[kind],
      };
    }),
  };
}

function readExtHeader(r: Reader): BtfExtHeader {
  if (r.length < HEADER_MIN) throw new BtfError(`BTF.ext header: blob has ${r.length} bytes, header needs ${HEADER_MIN}`);
  const hdrLen = r.u32(4);
  const hasCore = hdrLen >= HEADER_CORE;
  const header: BtfExtHeader = {
    magic: r.u16(0),
    version: r.u8(2),
    flags: r.u8(3),
    hdrLen,
    funcInfoOff: r.u32(8),
    funcInfoLen: r.u32(12),
    lineInfoOff: r.u32(16),
    lineInfoLen: r.u32(20),
    coreReloOff: hasCore && r.length >= HEADER_CORE ? r.u32(24) : 0,
    coreReloLen: hasCore && r.length >= HEADER_CORE ? r.u32(28) : 0,
  };
  if (header.magic !== BTF_MAGIC) throw new BtfError(`BTF.ext header: bad magic 0x${header.magic.toString(16)}`);
  if (header.version !== 1) throw new BtfError(`BTF.ext header: version ${header.version} is not supported (only 1)`);
  if (header.flags !== 0) throw new BtfError(`BTF.ext header: unsupported flags 0x${header.flags.toString(16)}`);
  if (hdrLen < HEADER_MIN) throw new BtfError(`BTF.ext header: hdr_len ${hdrLen} is shorter than ${HEADER_MIN}`);
  if (hdrLen > r.length) throw new BtfError(`BTF.ext header: hdr_len ${hdrLen} is past the end of the ${r.length}-byte blob`);
  return header;
}

/**
 * One info block: a u32 record size, then per ELF section a name offset, a record
 * count and the records. The record size comes from the blob; a larger one than we
 * know means newer fields we skip over.
 */
function readInfo<R>(
  r: Reader,
  header: BtfExtHeader,
  strings: ExtStrings,
  what: string,
  off: number,
  len: number,
  minRecord: number,
  read: (at: number, where: string) => R,
): BtfExtInfo<R> {
  if (len === 0) return { recordSize: 0, sections: [] };
  const dataLen = r.length - header.hdrLen;
  if (off % 4 !== 0) throw new BtfError(`BTF.ext ${what}: offset ${off} is not 4-byte aligned`);
  if (off + len > dataLen) throw new BtfError(`BTF.ext ${what}: offset ${off} + ${len} bytes runs past the ${dataLen} bytes after the header`);
  let at = header.hdrLen + off;
  const end = at + len;
  if (len < 4) throw new BtfError(`BTF.ext ${what}: ${len} bytes is too short for the record size`);
  const recordSize = r.u32(at);
  if (recordSize < minRecord || recordSize % 4 !== 0) {
    throw new BtfError(`BTF.ext ${what}: record size ${recordSize} (needs a multiple of 4, at least ${minRecord})`);
  }
  at += 4;
  if (at === end) throw new BtfError(`BTF.ext ${what}: no sections after the record size`);
  const sections: BtfExtSection<R>[] = [];
  while (at < end) {
    const where = `BTF.ext ${what} section ${sections.length}`;
    if (end - at < 8) throw new BtfError(`${where}: ${end - at} bytes left, a section header needs 8`);
    const sectionNameOff = r.u32(at);
    const count = r.u32(at + 4);
    const section = strings.get(sectionNameOff, where, 'section name');
    at += 8;
    if (count === 0) throw new BtfError(`${where} '${section}': no records`);
    if ((end - at) / recordSize < count) {
      throw new BtfError(`${where} '${section}': ${count} records of ${recordSize} bytes do not fit in the ${end - at} bytes left`);
    }
    const records: R[] = [];
    for (let i = 0; i < count; i++, at += recordSize) records.push(read(at, `${where} '${section}' record ${i}`));
    sections.push({ section, sectionNameOff, records });
  }
  return { recordSize, sections };
}

/** String and type id look-ups in the .BTF that goes with this .BTF.ext. */
class ExtStrings {
  constructor(private readonly btf: Btf) {}

  get(off: number, where: string, what: string): string {
    return this.btf.strings.get(off, `${where}: ${what}`);
  }

  typeId(id: number, where: string): number {
    if (!this.btf.has(id)) throw new BtfError(`${where}: type id ${id} out of range (${this.btf.typeCount} types)`);
    return id;
  }
}
