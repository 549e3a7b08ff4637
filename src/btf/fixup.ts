import { BtfError } from '../errors.js';
import { Btf } from './btf.js';
import { BTF_LINKAGE, type BtfDatasec, type BtfVarSecinfo } from './types.js';

/** What the loader knows from the ELF file, given as plain facts. */
export interface DatasecFacts {
  /** Size of the ELF section with this name, or undefined when there is none. */
  sectionSize(name: string): number | undefined;
  /**
   * The variable's symbol: as libbpf looks it up, the first STT_OBJECT symbol with
   * global or weak binding and this name. Its st_value, and whether its visibility is
   * hidden or internal.
   */
  symbol(name: string): { offset: number; hidden: boolean } | undefined;
}

/**
 * Extern-backed sections: libbpf sets their size and offsets itself while collecting
 * externs, and not every extern has an ELF symbol, so they are only sorted.
 */
const EXTERN_SECTIONS = new Set(['.kconfig', '.ksyms']);

/**
 * libbpf's DATASEC fixup (libbpf 1.1), done on a copy. Compilers leave a DATASEC's
 * size and its global variables' offsets at 0, because only the ELF symbol table
 * knows them; the BPF static linker fills them in. So for each DATASEC of this blob:
 * a size of 0 becomes the ELF section's size, and then each global variable's offset
 * becomes its symbol's value. Either way every global variable must have a symbol,
 * and a hidden one makes the variable static. Static and extern variables are left
 * alone. Finally the variables are sorted by offset (stably, as glibc's qsort does).
 * Throws when a section or a symbol is missing: libbpf refuses to open such an object.
 *
 * As libbpf patches the blob in place, this patches a copy of the type records: every
 * field it changes is a word of its own.
 */
export function fixDatasecs(btf: Btf, facts: DatasecFacts): Btf {
  const words = btf.records.words.slice();
  const at = (id: number): number => btf.records.offsets[id - btf.startId]!;
  for (const sec of btf.types) {
    if (sec.kind !== 'DATASEC') continue;
    const extern = EXTERN_SECTIONS.has(sec.name) || listsOnlyExterns(btf, sec);
    const fixOffsets = !extern && sec.size === 0;
    const size = fixOffsets ? sectionSize(sec, facts) : sec.size;
    const vars = extern ? sec.vars.slice() : fixVars(btf, sec, facts, fixOffsets, (v) => (words[at(v) + 3] = BTF_LINKAGE.STATIC));
    // Array.prototype.sort is stable, so equal offsets keep their stored order.
    vars.sort((a, b) => a.offset - b.offset);
    const rec = at(sec.id);
    words[rec + 2] = size;
    vars.forEach((v, i) => words.set([v.type, v.offset, v.size], rec + 3 + 3 * i));
  }
  return new Btf({ byteOrder: btf.byteOrder, header: btf.header, strings: btf.strings, records: { words, offsets: btf.records.offsets }, base: btf.base });
}

/**
 * A DATASEC of extern variables alone (clang makes one for `extern int x SEC(".foo")`)
 * has no ELF section behind it; libbpf refuses its externs before it would look.
 */
function listsOnlyExterns(btf: Btf, sec: BtfDatasec): boolean {
  return sec.vars.length > 0 && sec.vars.every((v) => {
    const t = btf.type(v.type);
    return (t.kind === 'VAR' || t.kind === 'FUNC') && t.linkage === BTF_LINKAGE.EXTERN;
  });
}

function sectionSize(sec: BtfDatasec, facts: DatasecFacts): number {
  const size = facts.sectionSize(sec.name);
  if (!size) throw new BtfError(`DATASEC [${sec.id}] '${sec.name}': no ELF section of that name with a size`);
  return size;
}

/** The DATASEC's entries, with symbol offsets if `fixOffsets`; hidden variables of this blob are passed to `makeStatic`. */
function fixVars(btf: Btf, sec: BtfDatasec, facts: DatasecFacts, fixOffsets: boolean, makeStatic: (varId: number) => void): BtfVarSecinfo[] {
  return sec.vars.map((v, i) => {
    const t = btf.type(v.type);
    if (t.kind !== 'VAR') throw new BtfError(`DATASEC [${sec.id}] '${sec.name}': entry ${i} is ${t.kind} [${t.id}], not a VAR`);
    if (t.linkage === BTF_LINKAGE.STATIC || t.linkage === BTF_LINKAGE.EXTERN) return v;
    const sym = facts.symbol(t.name);
    if (!sym) throw new BtfError(`DATASEC [${sec.id}] '${sec.name}': no symbol for variable '${t.name}'`);
    if (sym.hidden && t.id >= btf.startId) makeStatic(t.id);
    return fixOffsets ? { ...v, offset: sym.offset } : v;
  });
}
