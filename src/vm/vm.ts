import { VmFault } from '../errors.js';
import { disasmInsn, helperName, type Insn, callbackTarget, type CallForm } from '../isa/index.js';
import { createMachine, MAX_BPF_STACK, MAX_CALL_FRAMES, MAX_TAIL_CALL_CNT, MAY_GOTO_LOOPS, Stop, type Engine, type Machine } from './engine/machine.js';
import { callbackAddress, decodeProgram, type DecodedProgram } from './engine/program.js';
import { Registers } from './engine/registers.js';
import { INTERPRETER_DISPATCH } from './interpreter/dispatch.js';
import { execute } from './interpreter/execute.js';
import { compileProgram } from './jit/compile.js';
import { AddressSpace } from './memory/address-space.js';

export { MAX_BPF_STACK, MAX_CALL_FRAMES, MAX_TAIL_CALL_CNT } from './engine/machine.js';
export { Registers } from './engine/registers.js';
export { AddressSpace, type Access, type Region } from './memory/address-space.js';

/**
 * A helper the program may call (`call N`, or `callx` through a register holding N). It
 * reads its arguments from r1-r5 and returns r0 as an unsigned or signed 64-bit value;
 * it may read and write guest memory through `vm.memory`, whose bad accesses fault the
 * program at the call.
 */
export type Helper = (regs: Registers, vm: Vm) => bigint;

/** Helpers by id: a Map, or an object keyed by id. */
export type HelperTable = ReadonlyMap<number, Helper> | Readonly<Record<number, Helper>>;

/**
 * How programs run: `jit` translates the program at its first run into JavaScript that
 * V8 compiles to machine code, `interpreter` decodes it and runs one instruction at a
 * time (the reference), `auto` interprets until the program has run enough to repay the
 * compiling (see COMPILE_AFTER), then compiles. All give the same results, faults and
 * executed counts.
 */
export type EngineName = 'jit' | 'interpreter' | 'auto';

/**
 * Instructions an `auto` Vm interprets, per instruction of its program (at least
 * MIN_FUNCTION_LENGTH), before it compiles. V8 optimises the compiled JavaScript in the
 * background, taking about as long per BPF instruction as the interpreter takes for a
 * few thousand; until it is done the compiled code runs slower than the interpreter. A
 * program run once, or a large one run a few times, is better off interpreted.
 */
export const COMPILE_AFTER = 4096;
const MIN_FUNCTION_LENGTH = 64;

export interface VmOptions {
  helpers?: HelperTable;
  /** Instructions one run may execute before it faults; 1,000,000 unless given. */
  budget?: number;
  /**
   * Where bpf-to-bpf calls keep their offset: in imm as compiled and as the assembler
   * writes them (`object`, the default), or in off as `LoadedProgram.xlated` has them.
   */
  callForm?: CallForm;
  /** The program's byte order (loads, stores, le/be); little-endian unless false. */
  littleEndian?: boolean;
  /** Nested frames, the entry function included: the kernel's MAX_CALL_FRAMES, 8. */
  maxFrames?: number;
  /** Bytes of stack per frame: the kernel's MAX_BPF_STACK, 512. */
  stackSize?: number;
  /** Named in faults. */
  program?: string;
  /**
   * The address space to run in, shared by the programs of one object so that what one
   * maps (map values, global data, packets) all see; a new one unless given. Each Vm maps
   * its own stacks into it.
   */
  memory?: AddressSpace;
  /** `auto` unless given. */
  engine?: EngineName;
}

export interface RunResult {
  /** r0 at exit, as an unsigned 64-bit value. */
  r0: bigint;
  /** Instructions executed, each helper call counting as one. */
  executed: number;
}

export const DEFAULT_BUDGET = 1_000_000;

/**
 * The in-process VM: runs one program, decoded once, any number of times. Each run
 * starts with zeroed registers and stack, r1-r5 from the arguments and r10 at the top
 * of the entry frame's stack; it ends at the entry function's exit with r0, or with a
 * VmFault naming the instruction (pc and text) and what went wrong. An instruction
 * budget stops programs that do not end. Nothing a program does reaches the host: every
 * load and store is checked against the regions mapped in `memory`.
 *
 * A run may leave the program by a tail call (a helper calling `tailCall`), continuing
 * in another Vm, or call back into it (`callFunction`); the state of the run (registers,
 * frames, budget) moves with it, so the run's result is read where it started.
 */
