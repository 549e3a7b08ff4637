import { helperId, type Insn, SIZE_BYTES, lookupOpcode, opcodeNamed, regsWritten, callbackTarget, forEachInsn, jumpTarget, localCallTarget, slotCount } from '../../isa/index.js';

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
  forEachInsn(insns, (insn, pc) => {
    const callback = callbackTarget(insn, pc);
    if (callback !== undefined) enter(callback, empty());
  });
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
    if (flow !== 'goto') enter(pc + slotCount(insn), after);
  }
  const out = new Map<number, MapArg>();
  insns.forEach((insn, pc) => {
    const r1 = states[pc]?.regs[1];
    if (lookupOpcode(insn)?.call !== 'helper' || r1 === undefined) return;
    out.set(pc, r1 === SEVERAL ? 'several' : { map: Number(r1.slice(1)), inner: r1.startsWith('i') });
  });
  return out;
}

function transfer(insn: Insn, s: State, isMapOfMaps: (id: number) => boolean): State {
  const row = lookupOpcode(insn);
  if (!row) return s;
  const regs = s.regs.slice();
  let stack = s.stack;
  const written = regsWritten(row, insn);
  for (let r = 0; r < regs.length; r++) if (written & (1 << r)) regs[r] = undefined;
  if (row === LD_MAP_FD) regs[insn.dst] = `m${insn.imm}`;
  // A fill of an 8-byte stack slot keeps what was spilled; a plain 64-bit move keeps what it moves.
  else if (row === LDX_DW && insn.src === 10) regs[insn.dst] = s.stack.get(insn.off);
  else if (row === MOV64_REG) regs[insn.dst] = s.regs[insn.src];
  else if (row.call === 'helper') {
    // A lookup in a map of maps returns the inner map.
    const r1 = s.regs[1];
    if (insn.imm === LOOKUP && r1?.startsWith('m') && isMapOfMaps(Number(r1.slice(1)))) regs[0] = `i${r1.slice(1)}`;
  } else if (row.writes.includes('mem') && row.base !== undefined && insn[row.base] === 10) {
    const size = SIZE_BYTES[row.size!];
    const next = new Map([...s.stack].filter(([o]) => o + 8 <= insn.off || o >= insn.off + size));
    const spilled = row === STX_DW ? s.regs[insn.src] : undefined;
    if (spilled !== undefined) next.set(insn.off, spilled);
    stack = next;
  }
  return { regs, stack };
}

const LD_MAP_FD = opcodeNamed('lddw_map_fd');
const LDX_DW = opcodeNamed('ldxdw');
const STX_DW = opcodeNamed('stxdw');
const MOV64_REG = opcodeNamed('mov64_reg');

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
