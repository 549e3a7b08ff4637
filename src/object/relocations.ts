import { RelocationError, type ErrorContext } from '../errors.js';
import { SHF_EXECINSTR, SHN_UNDEF, type ElfFile, type ElfSymbol } from '../elf/index.js';
import { INSN_SIZE, type Insn, BPF_PSEUDO_FUNC, callKind, isLdImm64 } from '../isa/index.js';
import type { CodeSection } from './functions.js';
import type { ExternReference } from './spec.js';

const R_BPF_64_64 = 1;
const R_BPF_64_32 = 10;


/** What an instruction's relocation points at, in BPF terms. */
export type CodeRelocation =
  | { kind: 'map'; mapIndex: number }
  | { kind: 'value'; mapIndex: number; offset: number }
  /** A bpf-to-bpf call or a callback address: the target's instruction index in its section. */
  | { kind: 'code'; sectionIndex: number; insn: number }
  /**
   * An extern: the fields libbpf writes (no patch: left as compiled, for an extern only
   * the static linker resolves), and what the program's spec records of the reference.
   */
  | { kind: 'extern'; name: string; patch?: InsnPatch; ref?: Omit<ExternReference, 'pc'> };

/** Fields of an instruction (and of the second slot of an ld_imm64) to overwrite. */
export interface InsnPatch {
  src: number;
  imm: number;
  off?: number;
  nextImm?: number;
}

/** Where the loader's maps live, so a symbol can be turned into a map reference. */
export interface MapSymbolResolver {
  /** A map-definition symbol (`.maps` or legacy `maps`), or its section's with the offset in `imm`: its map's index. */
  mapForSymbol(sym: ElfSymbol, imm: number): number | undefined;
  /** A global-data section: its internal map's index. */
  dataMapForSection(sectionIndex: number): number | undefined;
  /** A relocation against an undefined symbol: what the extern it names resolved to, undefined when it is none. */
  externRelocation?(symIndex: number, insn: Insn, ctx: ErrorContext): CodeRelocation | undefined;
}

/** Every relocation of a code section, keyed by instruction index within the section. */
export function collectCodeRelocations(elf: ElfFile, code: CodeSection, maps: MapSymbolResolver): Map<number, CodeRelocation> {
  const out = new Map<number, CodeRelocation>();
  const relocs = elf.relocations.get(code.section.index) ?? [];
  for (const rel of relocs) {
    const pc = rel.offset / INSN_SIZE;
    const ctx = { file: elf.fileName, section: code.section.name, pc };
    if (rel.offset % INSN_SIZE !== 0 || pc >= code.insns.length) {
      throw new RelocationError(`relocation offset ${rel.offset} is not at an instruction`, ctx);
    }
    const sym = elf.symbols[rel.symbol] as ElfSymbol;
    const insn = code.insns[pc]!;
    const symName = sym.name || elf.sections[sym.shndx]?.name || `#${rel.symbol}`;
    if (rel.type !== R_BPF_64_64 && rel.type !== R_BPF_64_32) {
      throw new RelocationError(`unknown relocation type ${rel.type} against '${symName}'`, ctx);
    }
    if (sym.shndx === SHN_UNDEF) {
      const ext = maps.externRelocation?.(rel.symbol, insn, ctx);
      if (!ext) throw new RelocationError(`relocation against '${symName}', an undefined symbol that is no extern libbpf knows (not a global or weak symbol of no type)`, ctx);
      out.set(pc, ext);
      continue;
    }
    const target = elf.sections[sym.shndx];
    if (!target) throw new RelocationError(`symbol '${symName}' is in section ${sym.shndx}, which does not exist`, ctx);

    const isCall = callKind(insn) === 'local';
    const isFuncAddr = isLdImm64(insn) && (insn.src === BPF_PSEUDO_FUNC || (target.flags & SHF_EXECINSTR) !== 0);
    if (isCall || isFuncAddr) {
      if (sym.value % INSN_SIZE !== 0) throw new RelocationError(`call target '${symName}' is not instruction-aligned`, ctx);
      // The immediate is relative to the symbol: in instructions past the next one for a
      // call, in bytes for a callback's address.
      const base = sym.value / INSN_SIZE;
      const targetInsn = isCall ? base + insn.imm + 1 : base + Math.trunc(insn.imm / INSN_SIZE);
      out.set(pc, { kind: 'code', sectionIndex: target.index, insn: targetInsn });
      continue;
    }
    if (!isLdImm64(insn)) {
      throw new RelocationError(`relocation against '${symName}' is not on an ld_imm64 or call instruction (code 0x${insn.code.toString(16).padStart(2, '0')})`, ctx);
    }
    const mapIndex = maps.mapForSymbol(sym, insn.imm);
    if (mapIndex !== undefined) {
      out.set(pc, { kind: 'map', mapIndex });
      continue;
    }
    const dataMap = maps.dataMapForSection(target.index);
    if (dataMap !== undefined) {
      out.set(pc, { kind: 'value', mapIndex: dataMap, offset: insn.imm + sym.value });
      continue;
    }
    throw new RelocationError(`relocation against '${symName}' in section '${target.name}', which is neither a map nor global data`, ctx);
  }
  return out;
}
