import { atomic32, atomic64 } from '../interpreter/atomics.js';
import { execute, MAY_GOTO_LOOPS, Stop, type Engine } from '../interpreter/execute.js';
import { bswap16, bswap32, div32, mod32, sdiv32, sdivmod64, smod32, udivmod64 } from '../interpreter/int64.js';
import { OP_NAMES, type RowOp } from '../interpreter/op.js';
import type { DecodedProgram } from '../interpreter/program.js';
import { EMIT, jumpCondition, type Site } from './emit.js';

/**
 * The compiler: a decoded program once into one JavaScript function (an Engine, run as
 * the interpreter is run), which V8 then compiles to machine code. Basic blocks become
 * the cases of a switch on pc inside a loop; registers are local int32 pairs, loaded from
 * the machine's arrays on entry and written back whenever something else may look
 * (helper calls, exits, the interpreter taking over).
 *
 * The budget is charged once per block, for all its instructions (an lddw counting one,
 * a call ending its block so that a callback sees the budget the interpreter would).
 * A block that the remaining budget does not cover is left to the interpreter from its
 * first instruction: it runs the same instructions one by one and faults where the
 * budget ends (or earlier, where they fault), so faults and counts are the interpreter's.
 * The same hand-over serves entries at a pc that starts no block.
 */

export interface CompileOptions {
  readonly littleEndian: boolean;
  readonly stackSize: number;
  readonly maxFrames: number;
}

/** What the generated code uses besides its arguments. */
const RUNTIME = { execute, atomic32, atomic64, bswap16, bswap32, div32, mod32, sdiv32, smod32, udivmod64, sdivmod64 };

const REGS = Array.from({ length: 11 }, (_, r) => r);
const FLUSH = REGS.map((r) => `lo[${r}] = l${r}; hi[${r}] = h${r};`).join(' ');
const LOAD = REGS.map((r) => `l${r} = lo[${r}]; h${r} = hi[${r}];`).join(' ');

type Flow = 'jump' | 'cond' | 'call_local' | 'helper' | 'exit' | 'may_goto' | 'fault' | 'next';

function flowOf(name: RowOp | undefined): Flow {
  if (name === undefined) return 'fault';
  switch (name) {
    case 'ja':
    case 'gotol':
      return 'jump';
    case 'call_local':
      return 'call_local';
    case 'call_helper':
    case 'callx':
      return 'helper';
    case 'exit':
      return 'exit';
    case 'may_goto':
      return 'may_goto';
    default:
      return /^j/.test(name) ? 'cond' : 'next';
  }
}

interface Slot {
  readonly name: RowOp | undefined;
  readonly flow: Flow;
  readonly site: Site;
  /** Where a jump or call goes. */
  readonly target: number;
  /** The next instruction: two slots on for an lddw. */
  readonly next: number;
}

function slots(p: DecodedProgram, o: CompileOptions): Slot[] {
  const { code } = p;
  const out: Slot[] = [];
  // One slot past the program: the fault for running off its end.
  for (let pc = 0; pc <= p.insns.length; pc++) {
    const w = code[4 * pc]!;
    const op = w & 255;
    const name = p.faults.has(pc) ? undefined : OP_NAMES[op];
    out.push({
      name,
      flow: flowOf(name),
      target: code[4 * pc + 3]!,
      next: name === 'lddw' ? pc + 2 : pc + 1,
      site: {
        pc,
        d: (w >> 8) & 15,
        s: w >>> 12,
        off: code[4 * pc + 1]!,
        imm: code[4 * pc + 2]!,
        imm2: code[4 * pc + 6] ?? 0,
        littleEndian: o.littleEndian,
        stackSize: o.stackSize,
      },
    });
  }
  return out;
}

/** First instructions of blocks: entries, jump and call targets, returns, and what follows a block's end. */
function leaders(p: DecodedProgram, all: readonly Slot[]): Set<number> {
  const starts = new Set<number>([0, ...p.callbacks]);
  for (const s of all) {
    if (s.flow === 'next') continue;
    starts.add(s.next);
    if (s.flow === 'jump' || s.flow === 'cond' || s.flow === 'call_local' || s.flow === 'may_goto') starts.add(s.target);
  }
  return starts;
}

