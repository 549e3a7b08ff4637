import { assemble } from '../../../src/isa/asm.js';
import { BPF_LD_IMM64, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE } from '../../../src/isa/opcodes.js';
import { programKindForSection } from '../../../src/object/section-defs.js';
import type { MapReference, MapSpec, ObjectSpec } from '../../../src/object/spec.js';
import { loadObject } from '../../../src/vm/load.js';
import type { LoadedObject } from '../../../src/vm/loaded.js';

/**
 * Small objects written in the assembler's dialect, for programs a compiler would not
 * produce (a NULL value dereferenced, a write to .rodata). A map reference is an lddw of
 * a marker the assembler takes as a plain immediate, relocated as libbpf would:
 * `lddw %r1, MAP(0)` for map 0 (src 1), `lddw %r1, VALUE(0, 8)` for map 0's value + 8 (src 2).
 */
const MAP_MARK = 0xbf000000;
const VALUE_MARK = 0xbf010000;

export const MAP = (index: number) => `0x${MAP_MARK.toString(16)}${index.toString(16).padStart(8, '0')}`;
export const VALUE = (index: number, offset = 0) => `0x${((VALUE_MARK | offset) >>> 0).toString(16)}${index.toString(16).padStart(8, '0')}`;

export type AsmMap = Partial<MapSpec> & Pick<MapSpec, 'name' | 'type' | 'keySize' | 'valueSize' | 'maxEntries'>;

export interface AsmProgram {
  name: string;
  section?: string;
  text: string;
}

export function asmObject(programs: AsmProgram[], maps: AsmMap[] = []): LoadedObject {
  const specs: MapSpec[] = maps.map((m) => ({
    origin: 'btf',
    sectionName: '.maps',
    flags: 0,
    numaNode: 0,
    pinning: 0,
    mapExtra: 0n,
    btfKeyTypeId: 0,
    btfValueTypeId: 0,
    initialSlots: [],
    ...m,
  }));
  const object: ObjectSpec = {
    notes: [],
    fileName: 'test.o',
    objectName: 'test',
    littleEndian: true,
    license: 'GPL',
    kernelVersion: 0,
    maps: specs,
    programs: programs.map((p) => {
      const insns = assemble(p.text, { file: `${p.name}.s` });
      const mapRefs: MapReference[] = [];
      for (let pc = 0; pc + 1 < insns.length; pc++) {
        const [lo, hi] = [insns[pc]!, insns[pc + 1]!];
        if (lo.code !== BPF_LD_IMM64) continue;
        const mark = hi.imm >>> 0;
        if (mark === MAP_MARK || (mark & 0xffff0000) >>> 0 === VALUE_MARK) {
          const value = mark !== MAP_MARK;
          mapRefs.push({ pc, mapIndex: lo.imm, kind: value ? 'value' : 'map', offset: value ? mark & 0xffff : 0 });
          lo.src = value ? BPF_PSEUDO_MAP_VALUE : BPF_PSEUDO_MAP_FD;
          hi.imm = value ? mark & 0xffff : 0;
        }
        pc++;
      }
      const section = p.section ?? 'xdp';
      return {
        name: p.name,
        sectionName: section,
        kind: programKindForSection(section)!,
        insns,
        mapRefs,
        externRefs: [],
        functions: [{ name: p.name, insnOff: 0, insnCount: insns.length, sectionName: section }],
        funcInfo: [],
        lineInfo: [],
        license: 'GPL',
        gplCompatible: true,
        kernelVersion: 0,
        tag: '',
      };
    }),
  };
  let prog = 0;
  let map = 0;
  return loadObject(object, { nextProgramId: () => ++prog, nextMapId: () => ++map, nextBtfId: () => 0 }, { possibleCpus: 1 });
}
