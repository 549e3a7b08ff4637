import type { OpcodeSpec } from '../../isa/index.js';
import { atomic32, atomic64 } from '../engine/atomics.js';
import { bswap16, bswap32, div32, mod32, sdiv32, sdivmod64, smod32, udivmod64 } from '../engine/int64.js';
import { MAY_GOTO_LOOPS, Stop, type Engine } from '../engine/machine.js';
import { EXECUTED_ROWS } from '../engine/executed.js';
import type { DecodedProgram } from '../engine/program.js';
import { emitterFor, jumpCondition, type Site } from './emit.js';

/**
 * The compiler: a decoded program once into JavaScript (an Engine, run as the interpreter
 * is run), which V8 then compiles to machine code. Basic blocks become the cases of a
 * switch on pc inside a loop, in one function or, for large programs, several (see
 * partition()); registers are local int32 pairs, loaded from the machine's arrays on entry
 * and written back whenever something else may look (helper calls, exits, the
 * interpreter taking over). It never imports the interpreter: what it leaves to one goes
 * to the Machine's fallback engine. Only numbers from the decoded program go into the source,
 * never its strings (fault reasons are looked up at run time), so no program can inject
 * code.
 *
 * The budget is charged once per block, for all its instructions (an lddw counting one,
 * a call ending its block so that a callback sees the budget the interpreter would).
 * A block that the remaining budget does not cover is left to the interpreter from its
 * first instruction: it runs the same instructions one by one and faults where the
 * budget ends (or earlier, where they fault), so faults and counts are the interpreter's.
 * An entry at a pc that starts no block (a callback address into the middle of one) is
 * the interpreter's too.
 */

export interface CompileOptions {
  readonly littleEndian: boolean;
  readonly stackSize: number;
  readonly maxFrames: number;
}

/** Longest block and (about) the most instructions one compiled function holds; see partition(). */
const MAX_BLOCK = 64;
const MAX_FUNCTION = 160;

/** What a compiled function returns when the pc it goes on at belongs to another one. */
const HAND_OVER = -1;

/** What the generated code uses besides its arguments. */
const RUNTIME = { atomic32, atomic64, bswap16, bswap32, div32, mod32, sdiv32, smod32, udivmod64, sdivmod64 };

/** r0-r10 and the kernel's scratch register r11 (BPF_REG_AX), which only load-time rewrites name. */
const REGS = Array.from({ length: 12 }, (_, r) => r);
const FLUSH = REGS.map((r) => `lo[${r}] = l${r}; hi[${r}] = h${r};`).join(' ');
const LOAD = REGS.map((r) => `l${r} = lo[${r}]; h${r} = hi[${r}];`).join(' ');
/** The current frame's stack as a DataView and as bytes, halves and words (see emit.ts). */
const STACK = `SV = stacks[depth].view; S8 = stacks[depth].bytes; S16 = m.stackHalves[depth]; S32 = m.stackWords[depth];`;

type Flow = 'jump' | 'cond' | 'call_local' | 'helper' | 'exit' | 'may_goto' | 'fault' | 'next';

/** How the compiled code leaves a row, by the row's jump kind; a slot without a row faults. */
function flowOf(row: OpcodeSpec | undefined): Flow {
  if (row === undefined) return 'fault';
  switch (row.flow) {
    case 'goto':
      return 'jump';
    case 'call':
      return row.call === 'local' ? 'call_local' : 'helper';
    case 'exit':
      return 'exit';
    case 'cond':
      return row.op === 'jcond' ? 'may_goto' : 'cond';
    case 'next':
      return 'next';
  }
}

// Every row the VM runs needs code here; a row the compiler cannot emit is a bug to catch at load.
const EMIT = new Map<OpcodeSpec, (x: Site) => string>();
for (const row of EXECUTED_ROWS) {
  const flow = flowOf(row);
  const emit = flow === 'next' ? emitterFor(row) : undefined;
  if (emit) EMIT.set(row, emit);
  if ((flow === 'next' && !emit) || (flow === 'cond' && !jumpCondition(row, { pc: 0, d: 0, s: 0, off: 0, imm: 0, imm2: 0, littleEndian: true, stackSize: 8 }))) {
    throw new Error(`the compiler has no code for ${row.name}`);
  }
}

