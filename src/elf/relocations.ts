import { ElfError } from '../errors.js';
import { SHT_RELA, type ElfRelocation, type ElfSection } from './types.js';

const REL_SIZE = 16;
const RELA_SIZE = 24;

/** Entries of one SHT_REL or SHT_RELA section (BPF objects use SHT_REL). */
export function readRelocations(sec: ElfSection, symbolCount: number, littleEndian: boolean, file: string): ElfRelocation[] {
  const entSize = sec.type === SHT_RELA ? RELA_SIZE : REL_SIZE;
  if (sec.size % entSize !== 0) {
    throw new ElfError(`size ${sec.size} is not a multiple of the entry size ${entSize}`, { file, section: sec.name });
  }
  const view = new DataView(sec.data.buffer, sec.data.byteOffset, sec.data.byteLength);
  const out: ElfRelocation[] = [];
  for (let o = 0; o < sec.size; o += entSize) {
    const info = view.getBigUint64(o + 8, littleEndian);
    const symbol = Number(info >> 32n);
    if (symbol >= symbolCount) {
      throw new ElfError(`relocation ${o / entSize}: symbol index ${symbol} is past the symbol table (${symbolCount} symbols)`, { file, section: sec.name });
    }
    out.push({
      offset: Number(view.getBigUint64(o, littleEndian)),
      type: Number(info & 0xffffffffn),
      symbol,
      addend: entSize === RELA_SIZE ? Number(view.getBigInt64(o + 16, littleEndian)) : 0,
    });
  }
  return out;
}
