import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { BpfscopeError, ObjectError } from '../errors.js';
import { readElf, STT_SECTION, type ElfFile, type ElfSymbol } from '../elf/index.js';
import { collectCodeSections, type CodeSection } from './functions.js';
import { dataMapSpec, dataSectionOrigin } from './data-maps.js';
import { fillTailCalls, isLegacyMapSection, legacyMapSpecs, linkElfMaps } from './legacy-maps.js';
import { isGplCompatible, readKernelVersion, readLicense } from './license.js';
import { linkProgram } from './link.js';
import { collectCodeRelocations, type CodeRelocation, type MapSymbolResolver } from './relocations.js';
import { sectionProgramKind } from './program-kinds.js';
import { resolveAttachTargets } from './attach-btf.js';
import { isStructOpsSection, linkStructOps, structOpsMaps } from './struct-ops.js';
import type { MapSpec, ObjectSpec, ProgramSpec } from './spec.js';
import { programTag } from './tag.js';
import { readAsCilium } from './cilium-maps.js';
import { openObjectBtf, type ObjectBtf } from './object-btf.js';
import { applyCoreRelocations } from './core/apply.js';
import { resolveExterns } from './externs/index.js';
import { loadTarget, type LoadTarget } from './target.js';

export interface OpenOptions {
  /** The kernel the object is finished for (CO-RE, externs, kfuncs); the running kernel by default, as libbpf. */
  target?: LoadTarget;
}

/** libbpf's object name: the file's base name up to its first dot. */
export function objectNameOf(fileName: string): string {
  const base = basename(fileName);
  const dot = base.indexOf('.');
  return dot < 0 ? base : base.slice(0, dot);
}

/**
 * Opens a clang-produced BPF object the way libbpf's bpf_object__open does: programs
 * split by symbol and linked with the subprograms they call, maps from `.maps`, the
 * legacy `maps` section and global data, relocations applied. Nothing is loaded.
 */
export function openObject(source: string | Uint8Array, fileName?: string, options: OpenOptions = {}): ObjectSpec {
  const name = fileName ?? (typeof source === 'string' ? source : '<memory>');
  let bytes: Uint8Array;
  try {
    bytes = typeof source === 'string' ? readFileSync(source) : source;
  } catch (e) {
    throw new ObjectError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: name });
  }
  try {
    return openElf(readElf(bytes, name), options.target ?? loadTarget());
  } catch (e) {
    if (e instanceof BpfscopeError) throw e.within({ file: name });
    throw e;
  }
}

function openElf(elf: ElfFile, target: LoadTarget): ObjectSpec {
  const notes: string[] = [];
  const objectName = objectNameOf(elf.fileName);
  const license = readLicense(elf);
  const kernelVersion = readKernelVersion(elf);
  const btf = openObjectBtf(elf);

  const maps: MapSpec[] = [];
  const mapBySymbol = new Map<ElfSymbol, number>();
  for (const { symbol, spec } of btf.mapSpecs(elf)) {
    mapBySymbol.set(symbol, maps.push(spec) - 1);
  }
  const legacyAt = new Map<string, number>();
  for (const section of elf.sections.filter(isLegacyMapSection)) {
    for (const { symbol, offset, spec } of legacyMapSpecs(elf, section, notes)) {
      const index = maps.push(spec) - 1;
      mapBySymbol.set(symbol, index);
      legacyAt.set(`${section.index}:${offset}`, index);
    }
  }
  linkElfMaps(elf.fileName, maps, notes);
  for (const m of maps) readAsCilium(m, notes);
  const dataMapBySection = new Map<number, number>();
  for (const section of elf.sections) {
    const origin = dataSectionOrigin(section);
    if (!origin || section.size === 0) continue;
    dataMapBySection.set(section.index, maps.push(dataMapSpec(objectName, section, origin, btf.datasecTypeId(section.name))) - 1);
  }
  const externs = resolveExterns(elf, btf.btf, target, { objectName, kconfigMapIndex: maps.length });
  if (externs.kconfigMap) maps.push(externs.kconfigMap);
  notes.push(...externs.notes);
  // libbpf adds struct_ops maps after global data (and kconfig).
  const structOps = elf.sections.filter(isStructOpsSection).flatMap((section) => structOpsMaps(elf, section, btf.btf));
  for (const entry of structOps) if (!entry.section.name.startsWith('?')) maps.push(entry.spec);
  const resolver: MapSymbolResolver = {
    // A static legacy map is reached through its section's symbol, the offset in the immediate.
    mapForSymbol: (sym, imm) => mapBySymbol.get(sym) ?? (sym.type === STT_SECTION ? legacyAt.get(`${sym.shndx}:${sym.value + imm}`) : undefined),
    dataMapForSection: (index) => dataMapBySection.get(index),
    externRelocation: (symIndex, insn, ctx) => externs.relocation(symIndex, insn, ctx),
  };

  const codeSections = new Map<number, CodeSection>();
  const relocations = new Map<number, Map<number, CodeRelocation>>();
  for (const code of collectCodeSections(elf)) {
    codeSections.set(code.section.index, code);
    relocations.set(code.section.index, collectCodeRelocations(elf, code, resolver));
  }
  const coreNote = applyCoreRelocations({
    file: elf.fileName,
    btf: btf.btf,
    relos: btf.coreRelos,
    codeSections: codeSections.values(),
    target,
    littleEndian: elf.littleEndian,
  });
  if (coreNote) notes.push(coreNote);

  const programs: ProgramSpec[] = [];
  const reading = { iproute2: maps.some((m) => m.elfMap) };
  for (const code of codeSections.values()) {
    if (code.section.name === '.text') continue;
    const kind = sectionProgramKind(code, reading, notes);
    for (const fn of code.functions) {
      const linked = linkProgram(fn, { file: elf.fileName, codeSections, relocations });
      const ext = btf.extInfo(linked.functions);
      programs.push({
        name: fn.name,
        sectionName: code.section.name,
        kind,
        insns: linked.insns,
        mapRefs: linked.mapRefs,
        externRefs: linked.externRefs,
        functions: linked.functions.map((f) => f.spec),
        funcInfo: ext.funcInfo,
        lineInfo: ext.lineInfo,
        license,
        gplCompatible: isGplCompatible(license),
        kernelVersion,
        tag: programTag(linked.insns),
      });
    }
  }
  fillTailCalls(maps, programs);
  resolveAttachTargets(programs, target, notes);
  linkStructOps(elf, structOps, btf.btf, programs, target, notes);
  return {
    fileName: elf.fileName,
    objectName,
    littleEndian: elf.littleEndian,
    license,
    kernelVersion,
    programs,
    maps,
    notes,
    ...(externs.btf ? { btf: externs.btf } : {}),
  };
}

export type { ObjectBtf };
