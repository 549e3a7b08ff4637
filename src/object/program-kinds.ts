import type { CodeSection } from './functions.js';
import { iproute2TailCall } from './legacy-maps.js';
import { progTypeId } from './kinds.js';
import { legacyKindForSection, programKindForSection, unknownProgramKind, type SectionProgramKind } from './section-defs.js';

/** How the object's programs are read when libbpf 1.x would not read them so. */
export interface ProgramReading {
  /** The object is an iproute2 (tc) one: maps of struct bpf_elf_map, or `ID/KEY` tail-call sections. */
  iproute2: boolean;
}

/**
 * The program type of a program section, as libbpf 1.x gives it or, where it gives none,
 * as the older loaders that still meet such objects do: libbpf 0.x and cilium/ebpf read
 * plain names as prefixes (`socket/tail`), iproute2 loads what tc is told to as sched_cls
 * (its tail calls `ID/KEY` too). A name no loader knows gets BPF_PROG_TYPE_UNSPEC, as
 * libbpf opens it, and is not loaded unless `prog load ... type TYPE` gives one. What
 * libbpf 1.x would say goes in `notes`, one line per section.
 */
export function sectionProgramKind(code: CodeSection, reading: ProgramReading, notes: string[]): SectionProgramKind {
  const section = code.section.name;
  const progs = code.functions.map((f) => `'${f.name}'`).join(', ');
  if (code.untyped) {
    notes.push(`libbpf 1.x: sec '${section}': no FUNC symbol, so no program; read as one program ${progs}, as libbpf 0.x and iproute2 read it`);
  }
  for (const fn of code.functions) {
    if (!fn.global) notes.push(`libbpf 1.x: sec '${section}': program '${fn.name}' is static and not supported`);
  }
  const kind = programKindForSection(section);
  if (kind) return kind;
  const unrecognized = `libbpf 1.x: prog ${progs}: unrecognized ELF section name '${section}'`;
  const legacy = legacyKindForSection(section);
  if (legacy) {
    notes.push(`${unrecognized}; read as ${legacy.kind.progTypeName} ('${legacy.entry}'), as ${legacy.readers} read${legacy.readers.includes(' and ') ? '' : 's'} it`);
    return legacy.kind;
  }
  const tail = iproute2TailCall(section.replace(/^\?/, ''));
  if (tail || reading.iproute2) {
    const why = tail ? `a tail call iproute2 puts at key ${tail.key} of the prog array with id ${tail.mapId}` : 'what tc loads from the section it is told to';
    notes.push(`${unrecognized}; read as sched_cls, tc's default type: ${why} (prog load OBJ PATH type TYPE gives another)`);
    return { ...unknownProgramKind(section), progType: progTypeId('sched_cls'), progTypeName: 'sched_cls' };
  }
  notes.push(`${unrecognized}; no loader gives it a program type, so it is not loaded (prog load OBJ PATH type TYPE gives one)`);
  return unknownProgramKind(section);
}

/**
 * Whether a load takes the program: autoload on, a program type, nothing libbpf would
 * fail on first.
 */
export function isLoadable(prog: { kind: SectionProgramKind; loadError?: unknown }): boolean {
  return prog.kind.autoload && prog.kind.progType !== 0 && prog.loadError === undefined;
}