function emitBlock(all: readonly Slot[], start: number, starts: ReadonlySet<number>, o: CompileOptions): { code: string; fallsTo: number | undefined } {
  const body: string[] = [];
  let count = 0;
  let pc = start;
  let fallsTo: number | undefined;
  for (;;) {
    const s = all[pc]!;
    const x = s.site;
    count++;
    if (s.flow === 'next') {
      body.push(EMIT[s.name!]!(x));
      if (starts.has(s.next) || s.next >= all.length) {
        fallsTo = s.next;
        break;
      }
      pc = s.next;
      continue;
    }
    switch (s.flow) {
      case 'fault':
        body.push(`throw m.fault(${pc}, p.faults.get(${pc}));`);
        break;
      case 'jump':
        body.push(`pc = ${s.target}; continue;`);
        break;
      case 'cond':
        body.push(`if (${jumpCondition(s.name!, x)}) { pc = ${s.target}; continue; }`);
        fallsTo = s.next;
        break;
      case 'may_goto':
        // The kernel's may_goto: fall through while the frame's loop count lasts, then jump.
        body.push(`if (mayGoto[depth] === 0) { pc = ${s.target}; continue; } mayGoto[depth]--;`);
        fallsTo = s.next;
        break;
      case 'helper':
        if (s.name === 'callx') body.push(`if (h${x.d} !== 0 || l${x.d} < 0) throw m.fault(${pc}, 'r${x.d} holds no helper id');`);
        body.push(
          `${FLUSH} m.budget = B; m.depth = depth; m.callHelper(${s.name === 'callx' ? `l${x.d}` : x.imm}, ${pc}); ${LOAD} B = m.budget;`,
          `if (m.tailPending) return ${Stop.tailCall};`,
        );
        fallsTo = s.next;
        break;
      case 'call_local':
        body.push(
          `if (depth + 1 >= ${o.maxFrames}) throw m.fault(${pc}, "calls nest deeper than ${o.maxFrames} frames (the kernel's MAX_CALL_FRAMES)");`,
          `{ const at = depth * 10; ${[6, 7, 8, 9, 10].map((r, i) => `saved[at + ${i}] = l${r}; saved[at + ${5 + i}] = h${r};`).join(' ')} }`,
          `returnPc[depth] = ${s.next}; depth++;`,
          `{ const st = stacks[depth]; st.bytes.fill(0); l10 = st.size; h10 = st.slot; SV = st.view; mayGoto[depth] = ${MAY_GOTO_LOOPS}; }`,
          `pc = ${s.target}; continue;`,
        );
        break;
      case 'exit':
        body.push(
          `if (depth === base) { ${FLUSH} m.budget = B; return ${Stop.exit}; }`,
          `depth--;`,
          `{ const at = depth * 10; ${[6, 7, 8, 9, 10].map((r, i) => `l${r} = saved[at + ${i}]; h${r} = saved[at + ${5 + i}];`).join(' ')} }`,
          `SV = stacks[depth].view; pc = returnPc[depth]; continue;`,
        );
        break;
    }
    break;
  }
  // Leaving the switch is leaving for the interpreter (see programSource).
  const head = `case ${start}: if (B < ${count}) { pc = ${start}; break; } B -= ${count};`;
  return { code: [head, ...body].join('\n'), fallsTo };
}

/** The program's JavaScript: the body of a function of (p, m, pc, depth, base), as an Engine. */
export function programSource(p: DecodedProgram, o: CompileOptions): string {
  const all = slots(p, o);
  const starts = leaders(p, all);
  const ordered = [...starts].filter((pc) => pc < all.length).sort((a, b) => a - b);
  const cases: string[] = [];
  ordered.forEach((start, i) => {
    const { code, fallsTo } = emitBlock(all, start, starts, o);
    cases.push(code);
    // Falling into the next case is the next block only when that one starts there.
    if (fallsTo !== undefined && ordered[i + 1] !== fallsTo) cases.push(`pc = ${fallsTo}; continue;`);
  });
  return [
    `const lo = m.lo, hi = m.hi, R = m.regions, stacks = m.stacks, saved = m.saved, returnPc = m.returnPc, mayGoto = m.mayGoto;`,
    `let ${REGS.map((r) => `l${r} = lo[${r}], h${r} = hi[${r}]`).join(', ')};`,
    `let B = m.budget, SV = stacks[depth].view;`,
    `for (;;) {`,
    `switch (pc) {`,
    ...cases,
    `}`,
    `${FLUSH} m.budget = B; return INTERP(p, m, pc, depth, base);`,
    `}`,
  ].join('\n');
}

/** Compiles the program into an Engine. */
export function compileProgram(p: DecodedProgram, o: CompileOptions): Engine {
  const source = programSource(p, o);
  const names = Object.keys(RUNTIME);
  const factory = new Function(
    'rt',
    `"use strict";\nconst { ${names.join(', ')} } = rt;\nconst INTERP = execute;\nconst SL = new Int32Array(1), SH = new Int32Array(1);\nreturn function bpf(p, m, pc, depth, base) {\n${source}\n};`,
  ) as (rt: typeof RUNTIME) => Engine;
  return factory(RUNTIME);
}
