import { progTypeName, type ObjectSpec } from '../object/index.js';
import { NotModelledError } from '../errors.js';
import { contextKind, kernelTestRuns, type ContextKind, type RunInput } from './context/index.js';
import { refuse } from './context/errors.js';
import { loadObject, type LoadOptions } from './load.js';
import type { IdSource, LoadedObject, LoadedProgram } from './loaded.js';
import type { VmMap } from './maps/types.js';
import { Runtime, type RuntimeOptions } from './runtime/runtime.js';

export type { RunInput } from './context/index.js';

export interface RunOutput {
  /** r0 at exit, as the 32 bits the kernel reports. */
  retval: number;
  /** The packet after the run(s), from data_meta (XDP) or data (skb), as the kernel copies it out. */
  dataOut?: Uint8Array;
  /** The context after the run(s), where the program type has one to hand back and ctx was given. */
  ctxOut?: Uint8Array;
  /** Wall time per run in nanoseconds (the kernel's average over `repeat`). */
  durationNs: number;
  /** Instructions the last run executed (tail-called programs' included, a helper call counting as one); the kernel does not report it. */
  executed: number;
}

/**
 * The context a test run of the program is built in, or why it cannot have one: the
 * kernel has no test run for its type (ENOTSUPP), or the kernel has and bpfscope does
 * not model it.
 */
function runContext(runtime: Runtime, program: LoadedProgram): { kind: ContextKind } | { kernelRefuses: string } | { unmodelled: NotModelledError } {
  const progType = program.spec.kind.progType;
  const kind = contextKind(progType);
  if (kind) return { kind };
  const what = `${progTypeName(progType)} programs`;
  if (!kernelTestRuns(progType)) return { kernelRefuses: `the kernel has no test run for ${what}` };
  const where = { file: runtime.object.spec.fileName, section: program.spec.sectionName, program: program.spec.name };
  return { unmodelled: new NotModelledError(`BPF_PROG_TEST_RUN of ${what}`, where) };
}

/**
 * What a run of the program would need that the VM does not model, by subject
 * (`helper bpf_get_current_task#35`, `kfunc ...`, `stack_trace map stacks`,
 * `BPF_PROG_TEST_RUN of sk_lookup programs`): runProgram fails on the first. Empty for
 * a program type neither the kernel nor bpfscope runs, whose run is the kernel's ENOTSUPP.
 */
export function runNeeds(runtime: Runtime, program: LoadedProgram): string[] {
  const c = runContext(runtime, program);
  if ('kind' in c) return runtime.unmodelled(program, c.kind.helpers(program.kernelProfile)).map((e) => e.subject);
  return 'unmodelled' in c ? [c.unmodelled.subject] : [];
}

/**
 * BPF_PROG_TEST_RUN: builds the program type's context and packet in the runtime's
 * memory, runs the program `repeat` times on them (maps and packet changes carry over
 * from one run to the next), and hands back r0, the packet and the context as the
 * kernel would. Refusals are TestRunErrors carrying the kernel's errno; a program that
 * faults throws the VmFault; a run that needs what the VM does not model (a program
 * type without a context here, a helper, kfunc or map type the VM lacks) throws a
 * NotModelledError naming it, before anything runs.
 */
export function runProgram(runtime: Runtime, program: LoadedProgram, input: RunInput = {}): RunOutput {
  const c = runContext(runtime, program);
  if ('kernelRefuses' in c) refuse('ENOTSUPP', c.kernelRefuses);
  if ('unmodelled' in c) throw c.unmodelled;
  const { kind } = c;
  const profile = program.kernelProfile;
  const vm = runtime.instance(program, kind.helpers(profile));
  const prepared = kind.prepare(input, { runtime, memory: runtime.memory, program, profile });
  try {
    const repeat = Math.max(1, input.repeat ?? 1);
    let r0 = 0n;
    let executed = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < repeat; i++) {
      prepared.beforeEach?.();
      ({ r0, executed } = vm.run([prepared.ctx]));
      prepared.afterEach?.();
    }
    const elapsed = process.hrtime.bigint() - start;
    const out = prepared.finish();
    return { retval: Number(r0 & 0xffffffffn), ...out, durationNs: prepared.untimed ? 0 : Number(elapsed / BigInt(repeat)), executed };
  } finally {
    prepared.release();
  }
}

export interface LoadForRunOptions {
  /** The runtime's options: CPUs, task, clock, trace sink, seed, budget, engine. */
  runtime?: RuntimeOptions;
  /** The load's options: possible CPUs (the runtime's by default), uid, kernel profile. */
  load?: LoadOptions;
}

/** A loaded program that runs as BPF_PROG_TEST_RUN runs it. */
export interface RunnableProgram {
  readonly name: string;
  readonly loaded: LoadedProgram;
  run(input?: RunInput): RunOutput;
  /** What its run would need that the VM does not model (runNeeds); run() fails on the first. */
  unmodelled(): string[];
}

/** An object loaded into a runtime of its own: its programs to run, its maps to read. */
export interface RunnableObject {
  readonly loaded: LoadedObject;
  readonly runtime: Runtime;
  readonly programs: readonly RunnableProgram[];
  /** The program with this name (the kernel's 15-character name or the full one). */
  program(name: string): RunnableProgram;
  /** The map with this name, as the runtime holds it. */
  map(name: string): VmMap;
}

/**
 * libbpf's load into a fresh kernel of bpfscope's: ids from 1, the kernel's rewrites,
 * maps created and initialised, every program ready to `run()`. Runs share the maps.
 */
export function load(spec: ObjectSpec, options: LoadForRunOptions = {}): RunnableObject {
  const counters = { prog: 0, map: 0, btf: 0 };
  const ids: IdSource = { nextProgramId: () => ++counters.prog, nextMapId: () => ++counters.map, nextBtfId: () => ++counters.btf };
  const loaded = loadObject(spec, ids, { possibleCpus: options.runtime?.cpus ?? 1, ...options.load });
  const runtime = new Runtime(loaded, options.runtime);
  const programs = loaded.programs.map((p) => ({ name: p.name, loaded: p, run: (input: RunInput = {}) => runProgram(runtime, p, input), unmodelled: () => runNeeds(runtime, p) }));
  return {
    loaded,
    runtime,
    programs,
    program(name) {
      const found = programs.find((p) => p.name === name || p.loaded.spec.name === name);
      if (!found) throw new RangeError(`${spec.fileName} has no program ${name}`);
      return found;
    },
    map(name) {
      const found = loaded.maps.find((m) => m.name === name || m.spec.name === name);
      if (!found) throw new RangeError(`${spec.fileName} has no map ${name}`);
      return runtime.map(found.id);
    },
  };
}
