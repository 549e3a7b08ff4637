import { EINVAL, ENOENT, ESRCH } from '../../errno.js';
import { BpfscopeError, ExternError, type ErrorContext } from '../../errors.js';
import { BTF_INT_ENCODING, BTF_LINKAGE, type Btf, type BtfFunc, type BtfVar, Layout } from '../../btf/index.js';
import { SHN_UNDEF, STB_GLOBAL, STB_WEAK, STT_NOTYPE, type ElfFile, type ElfSymbol } from '../../elf/index.js';
import { KCONFIG_SEC, KSYMS_SEC, type Extern, type KconfigExtern, type KconfigType } from './model.js';

export interface CollectedExterns {
  /** In libbpf's order (kconfig first, by alignment down, size up, then name; ksyms by name), kconfig offsets laid out. */
  externs: Extern[];
  /** Size of the `.kconfig` map's value; 0 when there are no kconfig externs. */
  kconfigSize: number;
  /** Externs libbpf cannot find in the object's BTF: only the BPF static linker resolves them. */
  linkerOnly: { symbol: ElfSymbol; reason: string }[];
}

/** What libbpf counts as an extern: an undefined global or weak symbol of no type, with a name. */
export function isExternSymbol(sym: ElfSymbol): boolean {
  return sym.shndx === SHN_UNDEF && (sym.bind === STB_GLOBAL || sym.bind === STB_WEAK) && sym.type === STT_NOTYPE && sym.name !== '';
}

/**
 * libbpf's bpf_object__collect_externs: every extern symbol is looked up in the
 * object's BTF (a VAR or FUNC of extern linkage, and the DATASEC that lists it), typed
 * as a kconfig value or a kernel symbol, then sorted and laid out in the `.kconfig`
 * map. An extern that has no BTF is one libbpf refuses; it is reported, not thrown, so
 * that the object can still be shown as compiled. `where` names an extern's first use.
 */
export function collectExterns(elf: ElfFile, btf: Btf | undefined, where: (sym: ElfSymbol) => ErrorContext): CollectedExterns {
  const externs: Extern[] = [];
  const linkerOnly: CollectedExterns['linkerOnly'] = [];
  for (const sym of elf.symbols) {
    if (!isExternSymbol(sym)) continue;
    const btfId = findExternBtfId(btf, sym.name);
    if (btfId <= 0) {
      linkerOnly.push({ symbol: sym, reason: `failed to find BTF for extern '${sym.name}': ${btfId}` });
      continue;
    }
    const secId = findExternSection(btf!, btfId);
    if (secId <= 0) {
      linkerOnly.push({ symbol: sym, reason: `failed to find BTF for extern '${sym.name}' [${btfId}] section: ${secId}` });
      continue;
    }
    externs.push(describeExtern(btf!, sym, btfId, btf!.name(secId), where(sym)));
  }
  externs.sort(compareExterns);
  let off = 0;
  for (const ext of externs) {
    if (ext.kind !== 'kconfig') continue;
    ext.offset = Math.ceil(off / ext.align) * ext.align;
    off = ext.offset + ext.size;
  }
  return { externs, kconfigSize: off, linkerOnly };
}

function describeExtern(btf: Btf, sym: ElfSymbol, btfId: number, section: string, ctx: ErrorContext): Extern {
  // findExternBtfId answers only with VARs and FUNCs.
  const t = btf.type(btfId) as BtfVar | BtfFunc;
  const base = { name: t.name, symIndex: sym.index, weak: sym.bind === STB_WEAK, btfId };
  if (section === KCONFIG_SEC) {
    if (t.kind === 'FUNC') throw new ExternError(`extern function ${t.name} is unsupported under ${KCONFIG_SEC} section`, ctx);
    const size = guarded(() => btf.size(t.type));
    if (size === undefined || size <= 0) throw new ExternError(`failed to resolve size of extern (kcfg) '${t.name}': -${EINVAL}`, ctx);
    const align = new Layout(btf.table(), 8).alignOf(t.type);
    if (align <= 0) throw new ExternError(`failed to determine alignment of extern (kcfg) '${t.name}': -${EINVAL}`, ctx);
    const { type, signed } = kconfigTypeOf(btf, t.type);
    if (type === undefined) throw new ExternError(`extern (kcfg) '${t.name}': type is unsupported`, ctx);
    return { ...base, kind: 'kconfig', size, align, type, signed, offset: 0 } satisfies KconfigExtern;
  }
  if (section === KSYMS_SEC) {
    return { ...base, kind: 'ksym', func: t.kind === 'FUNC', typeId: btf.resolve(t.type) };
  }
  throw new ExternError(`unrecognized extern section '${section}'`, ctx);
}

/** libbpf's find_extern_btf_id: the first VAR or FUNC of that name, which must be an extern. */
function findExternBtfId(btf: Btf | undefined, name: string): number {
  if (!btf) return -ESRCH;
  for (const t of btf.types) {
    if ((t.kind !== 'VAR' && t.kind !== 'FUNC') || t.name !== name) continue;
    return t.linkage === BTF_LINKAGE.EXTERN ? t.id : -EINVAL;
  }
  return -ENOENT;
}

/** libbpf's find_extern_sec_btf_id: the first DATASEC that lists the extern. */
function findExternSection(btf: Btf, btfId: number): number {
  for (const t of btf.types) {
    if (t.kind === 'DATASEC' && t.vars.some((v) => v.type === btfId)) return t.id;
  }
  return -ENOENT;
}

/** libbpf's find_kcfg_type: undefined where it answers KCFG_UNKNOWN. */
function kconfigTypeOf(btf: Btf, id: number): { type: KconfigType | undefined; signed: boolean } {
  const t = btf.resolved(id);
  const unknown = { type: undefined, signed: false };
  switch (t.kind) {
    case 'INT':
      if (t.encoding & BTF_INT_ENCODING.BOOL) return t.size === 1 ? { type: 'bool', signed: false } : unknown;
      if (t.size === 1) return { type: 'char', signed: Boolean(t.encoding & BTF_INT_ENCODING.SIGNED) };
      if (t.size < 1 || t.size > 8 || (t.size & (t.size - 1)) !== 0) return unknown;
      return { type: 'int', signed: Boolean(t.encoding & BTF_INT_ENCODING.SIGNED) };
    case 'ENUM':
      return t.size === 4 && t.name === 'libbpf_tristate' ? { type: 'tristate', signed: false } : unknown;
    case 'ENUM64':
      return t.name === 'libbpf_tristate' ? { type: 'tristate', signed: false } : unknown;
    case 'ARRAY':
      if (t.nelems === 0) return unknown;
      return kconfigTypeOf(btf, t.type).type === 'char' ? { type: 'chars', signed: false } : unknown;
    default:
      return unknown;
  }
}

/** libbpf's cmp_externs. */
function compareExterns(a: Extern, b: Extern): number {
  if (a.kind !== b.kind) return a.kind === 'kconfig' ? -1 : 1;
  if (a.kind === 'kconfig' && b.kind === 'kconfig') {
    if (a.align !== b.align) return a.align > b.align ? -1 : 1;
    if (a.size !== b.size) return a.size < b.size ? -1 : 1;
  }
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function guarded<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof BpfscopeError) return undefined;
    throw e;
  }
}
