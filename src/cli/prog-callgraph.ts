import { MAP_TYPE, progTypeName } from '../object/index.js';
import { callGraphDot, programCalls, type ProgArrayContents } from '../render/index.js';
import type { LoadedProgram } from '../vm/index.js';
import { parseProgs, showSubset, type Words } from './common.js';
import { emitDot, type CliContext } from './context.js';
import { xlatedProgram } from './prog-dump.js';

/** prog callgraph [PROG]: programs, their subprograms, helpers and tail calls, as dot. */
export function progCallgraph(ctx: CliContext, words: Words): void {
  const progs = showSubset(ctx, words, parseProgs) ?? ctx.store.programs;
  const mapName = (id: number): string | undefined => ctx.store.maps.find((m) => m.id === id)?.name;
  const progArrays: ProgArrayContents[] = ctx.store.maps
    .filter((m) => m.spec.type === MAP_TYPE.progArray && m.spec.initialSlots.length > 0)
    .map((m) => ({ map: m.name, slots: m.spec.initialSlots.map((s) => ({ index: s.index, program: s.target })) }));
  const programs = progs.map((p: LoadedProgram) => programCalls(xlatedProgram(p), { kind: `${progTypeName(p.spec.kind.progType)} SEC("${p.spec.sectionName}")`, mapName, kernelFunction: (insn) => p.kernelFunction(insn) }));
  emitDot(ctx, callGraphDot({ programs, progArrays }));
}
