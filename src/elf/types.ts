/** The parts of an ELF relocatable object that a BPF loader reads. Pure data. */

export const EM_BPF = 247;

export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;

export const SHF_WRITE = 0x1;
export const SHF_EXECINSTR = 0x4;

export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;

export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

export const SHN_UNDEF = 0;
export const SHN_ABS = 0xfff1;

/** A section header's fields as the file holds them (addresses left out: nothing reads them). */
export interface SectionFields {
  type: number;
  flags: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export interface ElfSection extends SectionFields {
  index: number;
  name: string;
  /** The section's bytes; empty for SHT_NOBITS (.bss), whose size is `size`. */
  data: Uint8Array;
}

export interface ElfSymbol {
  index: number;
  name: string;
  value: number;
  size: number;
  type: number;
  bind: number;
  visibility: number;
  /** Index of the section the symbol is defined in (SHN_UNDEF, SHN_ABS... for special ones). */
  shndx: number;
}

export interface ElfRelocation {
  /** Byte offset within the target section. */
  offset: number;
  type: number;
  symbol: number;
  addend: number;
}

export interface ElfFile {
  fileName: string;
  littleEndian: boolean;
  machine: number;
  sections: ElfSection[];
  symbols: ElfSymbol[];
  /** Relocations by the index of the section they apply to. */
  relocations: Map<number, ElfRelocation[]>;
}
