import { ElfError } from '../errors.js';
import type { SectionFields } from './types.js';

/**
 * The one place ELF header and section header fields are read, for both classes and
 * byte orders: section-table.ts (BPF objects) and find-section.ts (any ELF file, for
 * `.BTF`) read headers through it. Offsets are the System V gABI's.
 */

const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;
/** e_shstrndx's escape: the real index is section 0's sh_link. */
const SHN_XINDEX = 0xffff;

/** e_ident: the magic, the class and the data encoding. */
export interface ElfIdent {
  magic: boolean;
  elfClass: number;
  data: number;
}

export function readIdent(bytes: Uint8Array): ElfIdent {
  const magic = bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
  return { magic, elfClass: bytes[4] ?? 0, data: bytes[5] ?? 0 };
}

/** The size of the ELF header of a class (e_ehsize). */
export function elfHeaderSize(elfClass: number): number {
  return elfClass === ELFCLASS64 ? 64 : 52;
}

/**
 * Whether the bytes start with a whole ELF header of a known class and byte order:
 * what libelf needs before it hands out the header (libbpf's "failed to get EHDR").
 */
export function hasElfHeader(bytes: Uint8Array): boolean {
  const id = readIdent(bytes);
  if (!id.magic || bytes.length < 6 || (id.data !== ELFDATA2LSB && id.data !== ELFDATA2MSB)) return false;
  return (id.elfClass === ELFCLASS64 || id.elfClass === ELFCLASS32) && bytes.length >= elfHeaderSize(id.elfClass);
}

/** One section header, every field. */
export interface SectionHeader extends SectionFields {
  /** sh_name: the name's offset in the section name table. */
  name: number;
}

/**
 * The ELF header's fields and the section headers of bytes that hasElfHeader accepts.
 * 64-bit fields are numbers: offsets and sizes past 2^53 cannot lie inside a file we can
 * read, so they fail the callers' bounds checks all the same.
 */
export class ElfHeaders {
  readonly is64: boolean;
  readonly littleEndian: boolean;
  /** e_machine. */
  readonly machine: number;
  /** e_shoff: 0 when there is no section header table. */
  readonly shoff: number;
  /** e_shentsize. */
  readonly shentsize: number;
  /** The size a section header of this class has (what e_shentsize must be). */
  readonly shdrSize: number;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly file: string,
  ) {
    const id = readIdent(bytes);
    this.is64 = id.elfClass === ELFCLASS64;
    this.littleEndian = id.data === ELFDATA2LSB;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.machine = this.u16(18);
    this.shoff = this.word(this.is64 ? 40 : 32);
    this.shentsize = this.u16(this.is64 ? 58 : 46);
    this.shdrSize = this.is64 ? 64 : 40;
  }

  /** e_shnum as written: 0 both for no sections and for a count too large for it. */
  get rawShnum(): number {
    return this.u16(this.is64 ? 60 : 48);
  }

  /** The number of sections, extended numbering followed (the count is then section 0's sh_size). */
  sectionCount(): number {
    const n = this.rawShnum;
    return n === 0 && this.shoff !== 0 ? this.section(0).size : n;
  }

  /** e_shstrndx, extended numbering followed (SHN_XINDEX: section 0's sh_link). */
  nameTableIndex(): number {
    const i = this.u16(this.is64 ? 62 : 50);
    return i === SHN_XINDEX ? this.section(0).link : i;
  }

  /** Where section header `index` starts; throws when it runs past the end of the file. */
  sectionHeaderAt(index: number): number {
    const at = this.shoff + index * this.shdrSize;
    if (at + this.shdrSize > this.bytes.length) {
      throw new ElfError(`section header ${index} (offset ${at}) runs past the end of the file (${this.bytes.length} bytes)`, { file: this.file });
    }
    return at;
  }

  section(index: number): SectionHeader {
    const at = this.sectionHeaderAt(index);
    const u32 = (o: number): number => this.view.getUint32(at + o, this.littleEndian);
    if (!this.is64) {
      return { name: u32(0), type: u32(4), flags: u32(8), offset: u32(16), size: u32(20), link: u32(24), info: u32(28), addralign: u32(32), entsize: u32(36) };
    }
    const u64 = (o: number): number => this.word(at + o);
    return { name: u32(0), type: u32(4), flags: u64(8), offset: u64(24), size: u64(32), link: u32(40), info: u32(44), addralign: u64(48), entsize: u64(56) };
  }

  private u16(o: number): number {
    return this.view.getUint16(o, this.littleEndian);
  }

  /** A class-sized word: 8 bytes in ELF64, 4 in ELF32. */
  private word(o: number): number {
    return this.is64 ? Number(this.view.getBigUint64(o, this.littleEndian)) : this.view.getUint32(o, this.littleEndian);
  }
}
