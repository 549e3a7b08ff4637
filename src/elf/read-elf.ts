import { ElfError } from '../errors.js';
import { readRelocations } from './relocations.js';
import { readSectionTable } from './section-table.js';
import { readSymbols } from './symbols.js';
import { SHT_REL, SHT_RELA, SHT_SYMTAB, type ElfFile, type ElfRelocation, type ElfSymbol } from './types.js';

/** Bytes to sections, symbols and relocations; no BPF meaning is given to any of them. */
export function readElf(bytes: Uint8Array, fileName = '<memory>'): ElfFile {
  const { littleEndian, machine, sections } = readSectionTable(bytes, fileName);
  const symtabs = sections.filter((s) => s.type === SHT_SYMTAB);
  if (symtabs.length > 1) throw new ElfError('more than one symbol table', { file: fileName });
  const symbols: ElfSymbol[] = symtabs[0] ? readSymbols(symtabs[0], sections, littleEndian, fileName) : [];

  const relocations = new Map<number, ElfRelocation[]>();
  for (const sec of sections) {
    if (sec.type !== SHT_REL && sec.type !== SHT_RELA) continue;
    const target = sections[sec.info];
    if (!target) throw new ElfError(`applies to section index ${sec.info}, which does not exist`, { file: fileName, section: sec.name });
    relocations.set(sec.info, readRelocations(sec, symbols.length, littleEndian, fileName));
  }
  return { fileName, littleEndian, machine, sections, symbols, relocations };
}