export class Vm {
  readonly memory: AddressSpace;
  readonly registers: Registers;
  readonly engine: EngineName;
  private readonly program: DecodedProgram;
  private readonly machine: Machine;
  private readonly helpers: ReadonlyMap<number, Helper>;
  private readonly budget: number;
  private readonly name: string | undefined;
  private readonly stackSize: number;
  /** The compiled program, made at the first run on the jit engine (or once hot, on auto). */
  private compiled: Engine | undefined;
  private executedSoFar = 0;
  private runsSoFar = 0;
  /** The slot of the program's (empty) code region, which callback addresses point into; 0 until needed. */
  private codeSlot = 0;
  /** A run() of this Vm is under way. */
  private running = false;
  /** Engines of this Vm on the JS stack (more than one when a helper runs a callback). */
  private active = 0;
  private tailTarget: Vm | undefined;

  constructor(insns: readonly Insn[], options: VmOptions = {}) {
    this.memory = options.memory ?? new AddressSpace();
    this.name = options.program;
    this.engine = options.engine ?? 'auto';
    if (!['jit', 'interpreter', 'auto'].includes(this.engine)) throw new RangeError(`engine ${String(this.engine)}: use jit, interpreter or auto`);
    if (insns.some((insn, pc) => callbackTarget(insn, pc) !== undefined)) this.mapCode();
    this.program = decodeProgram(insns, options.callForm ?? 'object', INTERPRETER_DISPATCH, this.codeSlot);
    this.helpers = toMap(options.helpers);
    this.budget = options.budget ?? DEFAULT_BUDGET;
    const maxFrames = options.maxFrames ?? MAX_CALL_FRAMES;
    const stackSize = options.stackSize ?? MAX_BPF_STACK;
    if (!Number.isInteger(maxFrames) || maxFrames < 1) throw new RangeError('maxFrames must be a positive integer');
    if (!Number.isInteger(stackSize) || stackSize < 8 || stackSize % 8 !== 0) throw new RangeError('stackSize must be a positive multiple of 8');
    this.stackSize = stackSize;
    const lo = new Int32Array(16);
    const hi = new Int32Array(16);
    this.registers = new Registers(lo, hi, () => this.active > 0);
    this.machine = createMachine(this.memory, { lo, hi, maxFrames, stackSize, littleEndian: options.littleEndian ?? true, limit: this.budget }, {
      callHelper: (id, pc) => this.callHelper(id, pc),
      memoryFault: (pc, h, l, off, size, write) => this.memoryFault(pc, h, l, off, size, write),
      fault: (pc, reason) => this.fault(pc, reason),
      fallback: execute,
    });
  }

  /** Runs that have ended at the exit, and the instructions they executed (as the kernel's run_cnt; for `auto` and benchmarks). */
  get runs(): number {
    return this.runsSoFar;
  }

  get executedInAll(): number {
    return this.executedSoFar;
  }

  /** The engine the next run starts on: `auto` moves from the interpreter to the jit. */
  get runsOn(): 'jit' | 'interpreter' {
    return this.compiles() ? 'jit' : 'interpreter';
  }

  /** Maps bytes into the VM (not a copy) and returns their address, e.g. for r1. */
  map(name: string, bytes: Uint8Array, access: 'r' | 'rw' = 'rw'): bigint {
    return this.memory.map(name, bytes, access);
  }

  /** Runs the program with r1, r2, ... set from args. */
  run(args: readonly (bigint | number)[] = []): RunResult {
    if (this.running || this.active > 0) throw new VmFault('the VM is already running (a helper may not run it again)');
    if (args.length > 5) throw new RangeError('a program takes at most five arguments (r1-r5)');
    const m = this.machine;
    m.lo.fill(0);
    m.hi.fill(0);
    for (let i = 0; i < args.length; i++) this.registers.set(i + 1, args[i]!);
    this.enterFrame(m, 0);
    m.limit = this.budget;
    m.budget = this.budget;
    m.tailCalls = 0;
    m.depth = 0;
    this.running = true;
    try {
      this.drive(0, 0);
    } finally {
      this.running = false;
    }
    const executed = this.budget - m.budget;
    this.executedSoFar += executed;
    this.runsSoFar++;
    return { r0: this.registers.get(0), executed };
  }

