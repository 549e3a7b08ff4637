import { ObjectError } from '../errors.js';
import { STT_SECTION, type ElfFile, type ElfSection, type ElfSymbol } from '../elf/index.js';
import { MAP_TYPE } from './kinds.js';
import type { MapSpec } from './spec.js';

/** libbpf's struct bpf_map_def: type, key_size, value_size, max_entries, map_flags. */
const BPF_MAP_DEF_SIZE = 20;
/** iproute2's struct bpf_elf_map: bpf_map_def's fields, then id, pinning, inner_id, inner_idx. */
const BPF_ELF_MAP_SIZE = 36;
/** iproute2's struct bpf_elf_map_min: type, size_key, size_value, max_elem. */
const BPF_ELF_MAP_MIN_SIZE = 16;
/** iproute2's pinning values (include/bpf_elf.h). */
const PIN_NAMES = ['PIN_NONE', 'PIN_OBJECT_NS', 'PIN_GLOBAL_NS'] as const;
const NO_INNER_IDX = 0xffffffff;

export interface LegacyMap {
  symbol: ElfSymbol;
  section: ElfSection;
  /** Byte offset of the definition within its section. */
  offset: number;
  spec: MapSpec;
}

/** Whether a section holds legacy map definitions: iproute2's and libbpf 0.x's `maps`, gobpf's `maps/NAME`. */
export function isLegacyMapSection(section: ElfSection): boolean {
  return section.name === 'maps' || section.name.startsWith('maps/');
}

/**
 * Maps from a legacy map section: equally sized records, one per symbol, the record size
 * being the symbols' common size or else, as libbpf and iproute2 compute it, the
 * section's size over its symbols. A record
 * of 20 bytes is libbpf's struct bpf_map_def; one of 24 to 36 bytes is iproute2's struct
 * bpf_elf_map (with id, pinning and the map-in-map fields; fields past the record read as
 * zero, as iproute2 reads them); a larger one is a struct bpf_map_def from a newer
 * libbpf 0.x, which must be zero past its 20 bytes. libbpf 1.x refuses all of them.
 */
export function legacyMapSpecs(elf: ElfFile, section: ElfSection, notes: string[]): LegacyMap[] {
  const ctx = { file: elf.fileName, section: section.name };
  const symbols = elf.symbols.filter((s) => s.shndx === section.index && s.type !== STT_SECTION && s.name !== '').sort((a, b) => a.value - b.value);
  if (symbols.length === 0) return [];
  const recordSize = symbolRecordSize(symbols) ?? section.size / symbols.length;
  if (!Number.isInteger(recordSize)) {
    throw new ObjectError(`legacy map definitions: section size ${section.size} is not a multiple of its ${symbols.length} map symbols (libbpf: unable to determine legacy map definition size)`, ctx);
  }
  if (recordSize < BPF_ELF_MAP_MIN_SIZE || recordSize % 4 !== 0) {
    throw new ObjectError(`legacy map definitions of ${recordSize} bytes are neither struct bpf_map_def nor struct bpf_elf_map`, ctx);
  }
  const elfLayout = recordSize > BPF_MAP_DEF_SIZE && recordSize <= BPF_ELF_MAP_SIZE;
  const view = new DataView(section.data.buffer, section.data.byteOffset, section.data.byteLength);
  const maps = symbols.map((symbol): LegacyMap => {
    const at = symbol.value;
    if (at % recordSize !== 0 || at + recordSize > section.size) {
      throw new ObjectError(`map '${symbol.name}': offset ${at} is not that of a ${recordSize}-byte definition`, ctx);
    }
    const field = (i: number): number => (i * 4 < recordSize ? view.getUint32(at + i * 4, elf.littleEndian) : 0);
    if (!elfLayout) {
      for (let off = BPF_MAP_DEF_SIZE; off < recordSize; off++) {
        if (view.getUint8(at + off) !== 0) throw new ObjectError(`map '${symbol.name}': definition has unrecognized, non-zero options past struct bpf_map_def`, ctx);
      }
    }
    const spec: MapSpec = {
      name: symbol.name,
      origin: 'legacy',
      sectionName: section.name,
      type: field(0),
      keySize: field(1),
      valueSize: field(2),
      maxEntries: field(3),
      flags: field(4),
      numaNode: 0,
      pinning: 0,
      mapExtra: 0n,
      btfKeyTypeId: 0,
      btfValueTypeId: 0,
      initialSlots: [],
      ...(elfLayout ? { elfMap: { id: field(5), pinning: field(6), innerId: field(7), innerIdx: recordSize > 32 ? field(8) : 0 } } : {}),
    };
    return { symbol, section, offset: at, spec };
  });
  const layout = elfLayout ? `iproute2's struct bpf_elf_map (${recordSize} bytes), as iproute2 reads them` : `struct bpf_map_def (${recordSize} bytes), as libbpf 0.x and iproute2 read them`;
  notes.push(`libbpf 1.x: elf: legacy map definitions in '${section.name}' section are not supported by libbpf v1.0+; read as ${layout}`);
  return maps;
}

