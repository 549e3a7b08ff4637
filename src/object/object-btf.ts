import { BpfscopeError } from '../errors.js';
import type { ElfFile, ElfSymbol } from '../elf/index.js';
import { fixDatasecs, parseBtf, type Btf, type DatasecFacts } from '../btf/index.js';
import { btfMapSpecs } from './btf-maps.js';
import type { SectionFunction } from './functions.js';
import type { FuncInfoSpec, LineInfoSpec, MapSpec, FunctionSpec } from './spec.js';

/** An object's BTF as the loader uses it: map definitions, data sections, ext info. */
export interface ObjectBtf {
  btf: Btf | undefined;
  mapSpecs(elf: ElfFile): { symbol: ElfSymbol; spec: MapSpec }[];
  /** The DATASEC describing a global-data section, 0 if none. */
  datasecTypeId(sectionName: string): number;
  /** func_info and line_info of a linked program, re-based onto its instructions. */
  extInfo(functions: { fn: SectionFunction; spec: FunctionSpec }[]): { funcInfo: FuncInfoSpec[]; lineInfo: LineInfoSpec[] };
}

export function openObjectBtf(elf: ElfFile): ObjectBtf {
  const section = elf.sections.find((s) => s.name === '.BTF');
  let btf: Btf | undefined;
  if (section) {
    try {
      btf = fixDatasecs(parseBtf(section.data), elfFacts(elf));
    } catch (e) {
      if (e instanceof BpfscopeError) throw e.within({ file: elf.fileName, section: '.BTF' });
      throw e;
    }
  }
  return {
    btf,
    mapSpecs(file) {
      const maps = file.sections.find((s) => s.name === '.maps');
      return maps && btf ? btfMapSpecs(file, maps, btf) : [];
    },
    datasecTypeId(name) {
      return btf?.findOne(name, 'DATASEC')?.id ?? 0;
    },
    extInfo() {
      return { funcInfo: [], lineInfo: [] };
    },
  };
}

const STV_INTERNAL = 1;
const STV_HIDDEN = 2;

/** What libbpf's DATASEC fixup reads from the ELF: section sizes and symbol offsets. */
function elfFacts(elf: ElfFile): DatasecFacts {
  return {
    sectionSize: (name) => elf.sections.find((s) => s.name === name)?.size,
    symbol: (name) => {
      const sym = elf.symbols.find((s) => s.name === name && s.shndx !== 0);
      return sym && { offset: sym.value, hidden: sym.visibility === STV_HIDDEN || sym.visibility === STV_INTERNAL };
    },
  };
}
