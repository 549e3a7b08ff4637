import { ElfError } from '../errors.js';
import { SHT_NOBITS } from './types.js';

const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const SHN_XINDEX = 0xffff;

/**
 * Whether the bytes start with a whole ELF header of a known class and byte order:
 * what libelf needs before it hands out the header (libbpf's "failed to get EHDR").
 */
export function hasElfHeader(bytes: Uint8Array): boolean {
  if (bytes.length < 6 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return false;
  if (bytes[5] !== 1 && bytes[5] !== 2) return false;
  return bytes[4] === ELFCLASS64 ? bytes.length >= 64 : bytes[4] === ELFCLASS32 && bytes.length >= 52;
}

/**
 * The contents of the first section with this name, in any ELF file: 32- or 64-bit,
 * either byte order, any machine (a BPF object, a kernel image, a module). Reads only
 * the header, the section table and the section-name table, as libbpf does when
 * bpftool looks for a `.BTF` section; `undefined` when no section has the name.
 * Throws ElfError when what it reads is malformed.
 */
export function findElfSection(bytes: Uint8Array, name: string, file = '<memory>'): Uint8Array | undefined {
  const fail = (reason: string): never => {
    throw new ElfError(reason, { file });
  };
  if (!hasElfHeader(bytes)) fail('not an ELF file, or its header is truncated or of an unknown class or byte order');
  const is64 = bytes[4] === ELFCLASS64;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = bytes[5] === 1;
  const u16 = (o: number): number => view.getUint16(o, little);
  const u32 = (o: number): number => view.getUint32(o, little);
  // Offsets and sizes past 2^53 cannot lie inside any file we can read; they fail the bounds checks.
  const word = (o: number): number => (is64 ? Number(view.getBigUint64(o, little)) : u32(o));

  const shoff = word(is64 ? 40 : 32);
  const shentsize = u16(is64 ? 58 : 46);
  let shnum = u16(is64 ? 60 : 48);
  let shstrndx = u16(is64 ? 62 : 50);
  const shdrSize = is64 ? 64 : 40;
  if (shoff === 0) return undefined;
  if (shentsize !== shdrSize) fail(`bad section header size ${shentsize}`);
  const header = (index: number): number => {
    const at = shoff + index * shdrSize;
    if (at + shdrSize > bytes.length) fail(`section header ${index} (offset ${at}) runs past the end of the file (${bytes.length} bytes)`);
    return at;
  };
  // Extended numbering: the real count and name-table index live in section 0.
  if (shnum === 0) shnum = word(header(0) + (is64 ? 32 : 20));
  if (shstrndx === SHN_XINDEX) shstrndx = u32(header(0) + (is64 ? 40 : 24));
  if (shstrndx >= shnum) fail(`section name table index ${shstrndx} is past the ${shnum} sections`);

  const sh = (index: number): { name: number; type: number; offset: number; size: number } => {
    const at = header(index);
    return is64
      ? { name: u32(at), type: u32(at + 4), offset: word(at + 24), size: word(at + 32) }
      : { name: u32(at), type: u32(at + 4), offset: u32(at + 16), size: u32(at + 20) };
  };
  const contents = (index: number): Uint8Array => {
    const s = sh(index);
    if (s.type === SHT_NOBITS) return new Uint8Array(0);
    if (s.offset > bytes.length || s.size > bytes.length - s.offset) {
      fail(`section ${index} data (offset ${s.offset}, size ${s.size}) runs past the end of the file (${bytes.length} bytes)`);
    }
    return bytes.subarray(s.offset, s.offset + s.size);
  };

  const names = contents(shstrndx);
  const wanted = new TextEncoder().encode(name);
  for (let i = 1; i < shnum; i++) {
    const off = sh(i).name;
    if (off >= names.length) fail(`section ${i} name offset ${off} is past the section name table`);
    if (sameCString(names, off, wanted)) return contents(i);
  }
  return undefined;
}

function sameCString(table: Uint8Array, off: number, wanted: Uint8Array): boolean {
  if (off + wanted.length >= table.length) return false;
  for (let i = 0; i < wanted.length; i++) if (table[off + i] !== wanted[i]) return false;
  return table[off + wanted.length] === 0;
}
