import { jumpTarget, localCallTarget } from '../../isa/cfg.js';
import { helperId } from '../../isa/helpers.js';
import type { Insn } from '../../isa/insn.js';
import { BPF_HELPER_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_MAP_FD, isLdImm64, lookupOpcode } from '../../isa/opcodes.js';

/**
 * Which map each helper call's first argument is: the part of the verifier's register
 * tracking that do_misc_fixups needs (insn_aux_data's map_ptr_state). A register holds a
 * map after `ld_imm64 src 1` (`map[id:N]`), a move, an 8-byte spill and fill; a lookup
 * in a map of maps returns its inner map. A call that sees two maps on different paths
 * (or in different callers of its subprogram) is poisoned, as the kernel poisons it,
 * and keeps the generic helper.
 */
export type MapArg = { map: number; inner: boolean } | 'several';

/** A register's value: a map (by id), the inner map of one, or several. */
type Value = string | undefined;
const SEVERAL = '*';

interface State {
  regs: Value[];
  /** 8-byte stack slots (offsets from r10) holding a map. */
  stack: ReadonlyMap<number, string>;
}

const LOOKUP = helperId('map_lookup_elem')!;

/**
 * For each helper call, the map in r1 where one reaches it (an ld_imm64 src 1 holds the
 * map's id once loaded); `isMapOfMaps` says whose lookups return maps.
 */
export function mapArguments(insns: readonly Insn[], isMapOfMaps: (id: number) => boolean): Map<number, MapArg> {
  const states: (State | undefined)[] = new Array(insns.length);
  const work: number[] = [];
  const enter = (pc: number, s: State): void => {
    if (pc < 0 || pc >= insns.length) return;
    const old = states[pc];
    const next = old === undefined ? s : meet(old, s);
    if (old !== undefined && same(old, next)) return;
    states[pc] = next;
    work.push(pc);
  };
  const empty = (): State => ({ regs: new Array<Value>(11).fill(undefined), stack: new Map() });
  enter(0, empty());
  for (let pc = 0; pc < insns.length; pc++) {
    const insn = insns[pc]!;
    if (isLdImm64(insn) && insn.src === BPF_PSEUDO_FUNC) enter(pc + insn.imm + 1, empty());
  }
  while (work.length > 0) {
    const pc = work.pop()!;
    const insn = insns[pc]!;
    const s = states[pc]!;
    const flow = lookupOpcode(insn)?.flow ?? 'next';
    if (flow === 'exit') continue;
    const callee = localCallTarget(insn, pc, 'object');
    if (callee !== undefined) {
      enter(callee, { regs: s.regs.map((v, r) => (r >= 1 && r <= 5 ? v : undefined)), stack: new Map() });
      enter(pc + 1, { regs: s.regs.map((v, r) => (r <= 5 ? undefined : v)), stack: s.stack });
      continue;
    }
    const after = transfer(insn, s, isMapOfMaps);
    const target = jumpTarget(insn, pc);
    if (target !== undefined) enter(target, after);
    if (flow !== 'goto') enter(pc + (isLdImm64(insn) ? 2 : 1), after);
  }
  const out = new Map<number, MapArg>();
  insns.forEach((insn, pc) => {
    const r1 = states[pc]?.regs[1];
    if (insn.code !== 0x85 || insn.src !== BPF_HELPER_CALL || r1 === undefined) return;
    out.set(pc, r1 === SEVERAL ? 'several' : { map: Number(r1.slice(1)), inner: r1.startsWith('i') });
  });
  return out;
}

function transfer(insn: Insn, s: State, isMapOfMaps: (id: number) => boolean): State {
  const cls = insn.code & 7;
  const mode = insn.code & 0xe0;
  const regs = s.regs.slice();
  let stack = s.stack;
  switch (cls) {
    case 0: // ld_imm64; LD_ABS/LD_IND write r0 and clobber r1-r5
      if (mode !== 0) regs.fill(undefined, 0, 6);
      else regs[insn.dst] = insn.src === BPF_PSEUDO_MAP_FD ? `m${insn.imm}` : undefined;
      break;
    case 1: // a fill of an 8-byte stack slot keeps what was spilled
      regs[insn.dst] = insn.src === 10 && insn.code === 0x79 ? s.stack.get(insn.off) : undefined;
      break;
    case 2:
    case 3: {
      if (mode === 0xc0 && insn.imm & 1) regs[insn.imm === 0xf1 ? 0 : insn.src] = undefined; // fetching atomics
      if (insn.dst !== 10) break;
      const size = [4, 2, 1, 8][(insn.code >> 3) & 3]!;
      const next = new Map([...s.stack].filter(([o]) => o + 8 <= insn.off || o >= insn.off + size));
      const spilled = cls === 3 && insn.code === 0x7b ? s.regs[insn.src] : undefined;
      if (spilled !== undefined) next.set(insn.off, spilled);
      stack = next;
      break;
    }
    case 4:
    case 7:
      regs[insn.dst] = cls === 7 && insn.code === 0xbf && insn.off === 0 ? s.regs[insn.src] : undefined;
      break;
    default:
      if ((insn.code & 0xf0) === 0x80) {
        const r1 = s.regs[1];
        const inner = insn.src === BPF_HELPER_CALL && insn.imm === LOOKUP && r1?.startsWith('m') && isMapOfMaps(Number(r1.slice(1)));
        regs.fill(undefined, 0, 6);
        if (inner) regs[0] = `i${r1!.slice(1)}`;
      }
  }
  return { regs, stack };
}

function meetValue(a: Value, b: Value): Value {
  if (a === undefined) return b;
  if (b === undefined || a === b) return a;
  return SEVERAL;
}

function meet(a: State, b: State): State {
  const stack = new Map<number, string>();
  for (const o of new Set([...a.stack.keys(), ...b.stack.keys()])) stack.set(o, meetValue(a.stack.get(o), b.stack.get(o))!);
  return { regs: a.regs.map((v, r) => meetValue(v, b.regs[r])), stack };
}

function same(a: State, b: State): boolean {
  return a.regs.every((v, r) => v === b.regs[r]) && a.stack.size === b.stack.size && [...a.stack].every(([o, v]) => b.stack.get(o) === v);
}
