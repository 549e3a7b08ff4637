import type { Cfg } from './cfg.js';
import type { Insn } from './insn.js';
import { BPF_PSEUDO_MAP_FD, lookupOpcode } from './opcodes.js';
import { helperId } from './helpers.js';
import { forEachInsn, isLdImm64 } from './slots.js';

const TAIL_CALL = helperId('tail_call');

/** R2 holds the prog array, R3 the index, when bpf_tail_call is called. */
const MAP_REG = 2;
const INDEX_REG = 3;

export interface TailCallSite {
  pc: number;
  /** The ld_imm64 that put the prog array in r2 (its imm names the map: an id once loaded). */
  mapLoad?: { pc: number; imm: number };
  /** The index, when r3 was set from a constant. */
  index?: number;
}

/**
 * Every bpf_tail_call, with the prog array and index when the same basic block sets
 * them plainly before the call (`r2 = map[...]`, `r3 = K`), as compilers emit them.
 * The look back is conservative: any other instruction naming the register, or a call,
 * leaves that operand unknown.
 */
export function tailCallSites(insns: readonly Insn[], cfg: Cfg): TailCallSite[] {
  const sites: TailCallSite[] = [];
  for (const fn of cfg.functions) {
    for (const call of fn.calls) {
      if (call.kind !== 'helper' || call.imm !== TAIL_CALL) continue;
      const block = fn.blocks.find((b) => b.start <= call.pc && call.pc < b.end)!;
      const site: TailCallSite = { pc: call.pc };
      const map = lastWrite(insns, block.start, call.pc, MAP_REG);
      if (map && isLdImm64(map.insn) && map.insn.src === BPF_PSEUDO_MAP_FD) site.mapLoad = { pc: map.pc, imm: map.insn.imm };
      const index = lastWrite(insns, block.start, call.pc, INDEX_REG);
      const mov = index && lookupOpcode(index.insn);
      if (mov && mov.op === 'mov' && mov.source === 'K') site.index = index!.insn.imm;
      sites.push(site);
    }
  }
  return sites;
}

/**
 * The last instruction in [from, before) that has reg as an operand, unless a call (which
 * clobbers r1-r5) or an instruction we cannot read comes after it.
 */
function lastWrite(insns: readonly Insn[], from: number, before: number, reg: number): { pc: number; insn: Insn } | undefined {
  let found: { pc: number; insn: Insn } | undefined;
  forEachInsn(
    insns,
    (insn, pc, spec) => {
      if (spec === undefined || spec.flow === 'call') found = undefined;
      else if ((spec.uses.includes('dst') && insn.dst === reg) || (spec.uses.includes('src') && insn.src === reg)) found = { pc, insn };
    },
    from,
    before,
  );
  return found;
}
