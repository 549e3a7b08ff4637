import { ObjectError } from '../errors.js';
import { SHF_EXECINSTR, STB_LOCAL, STT_FUNC, STT_NOTYPE, type ElfFile, type ElfSection } from '../elf/index.js';
import { decodeInsns, type Insn, INSN_SIZE } from '../isa/index.js';

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
  /** No FUNC symbol: the functions were read from untyped symbols, or the section is one program. */
  untyped: boolean;
}

/**
 * Splits every executable section into its functions, by FUNC symbols, as libbpf does.
 * A section without any (objects from clang before FUNC symbols, hand-written assembly)
 * is read as libbpf 0.x and iproute2 read it: a program section is one program, named by
 * its first global symbol; `.text` is split at the symbols that are not branch labels.
 */
export function collectCodeSections(elf: ElfFile): CodeSection[] {
  const out: CodeSection[] = [];
  for (const section of elf.sections) {
    if (!(section.flags & SHF_EXECINSTR) || section.size === 0) continue;
    const ctx = { file: elf.fileName, section: section.name };
    if (section.size % INSN_SIZE !== 0) {
      throw new ObjectError(`size ${section.size} is not a multiple of ${INSN_SIZE}`, ctx);
    }
    const insns = decodeInsns(section.data, elf.littleEndian);
    const inSection = elf.symbols.filter((s) => s.shndx === section.index).sort((a, b) => a.value - b.value);
    const funcs = inSection.filter((s) => s.type === STT_FUNC);
    const fn = (name: string, start: number, size: number, global: boolean): SectionFunction => {
      if (start % INSN_SIZE !== 0 || size % INSN_SIZE !== 0 || start + size > section.size) {
        throw new ObjectError(`function ${name} (offset ${start}, size ${size}) does not fit the section`, ctx);
      }
      const off = start / INSN_SIZE;
      return { name, section, sectionInsnOff: off, insns: insns.slice(off, off + size / INSN_SIZE), global };
    };
    if (funcs.length) {
      out.push({ section, insns, functions: funcs.map((s) => fn(s.name, s.value, s.size, s.bind !== STB_LOCAL)), untyped: false });
      continue;
    }
    const named = inSection.filter((s) => s.type === STT_NOTYPE && s.name !== '' && !isBranchLabel(s.name));
    if (section.name !== '.text') {
      const sym = named.find((s) => s.bind !== STB_LOCAL) ?? named[0];
      const name = sym?.name ?? section.name.replace(/[^A-Za-z0-9_]/g, '_');
      out.push({ section, insns, functions: [fn(name, 0, section.size, sym ? sym.bind !== STB_LOCAL : true)], untyped: true });
      continue;
    }
    const starts = named.filter((s, i) => i === 0 || s.value !== named[i - 1]!.value);
    if (!starts.length || starts[0]!.value !== 0) throw new ObjectError('executable section has no function symbols', ctx);
    const functions = starts.map((s, i) => fn(s.name, s.value, (starts[i + 1]?.value ?? section.size) - s.value, s.bind !== STB_LOCAL));
    out.push({ section, insns, functions, untyped: true });
  }
  return out;
}

/** Branch targets older clang left in the symbol table (`LBB0_2`), and assembler-local labels. */
function isBranchLabel(name: string): boolean {
  return /^(LBB|\.L)/.test(name);
}