interface Slot {
  readonly row: OpcodeSpec | undefined;
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
    const row = p.rows[pc];
    out.push({
      row,
      flow: flowOf(row),
      target: code[4 * pc + 3]!,
      next: pc + (row?.slots ?? 1),
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

/** First instructions of blocks: entries, jump and call targets, returns, what follows a block's end, and cuts of long runs. */
function leaders(p: DecodedProgram, all: readonly Slot[]): Set<number> {
  const starts = new Set<number>([0, ...p.callbacks]);
  for (const s of all) {
    if (s.flow === 'next') continue;
    starts.add(s.next);
    if (s.flow === 'jump' || s.flow === 'cond' || s.flow === 'call_local' || s.flow === 'may_goto') starts.add(s.target);
  }
  // Long straight runs are cut into blocks of MAX_BLOCK, so that functions can be cut between them.
  let run = 0;
  for (let pc = 0; pc < all.length; pc = all[pc]!.next) {
    if (starts.has(pc) || run === MAX_BLOCK) {
      starts.add(pc);
      run = 0;
    }
    run++;
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
      body.push(EMIT.get(s.row!)!(x));
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
        body.push(`if (${jumpCondition(s.row!, x)}) { pc = ${s.target}; continue; }`);
        fallsTo = s.next;
        break;
      case 'may_goto':
        // The kernel's may_goto: fall through while the frame's loop count lasts, then jump.
        body.push(`if (mayGoto[depth] === 0) { pc = ${s.target}; continue; } mayGoto[depth]--;`);
        fallsTo = s.next;
        break;
      case 'helper':
        if (s.row!.call === 'callx') body.push(`if (h${x.d} !== 0 || l${x.d} < 0) throw m.fault(${pc}, 'r${x.d} holds no helper id');`);
        body.push(
          `${FLUSH} m.budget = B; m.depth = depth; out = true; m.callHelper(${s.row!.call === 'callx' ? `l${x.d}` : x.imm}, ${pc}); out = false; ${LOAD} B = m.budget;`,
          `if (m.tailPending) return ${Stop.tailCall};`,
        );
        fallsTo = s.next;
        break;
      case 'call_local':
        body.push(
          `if (depth + 1 >= ${o.maxFrames}) throw m.fault(${pc}, "calls nest deeper than ${o.maxFrames} frames (the kernel's MAX_CALL_FRAMES)");`,
          `{ const at = depth * 10; ${[6, 7, 8, 9, 10].map((r, i) => `saved[at + ${i}] = l${r}; saved[at + ${5 + i}] = h${r};`).join(' ')} }`,
          `returnPc[depth] = ${s.next}; depth++;`,
          `{ const st = stacks[depth]; st.bytes.fill(0); l10 = st.size; h10 = st.slot; mayGoto[depth] = ${MAY_GOTO_LOOPS}; }`,
          `${STACK}`,
          `pc = ${s.target}; continue;`,
        );
        break;
      case 'exit':
        body.push(
          `if (depth === base) { ${FLUSH} m.budget = B; return ${Stop.exit}; }`,
          `depth--;`,
          `{ const at = depth * 10; ${[6, 7, 8, 9, 10].map((r, i) => `l${r} = saved[at + ${i}]; h${r} = saved[at + ${5 + i}];`).join(' ')} }`,
          `${STACK} pc = returnPc[depth]; continue;`,
        );
        break;
    }
    break;
  }
  // Leaving the switch is leaving for the interpreter (see programSource).
  const head = `case ${start}: if (B < ${count}) { pc = ${start}; break; } B -= ${count};`;
  return { code: [head, ...body].join('\n'), fallsTo };
}

/**
 * Splits the blocks (in pc order) into the functions they are compiled into, each of at
 * most about MAX_FUNCTION instructions. TurboFan's time grows faster than the code it
 * optimises, and past a size it does not optimise a function at all, so a large program
 * is compiled as several functions; a jump between them costs a return to the dispatcher.
 * Each cut is placed where the fewest jumps cross it, so that loops stay whole.
 */
function partition(ordered: readonly number[], all: readonly Slot[]): number[][] {
  const edges = all.filter((s) => s.flow === 'jump' || s.flow === 'cond' || s.flow === 'call_local' || s.flow === 'may_goto').map((s) => [Math.min(s.site.pc, s.target), Math.max(s.site.pc, s.target)] as const);
  const crossing = (cut: number) => edges.reduce((n, [a, b]) => n + (a < cut && cut <= b ? 1 : 0), 0);
  const out: number[][] = [];
  let i = 0;
  while (i < ordered.length) {
    const first = ordered[i]!;
    let j = i + 1;
    while (j < ordered.length && ordered[j]! - first <= MAX_FUNCTION) j++;
    if (j < ordered.length) {
      let best = j;
      let cost = Infinity;
      for (let k = j; k > i + 1 && ordered[k]! - first > MAX_FUNCTION / 2; k--) {
        const c = crossing(ordered[k]!);
        if (c < cost) [best, cost] = [k, c];
      }
      j = best;
    }
    out.push(ordered.slice(i, j));
    i = j;
  }
  return out;
}

/**
 * One compiled function: the blocks given as the cases of a switch on pc in a loop. A pc
 * of another function's hands over to the dispatcher (HAND_OVER, with m.resume); a block
 * the budget does not cover breaks out of the switch to the interpreter.
 */
function functionSource(blocks: readonly number[], all: readonly Slot[], starts: ReadonlySet<number>, o: CompileOptions): string {
  const cases: string[] = [];
  blocks.forEach((start, i) => {
    const { code, fallsTo } = emitBlock(all, start, starts, o);
    cases.push(code);
    // Falling into the next case is the next block only when that one starts there.
    if (fallsTo !== undefined && blocks[i + 1] !== fallsTo) cases.push(`pc = ${fallsTo}; continue;`);
  });
  return [
    `const lo = m.lo, hi = m.hi, R = m.regions, stacks = m.stacks, saved = m.saved, returnPc = m.returnPc, mayGoto = m.mayGoto;`,
    `let ${REGS.map((r) => `l${r} = lo[${r}], h${r} = hi[${r}]`).join(', ')};`,
    // out: the registers in the machine are the current ones (a helper or the interpreter has them).
    `let B = m.budget, SV, S8, S16, S32, out = false;`,
    STACK,
    `try {`,
    `for (;;) {`,
    `switch (pc) {`,
    ...cases,
    `default: ${FLUSH} m.budget = B; m.depth = depth; m.resume = pc; return ${HAND_OVER};`,
    `}`,
    `${FLUSH} m.budget = B; out = true; return m.fallback(p, m, pc, depth, base);`,
    `}`,
    // A fault leaves the registers as the interpreter would: as they were before the faulting instruction.
    `} catch (e) { if (!out) { ${FLUSH} } throw e; }`,
  ].join('\n');
}

/**
 * The program's JavaScript: the body of a function of the runtime (rt) that returns the
 * Engine, a dispatcher over the compiled functions. A pc no block starts at (a callback
 * entered in the middle of a block) goes to the interpreter.
 */
export function programSource(p: DecodedProgram, o: CompileOptions): string {
  const all = slots(p, o);
  const starts = leaders(p, all);
  const ordered = [...starts].filter((pc) => pc < all.length).sort((a, b) => a - b);
  const parts = partition(ordered, all);
  const owner = new Int32Array(all.length).fill(-1);
  parts.forEach((blocks, f) => blocks.forEach((start) => (owner[start] = f)));
  return [
    `"use strict";`,
    `const { ${Object.keys(RUNTIME).join(', ')} } = rt;`,
    `const SL = new Int32Array(1), SH = new Int32Array(1);`,
    `const owner = new Int32Array([${owner.join(',')}]);`,
    `const parts = [`,
    ...parts.map((blocks, f) => `function part${f}(p, m, pc, depth, base) {\n${functionSource(blocks, all, starts, o)}\n},`),
    `];`,
    `return function bpf(p, m, pc, depth, base) {`,
    `  for (;;) {`,
    `    const f = pc < owner.length ? owner[pc] : -1;`,
    `    if (f < 0) return m.fallback(p, m, pc, depth, base);`,
    `    const stop = parts[f](p, m, pc, depth, base);`,
    `    if (stop !== ${HAND_OVER}) return stop;`,
    `    pc = m.resume;`,
    `    depth = m.depth;`,
    `  }`,
    `};`,
  ].join('\n');
}

/**
 * Compiled engines by their source. The source holds everything the engine depends on
 * (the program's decoded words, byte order, stack size, frames), so Vms of the same
 * program (one per runtime, per engine test, per tail-call target) share one function,
 * and V8's optimised code with it. The oldest go first once the sources held pass
 * CACHE_CHARS.
 */
const cache = new Map<string, Engine>();
const CACHE_CHARS = 16 * 1024 * 1024;
let cachedChars = 0;

/** Compiles the program into an Engine, or finds it compiled already. */
export function compileProgram(p: DecodedProgram, o: CompileOptions): Engine {
  const source = programSource(p, o);
  let engine = cache.get(source);
  if (!engine) {
    engine = (new Function('rt', source) as (rt: typeof RUNTIME) => Engine)(RUNTIME);
    for (const old of cache.keys()) {
      if (cachedChars + source.length <= CACHE_CHARS) break;
      cache.delete(old);
      cachedChars -= old.length;
    }
    cache.set(source, engine);
    cachedChars += source.length;
  }
  return engine;
}
