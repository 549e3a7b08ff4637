import { ExternError, RelocationError, type ErrorContext } from '../../errors.js';
import type { Btf } from '../../btf/index.js';
import type { ElfFile, ElfSymbol } from '../../elf/index.js';
import { type Insn, BPF_CALL_INSN as CALL, BPF_LD_IMM64 as LD_IMM64, BPF_PSEUDO_BTF_ID, BPF_PSEUDO_KFUNC_CALL } from '../../isa/index.js';
import { internalMapName } from '../data-maps.js';
import { MAP_FLAG, MAP_TYPE } from '../kinds.js';
import type { CodeRelocation } from '../relocations.js';
import type { MapSpec } from '../spec.js';
import type { LoadTarget } from '../target.js';
import { patchExternBtf } from './btf-patch.js';
import { collectExterns, isExternSymbol } from './collect.js';
import { KconfigValues } from './kconfig.js';
import { resolveKsyms } from './ksyms.js';
import { KCONFIG_SEC, type Extern, type KconfigExtern, type KsymExtern, type KsymResolution } from './model.js';
import { firstReferences } from './references.js';

export interface ExternResolution {
  /** libbpf's internal `.kconfig` map, when the object has kconfig externs: read-only, frozen, its values filled in. */
  kconfigMap?: MapSpec;
  /** The object's BTF as libbpf hands it to the kernel (see patchExternBtf). */
  btf: Btf | undefined;
  /** What a person should know: externs libbpf would refuse, values the target could not give. */
  notes: string[];
  /**
   * What a relocation against an undefined symbol becomes; undefined when the symbol is
   * no extern libbpf knows of. Throws where libbpf refuses the relocation.
   */
  relocation(symIndex: number, insn: Insn, ctx: ErrorContext): CodeRelocation | undefined;
}

export interface ExternOptions {
  objectName: string;
  /** The index the `.kconfig` map will have among the object's maps. */
  kconfigMapIndex: number;
}

/**
 * Externs as libbpf 1.1 resolves them when it loads an object, against `target` rather
 * than the running kernel: collected from the symbol table and BTF, `LINUX_*` and
 * `CONFIG_*` values written into the `.kconfig` map, `.ksyms` found in kallsyms and the
 * target's BTF, strong externs left unresolved refused. Externs only the static linker
 * resolves (no BTF of their own) are what libbpf refuses to open; here they are noted
 * and their instructions left as compiled.
 */
export function resolveExterns(elf: ElfFile, btf: Btf | undefined, target: LoadTarget, options: ExternOptions): ExternResolution {
  if (!elf.symbols.some(isExternSymbol)) return { btf, notes: [], relocation: () => undefined };
  const refs = firstReferences(elf);
  const where = (ext: { symIndex: number }): ErrorContext => refs.get(ext.symIndex) ?? {};
  const { externs, kconfigSize, linkerOnly } = collectExterns(elf, btf, (sym) => refs.get(sym.index) ?? {});
  const notes: string[] = [];
  if (linkerOnly.length) notes.push(linkerOnlyNote(linkerOnly));

  const kconfig = externs.filter((e): e is KconfigExtern => e.kind === 'kconfig');
  const values = new KconfigValues(kconfigSize, elf.littleEndian, where, notes);
  for (const ext of kconfig) if (!ext.name.startsWith('CONFIG_')) values.setVirtual(ext, target);
  // Externs the target cannot tell anything of stay 0 as weak ones would, strong or not.
  const untried = new Set<Extern>(fillFromConfig(kconfig.filter((e) => e.name.startsWith('CONFIG_')), target, values, where, notes));

  const ksyms = externs.filter((e): e is KsymExtern => e.kind === 'ksym');
  // Collected externs have BTF: there is an object BTF whenever there are ksyms.
  const loaded = ldImm64Symbols(elf);
  const ksymResult = ksyms.length ? resolveKsyms(ksyms, btf!, target, where, notes, (ext) => loaded.has(ext.symIndex)) : undefined;
  const resolved = ksymResult?.resolved ?? new Map<KsymExtern, KsymResolution>();
  for (const ext of ksymResult?.untried ?? []) untried.add(ext);
  for (const ext of externs) {
    const isSet = ext.kind === 'kconfig' ? values.set.has(ext) : resolved.has(ext);
    if (!isSet && !ext.weak && !untried.has(ext)) throw new ExternError(`extern '${ext.name}' (strong): not resolved`, where(ext));
  }

  const linkerOnlySymbols = new Set(linkerOnly.map((l) => l.symbol.index));
  const bySymbol = new Map(externs.map((e) => [e.symIndex, e] as const));
  return {
    btf: btf && patchExternBtf(btf, externs, kconfigSize),
    notes,
    ...(kconfig.length ? { kconfigMap: kconfigMapSpec(options.objectName, values.data, btf?.findOne(KCONFIG_SEC, 'DATASEC')?.id ?? 0) } : {}),
    relocation(symIndex, insn, ctx) {
      const sym = elf.symbols[symIndex] as ElfSymbol;
      if (linkerOnlySymbols.has(symIndex)) return { kind: 'extern', name: sym.name };
      const ext = bySymbol.get(symIndex);
      if (!ext) return undefined;
      if (insn.code !== CALL && insn.code !== LD_IMM64) {
        throw new RelocationError(`invalid relo against '${ext.name}' for insns[${ctx.pc}].code 0x${insn.code.toString(16)}`, ctx);
      }
      if (ext.kind === 'kconfig') {
        if (insn.code === CALL) throw new ExternError(`call to '${ext.name}', a ${KCONFIG_SEC} extern`, ctx);
        return { kind: 'value', mapIndex: options.kconfigMapIndex, offset: ext.offset };
      }
      return ksymRelocation(ext, resolved.get(ext), insn);
    },
  };
}

