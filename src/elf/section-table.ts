import { ElfError } from '../errors.js';
import { ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB, elfHeaderSize, ElfHeaders, readIdent } from './headers.js';
import { readCString } from './symbols.js';
import { EM_BPF, SHT_NOBITS, SHT_STRTAB, type ElfSection } from './types.js';

export interface SectionTable {
  littleEndian: boolean;
  machine: number;
  sections: ElfSection[];
}

/**
 * A BPF object's header and section table (headers.ts reads the fields): ELF64, EM_BPF,
 * either byte order; every section's data within the file, its name from the section
 * name table.
 */
export function readSectionTable(bytes: Uint8Array, file: string): SectionTable {
  const id = readIdent(bytes);
  if (!id.magic) throw new ElfError('not an ELF file', { file });
  if (bytes.length < elfHeaderSize(ELFCLASS64)) throw new ElfError(`truncated ELF header (${bytes.length} bytes)`, { file });
  if (id.elfClass !== ELFCLASS64) throw new ElfError('not a 64-bit ELF file (BPF objects are ELF64)', { file });
  if (id.data !== ELFDATA2LSB && id.data !== ELFDATA2MSB) throw new ElfError(`bad ELF data encoding ${id.data}`, { file });
  const elf = new ElfHeaders(bytes, file);
  if (elf.machine !== EM_BPF) throw new ElfError(`e_machine is ${elf.machine}, not EM_BPF (${EM_BPF})`, { file });

  const { shoff, shentsize, shdrSize } = elf;
  const rawShnum = elf.rawShnum;
  if (rawShnum > 0 && shentsize !== shdrSize) throw new ElfError(`bad section header size ${shentsize}`, { file });
  if (shoff + rawShnum * shdrSize > bytes.length) {
    throw new ElfError(`section header table (offset ${shoff}, ${rawShnum} entries) runs past the end of the file (${bytes.length} bytes)`, { file });
  }
  const shnum = elf.sectionCount();
  if (shoff === 0 || shnum === 0) throw new ElfError('no section header table', { file });
  const shstrndx = elf.nameTableIndex();
  if (shstrndx >= shnum) throw new ElfError(`section name table index ${shstrndx} is past the ${shnum} sections`, { file });

  const headers = Array.from({ length: shnum }, (_, index) => elf.section(index));
  const nameTable = headers[shstrndx]!;
  if (nameTable.type !== SHT_STRTAB) throw new ElfError(`section name table (section ${shstrndx}) is not a string table`, { file });
  const dataOf = (s: (typeof headers)[number], index: number, name: string): Uint8Array => {
    if (s.type === SHT_NOBITS) return new Uint8Array(0);
    if (s.offset > bytes.length || s.size > bytes.length - s.offset) {
      throw new ElfError(`section data (offset ${s.offset}, size ${s.size}) runs past the end of the file`, { file, section: name || `#${index}` });
    }
    return bytes.subarray(s.offset, s.offset + s.size);
  };
  const names = dataOf(nameTable, shstrndx, '');

  const sections = headers.map((s, index): ElfSection => {
    // An offset past the table names nothing, as libelf's elf_strptr gives nothing.
    const name = readCString(names, s.name) ?? '';
    return { ...s, index, name, data: dataOf(s, index, name) };
  });
  return { littleEndian: elf.littleEndian, machine: elf.machine, sections };
}
