import type { LoadedProgram } from '../vm/index.js';
import { progTypeName } from '../object/index.js';
import { progJson, progPlain, type ProgInfo, progTable } from '../render/index.js';
import { fullProgramName, parseProgs, showSubset, type Words } from './common.js';
import { jsonWriter, type CliContext } from './context.js';
import { INSN_SIZE } from '../isa/index.js';

/** The VM's view of a program as bpftool's prog info. */
export function progInfo(p: LoadedProgram): ProgInfo {
  return {
    id: p.id,
    type: progTypeName(p.spec.kind.progType),
    name: fullProgramName(p),
    tag: p.spec.tag,
    gplCompatible: p.spec.gplCompatible,
    loadedAt: p.loadedAt,
    uid: p.uid,
    bytesXlated: p.xlated.length * INSN_SIZE,
    bytesJited: 0,
    bytesMemlock: p.memlock,
    mapIds: p.mapIds,
    btfId: p.btfId,
  };
}

/** prog { show | list } [PROG] */
export function progShow(ctx: CliContext, words: Words): void {
  const selected = showSubset(ctx, words, parseProgs);
  const progs = selected ?? ctx.store.programs;
  if (ctx.table) {
    ctx.out(progTable(progs.map(progInfo)));
    return;
  }
  if (!ctx.json) {
    ctx.out(progs.map((p) => progPlain(progInfo(p))).join(''));
    return;
  }
  const w = jsonWriter(ctx);
  // bpftool prints a bare object for exactly one selected program, an array otherwise.
  const asArray = !selected || selected.length > 1;
  if (asArray) w.startArray();
  for (const p of progs) progJson(w, progInfo(p));
  if (asArray) w.endArray();
  ctx.out(w.finish());
}
