import { ObjectError } from '../errors.js';
import { SHF_EXECINSTR, STB_LOCAL, STT_FUNC, type ElfFile, type ElfSection } from '../elf/index.js';
import { decodeInsns } from '../isa/decode.js';
import type { Insn } from '../isa/insn.js';
import { INSN_SIZE } from '../isa/insn.js';

/** One function symbol's code within an executable section, before linking. */
export interface SectionFunction {
  name: string;
  section: ElfSection;
  /** Instruction index of the first insn within its section. */
  sectionInsnOff: number;
  insns: Insn[];
  global: boolean;
}

export interface CodeSection {
  section: ElfSection;
  insns: Insn[];
  functions: SectionFunction[];
}

/** Splits every executable section into its functions, by FUNC symbols, as libbpf does. */
export function collectCodeSections(elf: ElfFile): CodeSection[] {
  const out: CodeSection[] = [];
  for (const section of elf.sections) {
    if (!(section.flags & SHF_EXECINSTR) || section.size === 0) continue;
    const ctx = { file: elf.fileName, section: section.name };
    if (section.size % INSN_SIZE !== 0) {
      throw new ObjectError(`size ${section.size} is not a multiple of ${INSN_SIZE}`, ctx);
    }
    const insns = decodeInsns(section.data, elf.littleEndian);
    const symbols = elf.symbols
      .filter((s) => s.type === STT_FUNC && s.shndx === section.index)
      .sort((a, b) => a.value - b.value);
    const functions = symbols.map((sym): SectionFunction => {
      if (sym.value % INSN_SIZE !== 0 || sym.size % INSN_SIZE !== 0 || sym.value + sym.size > section.size) {
        throw new ObjectError(`function ${sym.name} (offset ${sym.value}, size ${sym.size}) does not fit the section`, ctx);
      }
      const off = sym.value / INSN_SIZE;
      return {
        name: sym.name,
        section,
        sectionInsnOff: off,
        insns: insns.slice(off, off + sym.size / INSN_SIZE),
        global: sym.bind !== STB_LOCAL,
      };
    });
    if (functions.length === 0) throw new ObjectError('executable section has no function symbols', ctx);
    out.push({ section, insns, functions });
  }
  return out;
}
