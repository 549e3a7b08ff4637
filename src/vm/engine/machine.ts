import type { AddressSpace, Region } from '../memory/address-space.js';
import type { DecodedProgram } from './program.js';

/**
 * What the engines share at run time: the machine state a run is in, how an engine is
 * called and why it returns. The interpreter (interpreter/) and the compiler (jit/) are
 * plug-ins of this shape; neither imports the other, and the Vm (vm.ts) picks one.
 */

/** What a run needs beyond the program: registers, memory, frames and the outside world. */
export interface Machine {
  /** Registers as halves, 16 entries so that no field value reads outside them. */
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  /** The address space's regions, indexed by the upper half of an address. */
  readonly regions: readonly Region[];
  /** One stack region per frame depth. */
  readonly stacks: readonly Region[];
  /** The same stacks as 16- and 32-bit elements in the host's byte order, for compiled code. */
  readonly stackHalves: readonly Int16Array[];
  readonly stackWords: readonly Int32Array[];
  readonly littleEndian: boolean;
  /** The kernel's MAX_CALL_FRAMES: the entry function counts as one. */
  readonly maxFrames: number;
  /** Instructions the run may execute in all, named in the fault when they are spent. */
  limit: number;
  /** What is left of the limit; engines keep it current whenever they call out. */
  budget: number;
  /** The frame depth when an engine calls a helper or stops for a tail call. */
  depth: number;
  /** Where compiled code goes on when it passes from one of its functions to another (jit/compile.ts). */
  resume: number;
  /** Set by a helper's successful tail call: the engine stops after the call with Stop.tailCall. */
  tailPending: boolean;
  /** Tail calls the run has made, against the kernel's limit. */
  tailCalls: number;
  /** Per frame depth: the caller's r6-r10 (10 halves), where to return, the may_goto count. */
  readonly saved: Int32Array;
  readonly returnPc: Int32Array;
  readonly mayGoto: Int32Array;
  /** Sets r0 (and whatever else the helper does); faults for an id with no helper. */
  callHelper(id: number, pc: number): void;
  /** The fault for a bad access of size bytes at base + off by the instruction at pc, base given as halves. */
  memoryFault(pc: number, baseHi: number, baseLo: number, off: number, size: number, write: boolean): Error;
  /** Any other fault of the instruction at pc. */
  fault(pc: number, reason: string): Error;
  /**
   * The engine that runs what another leaves to it, one instruction at a time: compiled
   * code hands over to it where the budget does not cover a block, or at an entry no
   * block starts at. The Vm sets it to the interpreter.
   */
  readonly fallback: Engine;
}

/** The kernel's MAX_CALL_FRAMES, MAX_BPF_STACK and MAX_TAIL_CALL_CNT (tail calls one run may make). */
export const MAX_CALL_FRAMES = 8;
export const MAX_BPF_STACK = 512;
export const MAX_TAIL_CALL_CNT = 33;

/** The kernel's BPF_MAX_LOOPS: how often a may_goto falls through before it jumps. */
export const MAY_GOTO_LOOPS = 8 * 1024 * 1024;

/** Why an engine returned. */
export const enum Stop {
  /** The function entered at the base depth returned; r0 holds its result. */
  exit,
  /** A helper arranged a tail call (Machine.tailPending); Machine.depth is the frame it replaces. */
  tailCall,
}

/**
 * An execution engine: runs the program from pc in frame `depth` until the frame at
 * depth `base` exits or a tail call is pending. Frames below base belong to whoever
 * called the engine (a caller program, or a helper running a callback).
 */
export type Engine = (p: DecodedProgram, m: Machine, pc: number, depth: number, base: number) => Stop;

export function budgetFault(m: Machine, pc: number): Error {
  return m.fault(pc, `the instruction budget of ${m.limit} is spent (a loop that does not end?)`);
}

/** What a machine calls out to: the Vm's helpers and faults, and the engine to fall back on. */
export type MachineHooks = Pick<Machine, 'callHelper' | 'memoryFault' | 'fault' | 'fallback'>;

export interface MachineShape {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly maxFrames: number;
  readonly stackSize: number;
  readonly littleEndian: boolean;
  readonly limit: number;
}

/** A machine in memory: one stack region of stackSize bytes per frame, mapped there. */
export function createMachine(memory: AddressSpace, shape: MachineShape, hooks: MachineHooks): Machine {
  const { lo, hi, maxFrames, stackSize, littleEndian, limit } = shape;
  const stacks: Region[] = [];
  for (let i = 0; i < maxFrames; i++) {
    const base = memory.map(`stack of frame ${i}`, new Uint8Array(stackSize));
    stacks.push(memory.regionAt(base)!);
  }
  return {
    lo,
    hi,
    regions: memory.regions,
    stacks,
    stackHalves: stacks.map((r) => new Int16Array(r.bytes.buffer, r.bytes.byteOffset, r.size >> 1)),
    stackWords: stacks.map((r) => new Int32Array(r.bytes.buffer, r.bytes.byteOffset, r.size >> 2)),
    littleEndian,
    maxFrames,
    limit,
    budget: 0,
    depth: 0,
    resume: 0,
    tailPending: false,
    tailCalls: 0,
    saved: new Int32Array(maxFrames * 10),
    returnPc: new Int32Array(maxFrames),
    mayGoto: new Int32Array(maxFrames),
    ...hooks,
  };
}
