import type { ErrorContext } from '../../errors.js';
import { SHF_EXECINSTR, STT_FUNC, type ElfFile } from '../../elf/index.js';
import { INSN_SIZE } from '../../isa/index.js';

/**
 * Where each symbol is first used by code, in section and relocation order: the
 * section, the function holding the instruction and the instruction's index in its
 * section. An extern that cannot be resolved is reported there.
 */
export function firstReferences(elf: ElfFile): Map<number, ErrorContext> {
  const out = new Map<number, ErrorContext>();
  for (const section of elf.sections) {
    if (!(section.flags & SHF_EXECINSTR)) continue;
    const functions = elf.symbols.filter((s) => s.type === STT_FUNC && s.shndx === section.index);
    for (const rel of elf.relocations.get(section.index) ?? []) {
      if (out.has(rel.symbol)) continue;
      const fn = functions.find((f) => rel.offset >= f.value && rel.offset < f.value + f.size);
      out.set(rel.symbol, {
        file: elf.fileName,
        section: section.name,
        ...(fn ? { program: fn.name } : {}),
        pc: Math.floor(rel.offset / INSN_SIZE),
      });
    }
  }
  return out;
}
