import { InsnError } from '../errors.js';
import type { DisasmDialect } from './disasm.js';
import type { Insn } from './insn.js';
import type { CallKind } from './opcode-parts.js';
import { lookupOpcode, printedAs, type OpcodeSpec } from './opcodes.js';
import { callbackTarget, forEachInsn, lastInsnIn, localCallTarget, secondSlots as secondSlotsOf, jumpTarget, type CallForm } from './slots.js';

export type { CallForm } from './slots.js';

export type EdgeKind = 'fallthrough' | 'jump';

export interface CfgEdge {
  kind: EdgeKind;
  /** Index of the successor block in its function's `blocks`. */
  to: number;
}

/** A basic block: instruction slots [start, end) of one function, entered only at start. */
export interface CfgBlock {
  start: number;
  end: number;
  /** Where control goes next; empty after an exit, or when the function's code runs out. */
  successors: CfgEdge[];
}

export type { CallKind } from './opcode-parts.js';

export interface CfgCall {
  pc: number;
  kind: CallKind;
  /** For a local call: the callee's first instruction. */
  target?: number;
  /** For helpers and kfuncs: the helper id or BTF id. */
  imm: number;
}

export interface CfgFunction {
  /** First instruction slot, and one past the last. */
  start: number;
  end: number;
  blocks: CfgBlock[];
  calls: CfgCall[];
}

export interface Cfg {
  /** In address order. */
  functions: CfgFunction[];
}

export interface CfgOptions {
  calls: CallForm;
  /**
   * Whose reading of jump offsets to follow: the ISA's (`linux-6.18`, the default) or
   * bpftool 7.1's, which takes every jump's offset from off, gotol's too.
   */
  dialect?: DisasmDialect;
  /**
   * Where functions start; by default 0, every bpf-to-bpf call target and every callback
   * reference target. Whatever is given, 0 is a start.
   */
  functionStarts?: readonly number[];
}

/** How control leaves an instruction, by the opcode table; what it does not know runs on. */
function specOf(insn: Insn): OpcodeSpec | undefined {
  return lookupOpcode(insn) ?? printedAs(insn);
}

/** 0, then every call target and callback reference, ascending. */
function defaultFunctionStarts(insns: readonly Insn[], form: CallForm): number[] {
  const starts = new Set([0]);
  forEachInsn(insns, (insn, pc) => {
    const call = localCallTarget(insn, pc, form) ?? callbackTarget(insn, pc);
    if (call !== undefined) starts.add(call);
  });
  return [...starts].sort((a, b) => a - b);
}

/**
 * Splits a program into functions and basic blocks. A block ends at a jump or an exit,
 * or before an instruction something jumps to; calls do not end blocks. A jump out of
 * its function, or into the middle of an ld_imm64, is an InsnError.
 */
export function buildCfg(insns: readonly Insn[], options: CfgOptions): Cfg {
  const starts = [...new Set([0, ...(options.functionStarts ?? defaultFunctionStarts(insns, options.calls))])].sort((a, b) => a - b);
  const secondSlots = secondSlotsOf(insns);
  for (const start of starts) {
    if (start < 0 || start >= insns.length || secondSlots.has(start)) throw new InsnError(`function start ${start} is not an instruction`, { pc: start });
  }
  const functions = starts.map((start, i) => buildFunction(insns, start, starts[i + 1] ?? insns.length, secondSlots, options));
  return { functions };
}

function buildFunction(insns: readonly Insn[], start: number, end: number, secondSlots: Set<number>, options: CfgOptions): CfgFunction {
  const leaders = new Set([start]);
  const calls: CfgCall[] = [];
  forEachInsn(insns, (insn, pc, row) => {
    const spec = row ?? printedAs(insn);
    const target = jumpTarget(insn, pc, options.dialect);
    if (target !== undefined) {
      if (target < start || target >= end) throw new InsnError(`jump to ${target}, outside its function [${start}, ${end})`, { pc });
      if (secondSlots.has(target)) throw new InsnError(`jump to ${target}, the middle of an ld_imm64`, { pc });
      leaders.add(target);
    }
    if (spec?.flow === 'goto' || spec?.flow === 'cond' || spec?.flow === 'exit') {
      const next = pc + spec.slots;
      if (next < end) leaders.add(next);
    }
    if (spec?.flow === 'call') calls.push(describeCall(insn, pc, spec, options.calls));
  }, start, end);
  const heads = [...leaders].sort((a, b) => a - b);
  const blockAt = new Map(heads.map((head, i) => [head, i]));
  const blocks: CfgBlock[] = heads.map((head, i) => ({ start: head, end: heads[i + 1] ?? end, successors: [] }));
  for (const block of blocks) {
    const last = lastInsnPc(insns, block);
    const insn = insns[last]!;
    const spec = specOf(insn);
    const next = blockAt.get(block.end);
    const target = jumpTarget(insn, last, options.dialect);
    if (spec?.flow !== 'goto' && spec?.flow !== 'exit' && next !== undefined) block.successors.push({ kind: 'fallthrough', to: next });
    if (target !== undefined) block.successors.push({ kind: 'jump', to: blockAt.get(target)! });
  }
  return { start, end, blocks, calls };
}

/** The first slot of a block's last instruction. */
export function lastInsnPc(insns: readonly Insn[], block: CfgBlock): number {
  return lastInsnIn(insns, block.start, block.end);
}

/** A call the table does not know by its src (an unknown src) is printed, and counted, as a helper call. */
function describeCall(insn: Insn, pc: number, spec: OpcodeSpec, form: CallForm): CfgCall {
  const kind: CallKind = spec.call ?? 'helper';
  if (kind === 'local') return { pc, kind, target: localCallTarget(insn, pc, form)!, imm: insn.imm };
  return { pc, kind, imm: insn.imm };
}
