import { beginRun, endRun, RunRegions, type ContextKind } from './common.js';
import { refuse } from './errors.js';

/**
 * Syscall programs as bpf_prog_test_run_syscall runs them: once, on ctx_in and nothing
 * else (no data, no ctx_out, no repeat; bpftool always passes ctx_out with ctx_in and
 * repeat 1 unless told `repeat 0`, so through bpftool only a program that reads no
 * context runs). ctx_in is plain memory the program reads and writes, covering every
 * offset it reads and at most U16_MAX bytes; an empty one is a NULL context. The kernel
 * copies the context back into ctx_in's buffer: that is ctxOut here. No duration is
 * reported.
 */
const U16_MAX = 0xffff;

export const SYSCALL: ContextKind = {
  ctxName: 'syscall context',
  helpers: () => new Map(),
  prepare(input, env) {
    if (input.data || input.dataSizeOut !== undefined || input.ctxSizeOut !== undefined || input.repeat) {
      refuse('EINVAL', 'syscall program runs take only ctx_in (no data_in, data_out, ctx_out or repeat)');
    }
    const ctx = (input.ctx ?? new Uint8Array(0)).slice();
    if (ctx.length < env.program.maxCtxOffset) refuse('EINVAL', `syscall: the program reads ${env.program.maxCtxOffset} bytes of its context, ctx_in has ${ctx.length}`);
    if (ctx.length > U16_MAX) refuse('EINVAL', `syscall: ctx_in is over ${U16_MAX} bytes`);
    const regions = new RunRegions(env.memory);
    const address = ctx.length ? regions.map('syscall context', ctx, 'rw') : 0n;
    beginRun(env.memory, undefined);
    return {
      ctx: address,
      untimed: true,
      finish: () => (ctx.length ? { ctxOut: ctx } : {}),
      release() {
        endRun(env.memory);
        regions.release();
      },
    };
  },
};
