import { BpfscopeError } from '../errors.js';
import type { ElfFile, ElfSymbol } from '../elf/index.js';
import { fixDatasecs, parseBtf, parseBtfExt, type Btf, type BtfExtInfo, type DatasecFacts } from '../btf/index.js';
import { btfMapSpecs } from './btf-maps.js';
import { funcSignature } from '../btf/index.js';
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
  const btf = section ? withContext(elf, '.BTF', () => fixDatasecs(parseBtf(section.data), elfFacts(elf))) : undefined;
  const extSection = elf.sections.find((s) => s.name === '.BTF.ext');
  const ext = btf && extSection ? withContext(elf, '.BTF.ext', () => parseBtfExt(extSection.data, btf)) : undefined;
  return {
    btf,
    mapSpecs(file) {
      const maps = file.sections.find((s) => s.name === '.maps');
      return maps && btf ? btfMapSpecs(file, maps, btf) : [];
    },
    datasecTypeId(name) {
      return btf?.findOne(name, 'DATASEC')?.id ?? 0;
    },
    extInfo(functions) {
      if (!btf || !ext) return { funcInfo: [], lineInfo: [] };
      return {
        funcInfo: rebase(ext.funcInfo, functions, (r, insnOff): FuncInfoSpec => ({
          insnOff,
          typeId: r.typeId,
          name: btf.name(r.typeId),
          signature: funcSignature(btf, r.typeId),
        })),
        lineInfo: rebase(ext.lineInfo, functions, (r, insnOff): LineInfoSpec => ({
          insnOff,
          fileName: r.file,
          line: r.line,
          lineNum: r.lineNum,
          lineCol: r.column,
        })),
      };
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

function withContext<T>(elf: ElfFile, section: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof BpfscopeError) throw e.within({ file: elf.fileName, section });
    throw e;
  }
}

/**
 * Ext records are per ELF section, by byte offset; a linked program wants them by
 * instruction index in its own layout, for each function it was built from.
 */
function rebase<R extends { insnOff: number }, T>(
  info: BtfExtInfo<R>,
  functions: { fn: SectionFunction; spec: FunctionSpec }[],
  make: (record: R, insnOff: number) => T,
): T[] {
  const out: T[] = [];
  for (const { fn, spec } of functions) {
    const records = info.sections.find((s) => s.section === fn.section.name)?.records ?? [];
    for (const r of records) {
      const insn = r.insnOff / 8 - fn.sectionInsnOff;
      if (insn >= 0 && insn < fn.insns.length) out.push(make(r, spec.insnOff + insn));
    }
  }
  return out;
}