/**
 * The record size the symbols themselves give: one size for all, every offset a multiple
 * of it. A linked object (bpftool gen object) can keep records no symbol names any more,
 * where the section size over the symbols would be wrong.
 */
function symbolRecordSize(symbols: readonly ElfSymbol[]): number | undefined {
  const size = symbols[0]!.size;
  return size > 0 && symbols.every((s) => s.size === size && s.value % size === 0) ? size : undefined;
}

/**
 * iproute2's map-in-map: an outer map's inner_id names the map (by its bpf_elf_map id)
 * that is its inner template, and every map with an id and an inner_idx other than -1
 * is put at that index of each outer map whose inner_id is its id. Pinned maps get a note.
 */
export function linkElfMaps(file: string, maps: readonly MapSpec[], notes: string[]): void {
  const pinned: string[] = [];
  for (const outer of maps) {
    const fields = outer.elfMap;
    if (!fields) continue;
    if (fields.pinning) pinned.push(`'${outer.name}' ${PIN_NAMES[fields.pinning] ?? `pinning ${fields.pinning}`}`);
    if (outer.type !== MAP_TYPE.arrayOfMaps && outer.type !== MAP_TYPE.hashOfMaps) continue;
    const ctx = { file, section: outer.sectionName };
    const inner = maps.find((m) => m.elfMap && m.elfMap.id === fields.innerId && m !== outer);
    if (!fields.innerId || !inner) {
      throw new ObjectError(`map '${outer.name}': map-in-map without an inner map (inner_id ${fields.innerId} is the id of no map)`, ctx);
    }
    const { elfMap: _ids, ...template } = inner;
    outer.inner = { ...template, name: `${outer.name}.inner`, initialSlots: [] };
    for (const m of maps) {
      if (!m.elfMap || m.elfMap.id !== fields.innerId || m.elfMap.innerId || m.elfMap.innerIdx === NO_INNER_IDX) continue;
      outer.initialSlots.push({ index: m.elfMap.innerIdx, target: m.name });
    }
  }
  if (pinned.length) notes.push(`maps pinned by iproute2 (tc pins PIN_GLOBAL_NS maps in /sys/fs/bpf/tc/globals, PIN_OBJECT_NS ones in a directory per object); not pinned here: ${pinned.join(', ')}`);
}

/** iproute2's tail-call sections `ID/KEY`: the program goes at KEY of the prog array whose bpf_elf_map id is ID. */
export function iproute2TailCall(sectionName: string): { mapId: number; key: number } | undefined {
  const m = /^(0x[0-9a-f]+|\d+)\/(0x[0-9a-f]+|\d+)$/i.exec(sectionName);
  return m ? { mapId: Number(m[1]), key: Number(m[2]) } : undefined;
}

/** iproute2's filling of prog arrays with the programs of `ID/KEY` sections. */
export function fillTailCalls(maps: readonly MapSpec[], programs: readonly { name: string; sectionName: string; kind: { autoload: boolean } }[]): void {
  for (const prog of programs) {
    const tail = iproute2TailCall(prog.sectionName);
    if (!tail || !prog.kind.autoload) continue;
    const array = maps.find((m) => m.type === MAP_TYPE.progArray && m.elfMap?.id === tail.mapId);
    if (array) array.initialSlots.push({ index: tail.key, target: prog.name });
  }
}
