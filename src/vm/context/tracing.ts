import type { KernelProfile } from '../fixups/kernel-profile.js';
import { beginRun, ctxInit, endRun, RunRegions, type ContextKind, type RunEnv, type RunInput } from './common.js';
import { refuse } from './errors.js';

/**
 * Tracing contexts, which carry no packet. Raw tracepoints run as
 * bpf_prog_test_run_raw_tp runs them: ctx_in is the u64 argument array and nothing else
 * may be given, not even repeat. The kernel has no test run for kprobes and
 * tracepoints (ENOTSUPP); bpfscope runs them on a context built from ctx_in: an x86-64
 * `struct pt_regs` for kprobes, the tracepoint's record as its bytes for tracepoints.
 */
const MAX_BPF_FUNC_ARGS = 12;

/** With data_in, a kprobe or tracepoint run is the kernel's, which it refuses; bpfscope's own runs take ctx_in alone. */
function noTracingExtras(input: RunInput, what: string): void {
  if (input.data) refuse('ENOTSUPP', `the kernel has no test run for ${what} programs (bpfscope runs them on ctx_in alone)`);
}

function readOnlyContext(env: RunEnv, name: string, bytes: Uint8Array) {
  const regions = new RunRegions(env.memory);
  const ctx = regions.map(name, bytes, 'r');
  beginRun(env.memory, undefined);
  return {
    ctx,
    finish: () => ({}),
    release() {
      endRun(env.memory);
      regions.release();
    },
  };
}

/** The context must cover every offset the program reads (the verifier's max_ctx_offset). */
function coverReads(env: RunEnv, size: number, what: string): void {
  if (size < env.program.maxCtxOffset) refuse('EINVAL', `${what}: the program reads ${env.program.maxCtxOffset} bytes of its context, ctx_in has ${size}`);
}

const none = new Map();

export const RAW_TRACEPOINT: ContextKind = {
  ctxName: 'bpf_raw_tracepoint_args',
  helpers: () => none,
  prepare(input, env) {
    if (input.data || input.repeat || input.dataSizeOut || input.ctxSizeOut) {
      refuse('EINVAL', 'raw tracepoint runs take only ctx_in (no data_in, data_out, ctx_out or repeat)');
    }
    const args = input.ctx ?? new Uint8Array(0);
    coverReads(env, args.length, 'raw tracepoint');
    if (args.length > MAX_BPF_FUNC_ARGS * 8) refuse('EINVAL', `raw tracepoint arguments are at most ${MAX_BPF_FUNC_ARGS * 8} bytes`);
    return readOnlyContext(env, 'raw tracepoint args', args.slice());
  },
};

export const KPROBE: ContextKind = {
  ctxName: 'pt_regs',
  helpers: () => none,
  prepare(input, env) {
    noTracingExtras(input, 'kprobe');
    const size = (env.profile as KernelProfile).sizes.pt_regs;
    return readOnlyContext(env, 'pt_regs', ctxInit(input.ctx, size) ?? new Uint8Array(size));
  },
};

export const TRACEPOINT: ContextKind = {
  ctxName: 'tracepoint record',
  helpers: () => none,
  prepare(input, env) {
    noTracingExtras(input, 'tracepoint');
    const record = input.ctx ?? new Uint8Array(0);
    coverReads(env, record.length, 'tracepoint');
    return readOnlyContext(env, 'tracepoint record', record.slice());
  },
};
