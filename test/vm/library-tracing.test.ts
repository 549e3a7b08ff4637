import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBpfObject, TestRunError, VmFault } from '../../src/index.js';
import { OBJECTS } from '../helpers/env.js';

/**
 * Tracing programs through the public API (src/index.ts): loadBpfObject(...).program(p)
 * .run({ ctx }) with the context as ctx_in, the runtime's CPU, task and trace sink
 * options, and the errors a caller gets.
 */
const u64s = (...values: bigint[]) => new Uint8Array(new BigUint64Array(values).buffer);

describe('a raw tracepoint, run through the library', () => {
  it('reads its arguments from ctx and counts on the CPU the runtime runs on', () => {
    const obj = loadBpfObject(join(OBJECTS, 'raw_tp.o'), { runtime: { cpus: 2, cpu: 1 } });
    const prog = obj.program('raw_sys_enter');
    // args[1] is the syscall number: 59 (execve) twice, then 600, past the table.
    expect(prog.run({ ctx: u64s(0n, 59n) }).retval).toBe(0);
    expect(prog.run({ ctx: u64s(0n, 59n) }).retval).toBe(0);
    expect(prog.run({ ctx: u64s(0n, 600n) }).retval).toBe(0);
    // Per-CPU values: one per CPU, only CPU 1's counted.
    expect(obj.map('syscall_count').lookup(59)).toEqual([0n, 2n]);
    expect(obj.map('syscall_count').lookup(0)).toEqual([0n, 0n]);
  });

  it('refuses what the kernel’s raw tracepoint test run refuses, with its errno', () => {
    const prog = loadBpfObject(join(OBJECTS, 'raw_tp.o')).program('raw_sys_enter');
    const refusal = (run: () => unknown) => {
      try {
        run();
      } catch (e) {
        expect(e).toBeInstanceOf(TestRunError);
        return (e as TestRunError).code;
      }
      return 'ran';
    };
    expect(refusal(() => prog.run({ ctx: u64s(0n, 59n), data: new Uint8Array(64) }))).toBe('EINVAL');
    expect(refusal(() => prog.run({ ctx: u64s(0n, 59n), repeat: 2 }))).toBe('EINVAL');
    // ctx_in shorter than what the program reads (args[1]).
    expect(refusal(() => prog.run({ ctx: u64s(0n) }))).toBe('EINVAL');
  });
});

describe('a kprobe, run through the library', () => {
  it('runs on pt_regs from ctx and prints through the trace sink as the task given', () => {
    const lines: string[] = [];
    const obj = loadBpfObject(join(OBJECTS, 'hello.o'), { runtime: { task: { pid: 4242, tgid: 4242, comm: 'sleeper' }, trace: (line) => lines.push(line) } });
    expect(obj.program('hello').run({ ctx: new Uint8Array(168) }).retval).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ +sleeper-4242 +\[000\] .{5} +\d+\.\d{6}: bpf_trace_printk: hello from bpfscope, pid 4242\n$/);
  });

  it('a run that spends the budget throws a VmFault naming the program and the instruction', () => {
    const prog = loadBpfObject(join(OBJECTS, 'hello.o'), { runtime: { budget: 2 } }).program('hello');
    let fault: unknown;
    try {
      prog.run({ ctx: new Uint8Array(168) });
    } catch (e) {
      fault = e;
    }
    expect(fault).toBeInstanceOf(VmFault);
    const { context, message } = fault as VmFault;
    expect(context.program).toBe('hello');
    expect(message).toMatch(new RegExp(`^program hello: insn ${context.pc!}: .*the instruction budget of 2 is spent`));
  });
});