  /**
   * For bpf_tail_call, from a helper of the running program: when the helper returns,
   * the run goes on at target's first instruction in place of the current function (r1
   * as it is, the frame pointer at target's stack), returning where the replaced
   * function would have returned. True if so; false once the run has made the kernel's
   * 33 tail calls, and the program goes on after the call.
   */
  tailCall(target: Vm): boolean {
    if (this.active === 0) throw new Error('tailCall is for helpers of a running program');
    const m = this.machine;
    if (m.tailCalls >= MAX_TAIL_CALL_CNT) return false;
    // Its machine holds the state of a run further down the JS stack, which a tail call would overwrite.
    if (target !== this && target.active > 0) throw new VmFault(`the tail call target ${target.name ?? '(unnamed)'} is running below this helper`);
    if (m.depth >= target.machine.maxFrames) throw new VmFault(`the tail call target has only ${target.machine.maxFrames} frames`);
    m.tailCalls++;
    m.tailPending = true;
    this.tailTarget = target;
    return true;
  }

  /**
   * The address an ld_imm64 of the function at pc (src 4, BPF_PSEUDO_FUNC) loads: for
   * helpers that take callbacks, and what callFunction takes.
   */
  functionAddress(pc: number): bigint {
    if (!Number.isInteger(pc) || pc < 0 || pc >= this.program.insns.length || this.program.secondSlots.has(pc)) {
      throw new RangeError(`no instruction of the program starts at ${pc}`);
    }
    if (this.codeSlot === 0) this.mapCode();
    const { hi, lo } = callbackAddress(this.codeSlot, pc);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /**
   * Calls the function at address (from functionAddress, or a register a callback
   * address was loaded into) with r1-r5 = args, in a new frame above the helper's
   * caller, and returns its r0. For helpers of the running program (bpf_loop,
   * for_each_map_elem); the run's budget and frame limit count the callback's work.
   */
  callFunction(address: bigint, args: readonly (bigint | number)[]): bigint {
    if (this.active === 0) throw new Error('callFunction is for helpers of a running program');
    if (args.length > 5) throw new RangeError('a function takes at most five arguments (r1-r5)');
    const a = BigInt.asUintN(64, address);
    const pc = Number(a & 0xffffffffn) / 8;
    if (this.codeSlot === 0 || Number(a >> 32n) !== this.codeSlot || !Number.isInteger(pc) || pc >= this.program.insns.length || this.program.secondSlots.has(pc)) {
      throw new VmFault(`0x${a.toString(16)} is not the address of a function of ${this.name ?? 'the program'}`);
    }
    const m = this.machine;
    const depth = m.depth + 1;
    if (depth >= m.maxFrames) throw new VmFault(`the callback would nest calls deeper than ${m.maxFrames} frames (the kernel's MAX_CALL_FRAMES)`);
    const lo = m.lo.slice();
    const hi = m.hi.slice();
    for (let r = 1; r <= 5; r++) {
      m.lo[r] = m.hi[r] = 0;
      if (r <= args.length) this.registers.set(r, args[r - 1]!);
    }
    this.enterFrame(m, depth);
    this.drive(pc, depth);
    const r0 = this.registers.get(0);
    m.lo.set(lo);
    m.hi.set(hi);
    m.depth = depth - 1;
    return r0;
  }

  private mapCode(): void {
    const base = this.memory.map(`code of ${this.name ?? 'the program'}`, new Uint8Array(0), 'r');
    this.codeSlot = Number(base >> 32n);
  }

  /** A fresh frame at depth: zeroed stack, r10 at its top, the may_goto count full. */
  private enterFrame(m: Machine, depth: number): void {
    const stack = m.stacks[depth]!;
    stack.bytes.fill(0);
    m.lo[10] = stack.size;
    m.hi[10] = stack.slot;
    m.mayGoto[depth] = MAY_GOTO_LOOPS;
  }

  private compiles(): boolean {
    if (this.engine === 'auto') return this.executedSoFar >= COMPILE_AFTER * Math.max(MIN_FUNCTION_LENGTH, this.program.insns.length);
    return this.engine === 'jit';
  }

  private engineFn(): Engine {
    if (this.compiled) return this.compiled;
    if (!this.compiles()) return execute;
    this.compiled = compileProgram(this.program, { littleEndian: this.machine.littleEndian, stackSize: this.stackSize, maxFrames: this.machine.maxFrames });
    return this.compiled;
  }

  /**
   * Runs from pc in frame depth until the function entered there exits, following tail
   * calls (into this Vm or others) and returning from a tail-called function into the
   * frame below it, whose program may be another. Leaves the run's state in this Vm.
   */
  private drive(pc: number, depth: number): void {
    // Programs whose frames below the current function's are still to return to (tail calls from subprograms).
    let below: { vm: Vm; base: number }[] | undefined;
    let vm: Vm = this;
    let base = depth;
    for (;;) {
      const m = vm.machine;
      vm.active++;
      let stop: Stop;
      try {
        stop = vm.engineFn()(vm.program, m, pc, depth, base);
      } finally {
        vm.active--;
      }
      if (stop === Stop.tailCall) {
        const target = vm.tailTarget!;
        vm.tailTarget = undefined;
        m.tailPending = false;
        depth = m.depth;
        if (depth > base) {
          (below ??= []).push({ vm, base });
          base = depth;
        }
        if (target !== vm) target.adopt(m, depth);
        vm = target;
        this.enterFrame(vm.machine, depth);
        pc = 0;
        continue;
      }
      const caller = below?.pop();
      if (!caller) {
        if (vm !== this) this.adopt(m, base);
        return;
      }
      // Return into the frame below as the exit of a called function does.
      depth = base - 1;
      for (let r = 0; r < 5; r++) {
        m.lo[6 + r] = m.saved[depth * 10 + r]!;
        m.hi[6 + r] = m.saved[depth * 10 + 5 + r]!;
      }
      pc = m.returnPc[depth]!;
      if (caller.vm !== vm) caller.vm.adopt(m, depth);
      vm = caller.vm;
      base = caller.base;
    }
  }

  /** Takes over the state of a run from another Vm's machine, frames 0 to depth. */
  private adopt(from: Machine, depth: number): void {
    const m = this.machine;
    m.lo.set(from.lo);
    m.hi.set(from.hi);
    m.saved.set(from.saved.subarray(0, depth * 10));
    m.returnPc.set(from.returnPc.subarray(0, depth));
    m.mayGoto.set(from.mayGoto.subarray(0, depth + 1));
    m.limit = from.limit;
    m.budget = from.budget;
    m.tailCalls = from.tailCalls;
    m.depth = from.depth;
  }

  private callHelper(id: number, pc: number): void {
    const helper = this.helpers.get(id);
    if (!helper) {
      const name = helperName(id);
      throw this.fault(pc, `helper ${name ? `${name}#${id}` : `#${id}`} is not available (${this.helperList()})`);
    }
    let r0: bigint;
    try {
      r0 = helper(this.registers, this);
    } catch (e) {
      // A fault raised by memory access from the helper belongs to this call.
      if (e instanceof VmFault && e.context.pc === undefined) throw this.fault(pc, e.reason);
      throw e;
    }
    if (typeof r0 !== 'bigint') throw this.fault(pc, `helper #${id} returned ${typeof r0}, not a bigint`);
    this.registers.set(0, r0);
  }

  private helperList(): string {
    const ids = [...this.helpers.keys()].sort((a, b) => a - b);
    return ids.length === 0 ? 'the VM was given no helpers' : `the VM has helpers ${ids.join(', ')}`;
  }

  private memoryFault(pc: number, baseHi: number, baseLo: number, off: number, size: number, write: boolean): VmFault {
    const address = BigInt.asUintN(64, ((BigInt(baseHi >>> 0) << 32n) | BigInt(baseLo >>> 0)) + BigInt(off));
    const reason = this.memory.describeFault(Number(address >> 32n), Number(address & 0xffffffffn), size, write);
    return this.fault(pc, reason);
  }

  private fault(pc: number, reason: string): VmFault {
    const insns = this.program.insns;
    const text = pc < insns.length && !this.program.secondSlots.has(pc) ? `${disasmInsn(insns, pc)}: ` : '';
    return new VmFault(`${text}${reason}`, { pc, ...(this.name === undefined ? {} : { program: this.name }) });
  }
}

function toMap(table: HelperTable | undefined): ReadonlyMap<number, Helper> {
  if (table === undefined) return new Map();
  if (table instanceof Map) return table;
  return new Map(Object.entries(table as Readonly<Record<number, Helper>>).map(([k, v]) => [Number(k), v] as const));
}
