import { SHT_NOBITS, SHF_WRITE, type ElfSection } from '../elf/index.js';
import { MAP_FLAG, MAP_TYPE } from './kinds.js';
import type { MapOrigin, MapSpec } from './spec.js';

const BPF_OBJ_NAME_LEN = 16;

/** The global-data sections libbpf turns into single-element array maps. */
export function dataSectionOrigin(section: ElfSection): MapOrigin | undefined {
  const n = section.name;
  if (n === '.bss' && section.type === SHT_NOBITS) return 'bss';
  if (n === '.data' || n.startsWith('.data.')) return 'data';
  if (n === '.rodata' || n.startsWith('.rodata.')) return 'rodata';
  return undefined;
}

/**
 * libbpf's name for an internal map: up to 8 characters of the object name followed by
 * the section name (`hello.rodata`), or the section name alone when it has a second dot
 * (`.rodata.str1.1`), cut to the kernel's 15 characters, odd characters made `_`.
 */
export function internalMapName(objectName: string, sectionName: string): string {
  const suffixLen = Math.max(7, sectionName.length);
  const prefixLen = sectionName.indexOf('.', 1) >= 0 ? 0 : Math.max(0, Math.min(BPF_OBJ_NAME_LEN - suffixLen - 1, objectName.length));
  const raw = (objectName.slice(0, prefixLen) + sectionName.slice(0, suffixLen)).slice(0, BPF_OBJ_NAME_LEN - 1);
  return raw.replace(/[^A-Za-z0-9_.]/g, '_');
}

export function dataMapSpec(objectName: string, section: ElfSection, origin: MapOrigin, btfValueTypeId: number): MapSpec {
  const readOnly = origin === 'rodata' || (origin === 'data' && !(section.flags & SHF_WRITE));
  return {
    name: internalMapName(objectName, section.name),
    origin,
    sectionName: section.name,
    type: MAP_TYPE.array,
    keySize: 4,
    valueSize: section.size,
    maxEntries: 1,
    flags: (readOnly ? MAP_FLAG.rdonlyProg : 0) | MAP_FLAG.mmapable,
    numaNode: 0,
    pinning: 0,
    mapExtra: 0n,
    btfKeyTypeId: 0,
    btfValueTypeId,
    initialData: origin === 'bss' ? new Uint8Array(section.size) : new Uint8Array(section.data),
    initialSlots: [],
  };
}
