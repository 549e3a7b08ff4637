import { ElfError } from '../errors.js';
import { SHT_STRTAB, type ElfSection, type ElfSymbol } from './types.js';

const ELF64_SYM_SIZE = 24;

/** Reads a NUL-terminated string; offsets past the table are the caller's error to name. */
export function readCString(table: Uint8Array, offset: number): string | undefined {
  if (offset >= table.length) return undefined;
  let end = offset;
  while (end < table.length && table[end] !== 0) end++;
  return Buffer.from(table.buffer, table.byteOffset + offset, end - offset).toString('utf8');
}

export function readSymbols(symtab: ElfSection, sections: ElfSection[], littleEndian: boolean, file: string): ElfSymbol[] {
  const strtab = sections[symtab.link];
  if (!strtab || strtab.type !== SHT_STRTAB) {
    throw new ElfError(`sh_link ${symtab.link} is not a string table`, { file, section: symtab.name });
  }
  if (symtab.size % ELF64_SYM_SIZE !== 0) {
    throw new ElfError(`size ${symtab.size} is not a multiple of the symbol size ${ELF64_SYM_SIZE}`, { file, section: symtab.name });
  }
  const view = new DataView(symtab.data.buffer, symtab.data.byteOffset, symtab.data.byteLength);
  const symbols: ElfSymbol[] = [];
  for (let index = 0; index * ELF64_SYM_SIZE < symtab.size; index++) {
    const o = index * ELF64_SYM_SIZE;
    const nameOff = view.getUint32(o, littleEndian);
    const info = view.getUint8(o + 4);
    const name = readCString(strtab.data, nameOff);
    if (name === undefined) {
      throw new ElfError(`symbol ${index}: name offset ${nameOff} is outside the string table`, { file, section: symtab.name });
    }
    symbols.push({
      index,
      name,
      type: info & 0xf,
      bind: info >> 4,
      visibility: view.getUint8(o + 5) & 0x3,
      shndx: view.getUint16(o + 6, littleEndian),
      value: Number(view.getBigUint64(o + 8, littleEndian)),
      size: Number(view.getBigUint64(o + 16, littleEndian)),
    });
  }
  return symbols;
}
