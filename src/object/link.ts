import { ObjectError } from '../errors.js';
import { type Insn, BPF_PSEUDO_FUNC, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, callKind, isLdImm64 } from '../isa/index.js';
import type { CodeSection, SectionFunction } from './functions.js';
import type { CodeRelocation } from './relocations.js';
import type { ExternReference, FunctionSpec, MapReference } from './spec.js';


export interface LinkedProgram {
  insns: Insn[];
  mapRefs: MapReference[];
  externRefs: ExternReference[];
  /** The entry function first, then subprograms in the order they were appended. */
  functions: { fn: SectionFunction; spec: FunctionSpec }[];
}

export interface LinkInputs {
  file: string;
  codeSections: Map<number, CodeSection>;
  relocations: Map<number, Map<number, CodeRelocation>>;
}

/**
 * libbpf's linking of one program: copy the entry function, then every subprogram it
 * reaches, depth first in the order the calls appear, each appended once; fix every
 * call's offset to where its callee now sits, turn map relocations into ld_imm64
 * map references (src 1 with the map's index, or src 2 with the index and an offset)
 * and write what externs resolved to.
 */
export function linkProgram(entry: SectionFunction, inputs: LinkInputs): LinkedProgram {
  const insns: Insn[] = [];
  const mapRefs: MapReference[] = [];
  const externRefs: ExternReference[] = [];
  const functions: LinkedProgram['functions'] = [];
  const placed = new Map<SectionFunction, number>();

  const append = (fn: SectionFunction): number => {
    const base = insns.length;
    placed.set(fn, base);
    functions.push({ fn, spec: { name: fn.name, insnOff: base, insnCount: fn.insns.length, sectionName: fn.section.name } });
    for (const insn of fn.insns) insns.push({ ...insn });
    relocate(fn, base);
    return base;
  };

  const relocate = (fn: SectionFunction, base: number): void => {
    const relocs = inputs.relocations.get(fn.section.index);
    for (let i = 0; i < fn.insns.length; i++) {
      const pc = base + i;
      const insn = insns[pc]!;
      const sectionPc = fn.sectionInsnOff + i;
      const ctx = { file: inputs.file, section: fn.section.name, program: entry.name, pc: sectionPc };
      const relo = relocs?.get(sectionPc);
      const isCall = callKind(insn) === 'local';
      if (relo?.kind === 'map' || relo?.kind === 'value') {
        const next = insns[pc + 1];
        if (!isLdImm64(insn) || !next) throw new ObjectError('map relocation on an incomplete ld_imm64', ctx);
        insn.src = relo.kind === 'map' ? BPF_PSEUDO_MAP_FD : BPF_PSEUDO_MAP_VALUE;
        insn.imm = relo.mapIndex;
        next.imm = relo.kind === 'value' ? relo.offset : 0;
        mapRefs.push({ pc, mapIndex: relo.mapIndex, kind: relo.kind, offset: relo.kind === 'value' ? relo.offset : 0 });
        continue;
      }
      if (relo?.kind === 'extern') {
        const { patch, ref } = relo;
        if (patch) {
          const next = insns[pc + 1];
          if (patch.nextImm !== undefined && (!isLdImm64(insn) || !next)) throw new ObjectError('extern relocation on an incomplete ld_imm64', ctx);
          Object.assign(insn, { src: patch.src, imm: patch.imm }, patch.off !== undefined ? { off: patch.off } : {});
          if (patch.nextImm !== undefined) next!.imm = patch.nextImm;
        }
        if (ref) externRefs.push({ pc, ...ref });
        continue;
      }
      let target: { sectionIndex: number; insn: number } | undefined;
      if (relo?.kind === 'code') target = relo;
      else if (isCall) target = { sectionIndex: fn.section.index, insn: sectionPc + insn.imm + 1 };
      if (!target) continue;

      const section = inputs.codeSections.get(target.sectionIndex);
      const callee = section?.functions.find((f) => target.insn >= f.sectionInsnOff && target.insn < f.sectionInsnOff + f.insns.length);
      if (!section || !callee) throw new ObjectError(`call to instruction ${target.insn} of section ${section?.section.name ?? target.sectionIndex}, which is in no function`, ctx);
      const calleeBase = placed.get(callee) ?? append(callee);
      const rel = calleeBase + (target.insn - callee.sectionInsnOff) - pc - 1;
      if (isLdImm64(insn)) {
        insn.src = BPF_PSEUDO_FUNC;
        insn.imm = rel;
      } else if (isCall) {
        insn.imm = rel;
      } else {
        throw new ObjectError('code relocation on an instruction that is neither a call nor an ld_imm64', ctx);
      }
    }
  };

  append(entry);
  return { insns, mapRefs, externRefs, functions };
}
