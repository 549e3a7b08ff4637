import { jumpTarget, localCallTarget } from '../../isa/cfg.js';
import type { Insn } from '../../isa/insn.js';
import { BPF_PSEUDO_FUNC, isLdImm64, lookupOpcode } from '../../isa/opcodes.js';

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
  for (let pc = 0; pc < insns.length; pc++) {
    const insn = insns[pc]!;
    if (isLdImm64(insn) && insn.src === BPF_PSEUDO_FUNC) enter(pc + insn.imm + 1, { regs: 0, moved: 0, stack: new Set() });
  }
  while (work.length > 0) {
    const pc = work.pop()!;
    const insn = insns[pc]!;
    const s = states[pc]!;
    const flow = lookupOpcode(insn)?.flow ?? 'next';
    const width = isLdImm64(insn) ? 2 : 1;
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
  const cls = insn.code & 7;
  const mode = insn.code & 0xe0;
  if (cls === 1 && (mode === 0x60 || mode === 0x80)) return insn.src;
  if ((cls === 2 || cls === 3) && (mode === 0x60 || mode === 0xc0)) return insn.dst;
  return undefined;
}

function transfer(insn: Insn, s: State): State {
  const cls = insn.code & 7;
  const mode = insn.code & 0xe0;
  const bit = 1 << insn.dst;
  const clear = (mask: number): State => ({ regs: s.regs & ~mask, moved: s.moved & ~mask, stack: s.stack });
  switch (cls) {
    case 0: // ld_imm64 writes dst; LD_ABS/LD_IND write r0 and clobber r1-r5
      return clear(mode === 0 ? bit : CALLER_SAVED);
    case 1: {
      const fromSpill = insn.src === 10 && (insn.code & 0x18) === 0x18 && mode === 0x60 && s.stack.has(insn.off);
      return fromSpill ? { ...clear(bit), regs: s.regs | bit } : clear(bit);
    }
    case 2:
    case 3: {
      if (insn.dst !== 10) {
        const fetches = mode === 0xc0 && (insn.imm & 1) !== 0;
        return clear(!fetches ? 0 : insn.imm === 0xf1 ? 1 : 1 << insn.src); // cmpxchg writes r0
      }
      const size = [4, 2, 1, 8][(insn.code >> 3) & 3]!;
      const stack = new Set([...s.stack].filter((o) => o + 8 <= insn.off || o >= insn.off + size));
      const spill = cls === 3 && mode === 0x60 && size === 8 && (s.regs & (1 << insn.src)) !== 0;
      if (spill) stack.add(insn.off);
      return { regs: s.regs, moved: s.moved, stack };
    }
    case 4:
    case 7: {
      const op = insn.code & 0xf8;
      if (cls === 7 && op === 0xb8 && insn.off === 0 && (s.regs & (1 << insn.src)) !== 0) return { ...clear(bit), regs: s.regs | bit };
      // ctx += K or ctx -= K: still the context, but no longer a pointer the kernel lets a program dereference.
      const moves = cls === 7 && (op === 0x00 || op === 0x10) && (s.regs & bit) !== 0;
      return moves ? { ...clear(bit), moved: s.moved | bit } : clear(bit);
    }
    default: // jumps; helper calls clobber r0-r5
      return (insn.code & 0xf0) === 0x80 ? clear(CALLER_SAVED) : s;
  }
}

function meet(a: State, b: State): State {
  return { regs: a.regs & b.regs, moved: a.moved | b.moved, stack: new Set([...a.stack].filter((o) => b.stack.has(o))) };
}

function same(a: State, b: State): boolean {
  return a.regs === b.regs && a.moved === b.moved && a.stack.size === b.stack.size && [...a.stack].every((o) => b.stack.has(o));
}
