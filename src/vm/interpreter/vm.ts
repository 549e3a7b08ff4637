import { VmFault } from '../../errors.js';
import type { CallForm } from '../../isa/cfg.js';
import { disasmInsn } from '../../isa/disasm.js';
import { helperName } from '../../isa/helpers.js';
import type { Insn } from '../../isa/insn.js';
import { AddressSpace, type Region } from '../memory/address-space.js';
import { execute, type Machine } from './execute.js';
import { decodeProgram, type DecodedProgram } from './program.js';

/**
 * A helper the program may call (`call N`, or `callx` through a register holding N). It
 * reads its arguments from r1-r5 and returns r0 as an unsigned or signed 64-bit value;
 * it may read and write guest memory through `vm.memory`, whose bad accesses fault the
 * program at the call.
 */
export type Helper = (regs: Registers, vm: Vm) => bigint;

/** Helpers by id: a Map, or an object keyed by id. */
export type HelperTable = ReadonlyMap<number, Helper> | Readonly<Record<number, Helper>>;

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
}

export interface RunResult {
  /** r0 at exit, as an unsigned 64-bit value. */
  r0: bigint;
  /** Instructions executed, each helper call counting as one. */
  executed: number;
}

export const DEFAULT_BUDGET = 1_000_000;
export const MAX_CALL_FRAMES = 8;
export const MAX_BPF_STACK = 512;

/** The registers as 64-bit values, for helpers and for inspecting a VM after a run. */
export class Registers {
  constructor(
    private readonly lo: Int32Array,
    private readonly hi: Int32Array,
  ) {}

  /** r0-r10 as an unsigned 64-bit value. */
  get(n: number): bigint {
    checkReg(n);
    return (BigInt(this.hi[n]! >>> 0) << 32n) | BigInt(this.lo[n]! >>> 0);
  }

  /** r0-r10 as a signed 64-bit value. */
  getSigned(n: number): bigint {
    return BigInt.asIntN(64, this.get(n));
  }

  /** Sets r0-r10 to the value taken modulo 2^64 (negative values as two's complement). */
  set(n: number, value: bigint | number): void {
    checkReg(n);
    const v = BigInt.asUintN(64, BigInt(value));
    this.lo[n] = Number(v & 0xffffffffn) | 0;
    this.hi[n] = Number(v >> 32n) | 0;
  }
}

function checkReg(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 10) throw new RangeError(`r${n} is not a register`);
}

/**
 * The in-process VM: runs one program, decoded once, any number of times. Each run
 * starts with zeroed registers and stack, r1-r5 from the arguments and r10 at the top
 * of the entry frame's stack; it ends at the entry function's exit with r0, or with a
 * VmFault naming the instruction (pc and text) and what went wrong. An instruction
 * budget stops programs that do not end. Nothing a program does reaches the host: every
 * load and store is checked against the regions mapped in `memory`.
 */
export class Vm {
  readonly memory = new AddressSpace();
  readonly registers: Registers;
  private readonly program: DecodedProgram;
  private readonly machine: Machine;
  private readonly helpers: ReadonlyMap<number, Helper>;
  private readonly budget: number;
  private readonly name: string | undefined;
  private running = false;

  constructor(insns: readonly Insn[], options: VmOptions = {}) {
    this.program = decodeProgram(insns, options.callForm ?? 'object');
    this.helpers = toMap(options.helpers);
    this.budget = options.budget ?? DEFAULT_BUDGET;
    this.name = options.program;
    const maxFrames = options.maxFrames ?? MAX_CALL_FRAMES;
    const stackSize = options.stackSize ?? MAX_BPF_STACK;
    if (!Number.isInteger(maxFrames) || maxFrames < 1) throw new RangeError('maxFrames must be a positive integer');
    const stacks: Region[] = [];
    for (let i = 0; i < maxFrames; i++) {
      const base = this.memory.map(`stack of frame ${i}`, new Uint8Array(stackSize));
      stacks.push(this.memory.regionAt(base)!);
    }
    const lo = new Int32Array(16);
    const hi = new Int32Array(16);
    this.registers = new Registers(lo, hi);
    this.machine = {
      lo,
      hi,
      regions: this.memory.regions,
      stacks,
      littleEndian: options.littleEndian ?? true,
      maxFrames,
      budget: 0,
      saved: new Int32Array(maxFrames * 10),
      returnPc: new Int32Array(maxFrames),
      mayGoto: new Int32Array(maxFrames),
      callHelper: (id, pc) => this.callHelper(id, pc),
      memoryFault: (pc, baseReg, size, write) => this.memoryFault(pc, baseReg, size, write),
      fault: (pc, reason) => this.fault(pc, reason),
    };
  }

  /** Maps bytes into the VM (not a copy) and returns their address, e.g. for r1. */
  map(name: string, bytes: Uint8Array, access: 'r' | 'rw' = 'rw'): bigint {
    return this.memory.map(name, bytes, access);
  }

  /** Runs the program with r1, r2, ... set from args. */
  run(args: readonly (bigint | number)[] = []): RunResult {
    if (this.running) throw new VmFault('the VM is already running (a helper may not run it again)');
    if (args.length > 5) throw new RangeError('a program takes at most five arguments (r1-r5)');
    const { lo, hi, stacks } = this.machine;
    lo.fill(0);
    hi.fill(0);
    args.forEach((a, i) => this.registers.set(i + 1, a));
    const stack = stacks[0]!;
    stack.bytes.fill(0);
    lo[10] = stack.size;
    hi[10] = stack.slot;
    this.machine.budget = this.budget;
    this.running = true;
    try {
      execute(this.program, this.machine);
    } finally {
      this.running = false;
    }
    return { r0: this.registers.get(0), executed: this.budget - this.machine.budget };
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

  private memoryFault(pc: number, baseReg: number, size: number, write: boolean): VmFault {
    const address = BigInt.asUintN(64, this.registers.get(baseReg) + BigInt(this.program.code[4 * pc + 1]!));
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

