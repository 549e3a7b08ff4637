import type { DisasmDialect } from './disasm.js';
import type { Insn } from './insn.js';
import type { CallKind } from './opcode-parts.js';
import { BPF_LD_IMM64, BPF_PSEUDO_FUNC, lookupOpcode, opcodeNamed, printedAs, type OpcodeSpec } from './opcodes.js';

/**
 * The one walk over a program's instructions: an ld_imm64 takes two slots, and where
 * jumps, bpf-to-bpf calls and callback references (ld_imm64 of a function) lead. Every
 * consumer that steps through instructions or follows a jump uses these.
 */

/**
 * Where a bpf-to-bpf call keeps its pc-relative offset: in imm as compiled (`object`),
 * or in off once a JITing kernel hands the program back (`xlated`, imm then holds the
 * callee's index). A callback reference (ld_imm64 src 4) keeps it in imm either way.
 */
export type CallForm = 'object' | 'xlated';

/** Slots the instruction takes: 2 for an ld_imm64 (whatever its src), else 1. */
export function slotCount(insn: Insn): 1 | 2 {
  return insn.code === BPF_LD_IMM64 ? 2 : 1;
}

/** Whether the instruction is a 16-byte ld_imm64 (whatever its src). */
export function isLdImm64(insn: Insn): boolean {
  return insn.code === BPF_LD_IMM64;
}

/**
 * Calls fn for each instruction in [from, to) (not for the second slot of an ld_imm64),
 * with its row (undefined for an opcode no row has).
 */
export function forEachInsn(
  insns: readonly Insn[],
  fn: (insn: Insn, pc: number, row: OpcodeSpec | undefined) => void,
  from = 0,
  to = insns.length,
): void {
  for (let pc = from; pc < to; ) {
    const insn = insns[pc]!;
    fn(insn, pc, lookupOpcode(insn));
    pc += slotCount(insn);
  }
}

/** The first slot of every instruction, in order. */
export function insnStarts(insns: readonly Insn[]): number[] {
  const starts: number[] = [];
  forEachInsn(insns, (_insn, pc) => starts.push(pc));
  return starts;
}

/** Whether a slot is a well-formed second half of an ld_imm64: nothing but imm. */
export function isSecondSlot(slot: Insn): boolean {
  return slot.code === 0 && slot.dst === 0 && slot.src === 0 && slot.off === 0;
}

/** The second slots of the ld_imm64s: no instruction starts there. */
export function secondSlots(insns: readonly Insn[]): Set<number> {
  const slots = new Set<number>();
  forEachInsn(insns, (insn, pc) => {
    if (isLdImm64(insn)) slots.add(pc + 1);
  });
  return slots;
}

/** The last instruction's first slot in [from, to). */
export function lastInsnIn(insns: readonly Insn[], from: number, to: number): number {
  let last = from;
  forEachInsn(insns, (_insn, pc) => (last = pc), from, to);
  return last;
}

const CALL_LOCAL = opcodeNamed('call_local');

/** The first instruction a bpf-to-bpf call reaches, or undefined for any other instruction. */
export function localCallTarget(insn: Insn, pc: number, form: CallForm): number | undefined {
  if (lookupOpcode(insn) !== CALL_LOCAL) return undefined;
  return pc + (form === 'xlated' ? insn.off : insn.imm) + 1;
}

/** What a call reaches (helper, bpf-to-bpf, kfunc, callx), or undefined for an instruction that is no call the table knows. */
export function callKind(insn: Insn): CallKind | undefined {
  return lookupOpcode(insn)?.call;
}

/** Whether the instruction is a callback reference: an ld_imm64 of a function (src 4). */
export function isCallbackRef(insn: Insn): boolean {
  return isLdImm64(insn) && insn.src === BPF_PSEUDO_FUNC;
}

/** The function a callback reference (ld_imm64 src 4) points at, or undefined for any other instruction. */
export function callbackTarget(insn: Insn, pc: number): number | undefined {
  return isCallbackRef(insn) ? pc + insn.imm + 1 : undefined;
}

/**
 * Where a jump goes, or undefined for an instruction that does not jump. bpftool 7.1's
 * dialect takes every jump's offset from off, gotol's too. An instruction no row has is
 * read as the row the kernel prints it as.
 */
export function jumpTarget(insn: Insn, pc: number, dialect: DisasmDialect = 'linux-6.18'): number | undefined {
  const row = lookupOpcode(insn) ?? printedAs(insn);
  const field = dialect === 'bpftool-7.1' ? (row?.target61 ?? row?.target) : row?.target;
  return field === undefined ? undefined : pc + insn[field] + 1;
}