/** The symbols some ld_imm64 of the code is relocated against. */
function ldImm64Symbols(elf: ElfFile): Set<number> {
  const out = new Set<number>();
  for (const [index, relocs] of elf.relocations) {
    const data = elf.sections[index]?.data;
    for (const rel of relocs) if (data?.[rel.offset] === LD_IMM64) out.add(rel.symbol);
  }
  return out;
}

/**
 * libbpf's RELO_EXTERN_FUNC and RELO_EXTERN_VAR for a kernel symbol: a kfunc call gets
 * src 2, the kfunc's BTF id and the module's fd-array slot (0 and 0 when an unresolved
 * weak one); an ld_imm64 of a resolved typed one gets src 3 and the BTF id (libbpf 1.1
 * fills the second slot only for variables), any other the symbol's address (0 if none).
 */
function ksymRelocation(ext: KsymExtern, r: KsymResolution | undefined, insn: Insn): CodeRelocation {
  const ref = { name: ext.name, btfId: r?.btfId ?? 0, ...(r?.module !== undefined ? { module: r.module } : {}), ...(r?.address !== undefined ? { address: r.address } : {}) };
  if (insn.code === CALL) {
    return { kind: 'extern', name: ext.name, patch: { src: BPF_PSEUDO_KFUNC_CALL, imm: r?.btfId ?? 0, off: r?.moduleIndex ?? 0 }, ref: { ...ref, kind: 'kfunc' } };
  }
  if (r && (ext.typeId !== 0 || ext.func)) {
    return { kind: 'extern', name: ext.name, patch: { src: BPF_PSEUDO_BTF_ID, imm: r.btfId, nextImm: ext.func ? 0 : r.moduleIndex }, ref: { ...ref, kind: 'ksym' } };
  }
  const address = r?.address ?? 0n;
  return {
    kind: 'extern',
    name: ext.name,
    patch: { src: insn.src, imm: Number(BigInt.asIntN(32, address)), nextImm: Number(BigInt.asIntN(32, address >> 32n)) },
    ref: { ...ref, kind: 'ksym' },
  };
}

/**
 * `CONFIG_*` externs from the target's config, line by line as libbpf reads it; with no
 * config at all, they are returned untried, with a note.
 */
function fillFromConfig(wanted: KconfigExtern[], target: LoadTarget, values: KconfigValues, where: (ext: KconfigExtern) => ErrorContext, notes: string[]): KconfigExtern[] {
  if (!wanted.length) return [];
  const config = target.kconfig();
  if (!config) {
    notes.push(`no kernel config found (/boot/config-$(uname -r), /proc/config.gz; --kconfig FILE): ${wanted.map((e) => e.name).join(', ')} stay 0`);
    return wanted;
  }
  const byName = new Map(wanted.map((e) => [e.name, e] as const));
  for (const [name, value] of config) {
    // libbpf refuses any line without a value, whichever extern it names.
    if (value === '') throw new ExternError(`failed to parse '${name}=': no value`, where(wanted[0]!));
    const ext = byName.get(name);
    if (ext) values.setFromConfig(ext, value);
  }
  return [];
}

/** The `.kconfig` map as libbpf's bpf_object__init_kconfig_map makes it. */
function kconfigMapSpec(objectName: string, data: Uint8Array, btfValueTypeId: number): MapSpec {
  return {
    name: internalMapName(objectName, KCONFIG_SEC),
    origin: 'kconfig',
    sectionName: KCONFIG_SEC,
    type: MAP_TYPE.array,
    keySize: 4,
    valueSize: data.length,
    maxEntries: 1,
    flags: MAP_FLAG.rdonlyProg | MAP_FLAG.mmapable,
    numaNode: 0,
    pinning: 0,
    mapExtra: 0n,
    btfKeyTypeId: 0,
    btfValueTypeId,
    initialData: data,
    initialSlots: [],
  };
}

function linkerOnlyNote(linkerOnly: { symbol: ElfSymbol; reason: string }[]): string {
  const names = linkerOnly.map((l) => l.symbol.name).join(', ');
  return `libbpf 1.x: ${linkerOnly[0]!.reason}; only the BPF static linker resolves ${names}, left as compiled where used`;
}
