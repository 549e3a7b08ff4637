import { ObjectError } from '../errors.js';
import { STT_OBJECT, STT_NOTYPE, type ElfFile, type ElfSection, type ElfSymbol } from '../elf/index.js';
import type { MapSpec } from './spec.js';

/** struct bpf_map_def: type, key_size, value_size, max_entries, map_flags (then optional fields). */
const MIN_DEF_SIZE = 20;

/**
 * Maps from the legacy `SEC("maps")` section of struct bpf_map_def records, one per
 * symbol. libbpf 1.x refuses them; iproute2 and older loaders accept them, and so do we.
 */
export function legacyMapSpecs(elf: ElfFile, section: ElfSection): { symbol: ElfSymbol; spec: MapSpec }[] {
  const symbols = elf.symbols
    .filter((s) => s.shndx === section.index && (s.type === STT_OBJECT || s.type === STT_NOTYPE) && s.name !== '')
    .sort((a, b) => a.value - b.value);
  if (symbols.length === 0) return [];
  const defSize = section.size / symbols.length;
  const view = new DataView(section.data.buffer, section.data.byteOffset, section.data.byteLength);
  return symbols.map((symbol) => {
    const ctx = { file: elf.fileName, section: section.name };
    if (!Number.isInteger(defSize) || defSize < MIN_DEF_SIZE || symbol.value + MIN_DEF_SIZE > section.size) {
      throw new ObjectError(`map '${symbol.name}': definition of ${defSize} bytes is not a struct bpf_map_def`, ctx);
    }
    const u32 = (field: number): number => view.getUint32(symbol.value + field * 4, elf.littleEndian);
    const spec: MapSpec = {
      name: symbol.name.slice(0, 15),
      origin: 'legacy',
      sectionName: section.name,
      type: u32(0),
      keySize: u32(1),
      valueSize: u32(2),
      maxEntries: u32(3),
      flags: u32(4),
      numaNode: 0,
      pinning: 0,
      mapExtra: 0n,
      btfKeyTypeId: 0,
      btfValueTypeId: 0,
      initialSlots: [],
    };
    return { symbol, spec };
  });
}
