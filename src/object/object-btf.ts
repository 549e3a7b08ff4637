import { BpfscopeError } from '../errors.js';
import { STB_GLOBAL, STB_WEAK, STT_OBJECT, type ElfFile, type ElfSymbol } from '../elf/index.js';
import { fixDatasecs, parseBtf, parseBtfExt, type Btf, type BtfCoreRelo, type BtfExtInfo, type DatasecFacts, funcSignature } from '../btf/index.js';
import { btfMapSpecs } from './btf-maps.js';
import type { SectionFunction } from './functions.js';
import type { FuncInfoSpec, LineInfoSpec, MapSpec, FunctionSpec } from './spec.js';

/** An object's BTF as the loader uses it: map definitions, data sections, ext info. */
export interface ObjectBtf {
  btf: Btf | undefined;
  /** .BTF.ext's CO-RE relocation records, by ELF section. */
  coreRelos: BtfExtInfo<BtfCoreRelo> | undefined;
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
  const funcRecords = ext && bySection(ext.funcInfo);
  const lineRecords = ext && bySection(ext.lineInfo);
  return {
    btf,
    coreRelos: ext?.coreRelos,
    mapSpecs(file) {
      const maps = file.sections.find((s) => s.name === '.maps');
      return maps && btf ? btfMapSpecs(file, maps, btf) : [];
    },
    datasecTypeId(name) {
      return btf?.findOne(name, 'DATASEC')?.id ?? 0;
    },
    extInfo(functions) {
      if (!btf || !funcRecords || !lineRecords) return { funcInfo: [], lineInfo: [] };
      return {
        funcInfo: rebase(funcRecords, functions, (r, insnOff): FuncInfoSpec => ({
          insnOff,
          typeId: r.typeId,
          name: btf.name(r.typeId),
          signature: funcSignature(btf, r.typeId),
        })),
        lineInfo: rebase(lineRecords, functions, (r, insnOff): LineInfoSpec => ({
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
      // libbpf takes the first global or weak data object of that name.
      const sym = elf.symbols.find((s) => s.name === name && s.type === STT_OBJECT && (s.bind === STB_GLOBAL || s.bind === STB_WEAK));
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
  sections: ReadonlyMap<string, readonly R[]>,
  functions: { fn: SectionFunction; spec: FunctionSpec }[],
  make: (record: R, insnOff: number) => T,
): T[] {
  const out: T[] = [];
  for (const { fn, spec } of functions) {
    const records = sections.get(fn.section.name) ?? [];
    const start = fn.sectionInsnOff * 8;
    const end = start + fn.insns.length * 8;
    for (let i = firstAtOrAfter(records, start); i < records.length && records[i]!.insnOff < end; i++) {
      out.push(make(records[i]!, spec.insnOff + (records[i]!.insnOff - start) / 8));
    }
  }
  return out;
}

/** Each section's records sorted by offset (clang emits them so; sorting makes sure). */
function bySection<R extends { insnOff: number }>(info: BtfExtInfo<R>): Map<string, readonly R[]> {
  return new Map(info.sections.map((s) => [s.section, [...s.records].sort((x, y) => x.insnOff - y.insnOff)] as const));
}

function firstAtOrAfter(records: readonly { insnOff: number }[], off: number): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (records[mid]!.insnOff < off) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
