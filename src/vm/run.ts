import { progTypeName } from '../object/kinds.js';
import { contextKind, type RunInput } from './context/index.js';
import { refuse } from './context/errors.js';
import type { LoadedProgram } from './loaded.js';
import type { Runtime } from './runtime/runtime.js';

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
}

/**
 * BPF_PROG_TEST_RUN: builds the program type's context and packet in the runtime's
 * memory, runs the program `repeat` times on them (maps and packet changes carry over
 * from one run to the next), and hands back r0, the packet and the context as the
 * kernel would. Refusals are TestRunErrors carrying the kernel's errno; a program that
 * faults throws the VmFault.
 */
export function runProgram(runtime: Runtime, program: LoadedProgram, input: RunInput = {}): RunOutput {
  const kind = contextKind(program.spec.kind.progType);
  if (!kind) refuse('ENOTSUPP', `bpfscope cannot run ${progTypeName(program.spec.kind.progType)} programs (no test run context)`);
  const profile = program.kernelProfile;
  const vm = runtime.instance(program, kind.helpers(profile));
  const prepared = kind.prepare(input, { runtime, memory: runtime.memory, program, profile });
  try {
    const repeat = Math.max(1, input.repeat ?? 1);
    let r0 = 0n;
    const start = process.hrtime.bigint();
    for (let i = 0; i < repeat; i++) r0 = vm.run([prepared.ctx]).r0;
    const elapsed = process.hrtime.bigint() - start;
    const out = prepared.finish();
    return { retval: Number(r0 & 0xffffffffn), ...out, durationNs: Number(elapsed / BigInt(repeat)) };
  } finally {
    prepared.release();
  }
}
