import { type Insn, SIZE_BYTES, lookupOpcode, regsWritten, callbackTarget, forEachInsn, jumpTarget, localCallTarget, slotCount } from '../../isa/index.js';

/**
 * Where the context pointer is: the part of the verifier's register tracking that
 * convert_ctx_accesses needs. The entry's r1 is the context; moves copy it, 8-byte
 * spills to the stack keep it, calls clobber r0-r5, and a bpf-to-bpf callee receives it
 * in whichever of r1-r5 every caller passes it. A register holds the context at an
 * instruction only if it does on every path there, as the kernel refuses an instruction
 * that sees the context on one path and something else on another.
 */
interface State {
  regs: number;
  /** Registers holding the context plus a constant: the kernel refuses any access through them. */
  moved: number;
  /** Stack offsets (from r10) of 8-byte slots holding the context. */
  stack: ReadonlySet<number>;
}

const CALLER_SAVED = 0b111111; // r0-r5
const ARGS = 0b111110; // r1-r5

export type Access = 'ctx' | 'moved' | undefined;

/**
 * For each pc, whether its load or store goes through a register holding the context
 * (`ctx`), or the context moved by a constant (`moved`, which the verifier refuses).
 */
export function contextAccesses(insns: readonly Insn[]): Access[] {
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
  enter(0, { regs: 1 << 1, moved: 0, stack: new Set() });
  // Callbacks (ld_imm64 src 4) are entered by helpers with arguments that are not the context.
  forEachInsn(insns, (insn, pc) => {
    const callback = callbackTarget(insn, pc);
    if (callback !== undefined) enter(callback, { regs: 0, moved: 0, stack: new Set() });
  });
  while (work.length > 0) {
    const pc = work.pop()!;
    const insn = insns[pc]!;
    const s = states[pc]!;
    const flow = lookupOpcode(insn)?.flow ?? 'next';
    const width = slotCount(insn);
    if (flow === 'exit') continue;
    const callee = localCallTarget(insn, pc, 'object');
    if (callee !== undefined) {
      enter(callee, { regs: s.regs & ARGS, moved: 0, stack: new Set() });
      enter(pc + 1, { regs: s.regs & ~CALLER_SAVED, moved: s.moved & ~CALLER_SAVED, stack: s.stack });
      continue;
    }
    const after = transfer(insn, s);
    const target = jumpTarget(insn, pc);
    if (target !== undefined) enter(target, after);
    if (flow !== 'goto') enter(pc + width, after);
  }
  return insns.map((insn, pc) => {
    const s = states[pc];
    const base = memoryBase(insn);
    if (s === undefined || base === undefined) return undefined;
    if (s.regs & (1 << base)) return 'ctx';
    return s.moved & (1 << base) ? 'moved' : undefined;
  });
}

/** The register a load, store or atomic addresses memory through, if the instruction is one. */
export function memoryBase(insn: Insn): number | undefined {
  const base = lookupOpcode(insn)?.base;
  return base === undefined ? undefined : insn[base];
}

function transfer(insn: Insn, s: State): State {
  const row = lookupOpcode(insn);
  if (!row) return s;
  const bit = 1 << insn.dst;
  const clear = (mask: number): State => ({ regs: s.regs & ~mask, moved: s.moved & ~mask, stack: s.stack });
  const ctxIn = (reg: number) => (s.regs & (1 << reg)) !== 0;
  // A fill of an 8-byte stack slot holding the context, or a plain 64-bit move of it, keeps it.
  const fill = row.cls === 'ldx' && row.mode === 'MEM' && row.size === 'DW' && insn.src === 10 && s.stack.has(insn.off);
  const move = row.cls === 'alu64' && row.op === 'mov' && row.source === 'X' && insn.off === 0 && ctxIn(insn.src);
  if (fill || move) return { ...clear(bit), regs: s.regs | bit };
  // ctx += K or ctx -= K: still the context, but no longer a pointer the kernel lets a program dereference.
  if (row.cls === 'alu64' && (row.op === 'add' || row.op === 'sub') && row.source === 'K' && ctxIn(insn.dst)) return { ...clear(bit), moved: s.moved | bit };
  const after = clear(regsWritten(row, insn));
  if (!row.writes.includes('mem') || row.base === undefined || insn[row.base] !== 10) return after;
  // A store to the stack overwrites the slots it overlaps; an 8-byte store of the context spills it.
  const size = SIZE_BYTES[row.size!];
  const stack = new Set([...s.stack].filter((o) => o + 8 <= insn.off || o >= insn.off + size));
  if (row.cls === 'stx' && row.mode === 'MEM' && size === 8 && ctxIn(insn.src)) stack.add(insn.off);
  return { ...after, stack };
}

function meet(a: State, b: State): State {
  return { regs: a.regs & b.regs, moved: a.moved | b.moved, stack: new Set([...a.stack].filter((o) => b.stack.has(o))) };
}

function same(a: State, b: State): boolean {
  return a.regs === b.regs && a.moved === b.moved && a.stack.size === b.stack.size && [...a.stack].every((o) => b.stack.has(o));
}
