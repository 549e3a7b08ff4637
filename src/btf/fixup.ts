import { BtfError } from '../errors.js';
import { Btf } from './btf.js';
import { BTF_LINKAGE, type BtfDatasec, type BtfType, type BtfVar } from './types.js';

/** What the loader knows from the ELF file, given as plain facts. */
export interface DatasecFacts {
  /** Size of the ELF section with this name, or undefined when there is none. */
  sectionSize(name: string): number | undefined;
  /** The symbol with this name: its st_value and whether its visibility is hidden or internal. */
  symbol(name: string): { offset: number; hidden: boolean } | undefined;
}

/**
 * Extern-backed sections: libbpf sets their size and offsets itself while collecting
 * externs, and not every extern has an ELF symbol, so they are only sorted.
 */
const EXTERN_SECTIONS = new Set(['.kconfig', '.ksyms']);

/**
 * libbpf's DATASEC fixup, done on a copy: compilers leave a DATASEC's size at 0 and
 * global variables' offsets at 0, because only the linker-visible ELF knows them.
 * For each DATASEC of this blob with size 0, the size becomes the ELF section's and
 * each global (allocated) variable's offset becomes its symbol's value; static and
 * extern variables keep theirs, and a hidden symbol makes its variable static. Every
 * DATASEC's variables are then sorted by offset (stably). Throws when a section or a
 * symbol is missing, as libbpf refuses to open such an object.
 */
export function fixDatasecs(btf: Btf, facts: DatasecFacts): Btf {
  const types: BtfType[] = btf.types.slice();
  const local = (id: number): number => id - btf.startId;
  for (const sec of btf.types) {
    if (sec.kind !== 'DATASEC') continue;
    let size = sec.size;
    const fixOffsets = size === 0 && !EXTERN_SECTIONS.has(sec.name);
    if (fixOffsets) {
      const found = facts.sectionSize(sec.name);
      if (!found) throw new BtfError(`DATASEC [${sec.id}] '${sec.name}': no ELF section of that name with a size`);
      size = found;
    }
    const vars = sec.vars.map((v, i) => {
      if (!fixOffsets) return v;
      const t = btf.type(v.type);
      if (t.kind !== 'VAR') throw new BtfError(`DATASEC [${sec.id}] '${sec.name}': entry ${i} is ${t.kind} [${t.id}], not a VAR`);
      if (t.linkage === BTF_LINKAGE.STATIC || t.linkage === BTF_LINKAGE.EXTERN) return v;
      const sym = facts.symbol(t.name);
      if (!sym) throw new BtfError(`DATASEC [${sec.id}] '${sec.name}': no symbol for variable '${t.name}'`);
      if (sym.hidden && t.id >= btf.startId) {
        const hidden: BtfVar = { ...t, linkage: BTF_LINKAGE.STATIC };
        types[local(t.id)] = hidden;
      }
      return { ...v, offset: sym.offset };
    });
    // Array.prototype.sort is stable, so equal offsets keep their stored order.
    vars.sort((a, b) => a.offset - b.offset);
    const fixed: BtfDatasec = { ...sec, size, vars };
    types[local(sec.id)] = fixed;
  }
  return new Btf({ byteOrder: btf.byteOrder, header: btf.header, strings: btf.strings, types, base: btf.base });
}
