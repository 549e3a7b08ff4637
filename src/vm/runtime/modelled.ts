import { NotModelledError } from '../../errors.js';
import { POISON_HELPER_ID } from '../../object/index.js';
import { helperName, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, forEachInsn, isLdImm64 } from '../../isa/index.js';
import type { LoadedProgram } from '../loaded.js';
import { isUnmodelledMap } from '../maps/unmodelled.js';
import type { VmMap } from '../maps/types.js';

/**
 * What a run of the program needs that the VM lacks, found before it runs: a helper
 * outside `helpers` (the runtime's and the program type's), a kfunc call, or a map of a
 * type the VM only creates (src/vm/maps/unmodelled.ts), each once, in program order.
 * The load never asks this: a program the kernel loads is shown whatever its run would need.
 */
export function unmodelledNeeds(program: LoadedProgram, file: string, helpers: ReadonlyMap<number, unknown>, mapOf: (id: number) => VmMap | undefined): NotModelledError[] {
  const where = (pc: number) => ({ file, section: program.spec.sectionName, program: program.spec.name, pc });
  const found = new Map<string, NotModelledError>();
  const need = (subject: string, pc: number) => {
    if (!found.has(subject)) found.set(subject, new NotModelledError(subject, where(pc)));
  };
  forEachInsn(program.xlated, (insn, pc, row) => {
    // libbpf's CO-RE poison is no helper the VM lacks: the kernel refuses it only where reachable, and a run faults there.
    if (row?.call === 'helper' && !helpers.has(insn.imm) && insn.imm !== POISON_HELPER_ID) {
      need(`helper ${helperName(insn.imm) ?? program.kernelFunction(insn) ?? ''}#${insn.imm}`, pc);
    }
    if (row?.call === 'kfunc') need(`kfunc ${program.kernelFunction(insn) ?? `#${insn.imm}`}`, pc);
    if (isLdImm64(insn) && (insn.src === BPF_PSEUDO_MAP_FD || insn.src === BPF_PSEUDO_MAP_VALUE)) {
      const map = mapOf(insn.imm);
      if (map && isUnmodelledMap(map)) need(`${map.typeName} map ${map.name}`, pc);
    }
  });
  return [...found.values()];
}

/** Throws the first of unmodelledNeeds, the one a run stops at. */
export function checkModelled(program: LoadedProgram, file: string, helpers: ReadonlyMap<number, unknown>, mapOf: (id: number) => VmMap | undefined): void {
  const [first] = unmodelledNeeds(program, file, helpers, mapOf);
  if (first) throw first;
}
