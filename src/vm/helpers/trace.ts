import { EINVAL } from '../../errno.js';
import { progTypeId } from '../../object/index.js';
import type { Registers, Vm } from '../vm.js';
import { bprintf } from './bprintf.js';
import type { HelperEnv, RuntimeHelper } from './env.js';
import { errno, readCString, u32 } from './memory.js';
import { commBytes } from './task.js';

/** MAX_BPRINTF_BUF: a printk'd message keeps at most this many bytes less the NUL. */
const PRINTK_BUF = 1024;
/** bpf_trace_vprintk and bpf_snprintf take at most this many arguments (bpf_trace_printk three). */
const MAX_BPRINTF_VARARGS = 12;

/**
 * The irqs-off/need-resched/irq/preempt-depth/migrate-disable column trace_pipe shows,
 * as Linux 6.18 shows it for BPF_PROG_TEST_RUN: packet programs run with bottom halves
 * off, preemption and migration disabled once each; a raw tracepoint's run with a
 * preemption depth of 2. Other tracing programs cannot be test-run by the kernel; they
 * get the raw tracepoint's column.
 */
const PACKET_TRACE_FLAGS = 'b..11';
const TRACING_TRACE_FLAGS = '...2.';
const PACKET_PROG_TYPES: ReadonlySet<number> = new Set(
  (['socket_filter', 'sched_cls', 'sched_act', 'xdp', 'cgroup_skb', 'lwt_in', 'lwt_out', 'lwt_xmit', 'sk_skb', 'flow_dissector', 'sk_lookup'] as const).map(progTypeId),
);

function traceFlags(progType: number | undefined): string {
  return progType !== undefined && PACKET_PROG_TYPES.has(progType) ? PACKET_TRACE_FLAGS : TRACING_TRACE_FLAGS;
}

/**
 * A trace_pipe record of bpf_trace_printk's event: the task, its pid, the CPU, the
 * flags, the time in seconds with microseconds, then the message and the newline the
 * event adds (so a message ending in "\n" leaves an empty line, as in the kernel).
 */
function traceRecord(env: HelperEnv, message: Uint8Array, progType?: number): string {
  const comm = new TextDecoder().decode(commBytes(env.task.comm));
  const ns = env.now();
  const secs = (ns / 1_000_000_000n).toString();
  const usecs = ((ns % 1_000_000_000n) / 1000n).toString().padStart(6, '0');
  const head = `${comm.padStart(16)}-${String(env.task.pid).padEnd(7)} [${String(env.cpu).padStart(3, '0')}] ${traceFlags(progType)} ${secs.padStart(5)}.${usecs}: bpf_trace_printk: `;
  return `${head}${new TextDecoder().decode(message)}\n`;
}

/** Formats and emits; returns bstr_printf's count (the whole message's length, even when cut). */
function printk(env: HelperEnv, vm: Vm, fmt: Uint8Array, args: readonly bigint[]): bigint {
  const nul = fmt.indexOf(0);
  if (nul < 0) return errno(-EINVAL);
  const text = bprintf(env.memory, fmt.subarray(0, nul), args);
  if (typeof text === 'number') return errno(text);
  env.trace(traceRecord(env, text.subarray(0, PRINTK_BUF - 1), env.programType(vm)));
  return BigInt(text.length);
}

/** Up to data_len / 8 u64 arguments from memory: -EINVAL unless a multiple of 8 and at most 12 of them. */
function argArray(env: HelperEnv, address: bigint, dataLen: number): bigint[] | number {
  if (dataLen % 8 || dataLen > MAX_BPRINTF_VARARGS * 8 || (dataLen && address === 0n)) return -EINVAL;
  if (dataLen === 0) return [];
  const bytes = env.memory.read(address, dataLen);
  const view = new DataView(bytes.buffer);
  return Array.from({ length: dataLen / 8 }, (_, i) => view.getBigUint64(8 * i, true));
}

export const tracePrintk: RuntimeHelper = {
  name: 'bpf_trace_printk',
  call(regs: Registers, vm, env) {
    const fmt = env.memory.read(regs.get(1), u32(regs.get(2)));
    return printk(env, vm, fmt, [regs.get(3), regs.get(4), regs.get(5)]);
  },
};

export const traceVprintk: RuntimeHelper = {
  name: 'bpf_trace_vprintk',
  call(regs: Registers, vm, env) {
    const args = argArray(env, regs.get(3), u32(regs.get(4)));
    if (typeof args === 'number') return errno(args);
    return printk(env, vm, env.memory.read(regs.get(1), u32(regs.get(2))), args);
  },
};

/**
 * bpf_snprintf(str, str_size, fmt, data, data_len): the message cut to str_size - 1 bytes
 * and a NUL; returns the whole message's length plus the NUL.
 */
export const snprintf: RuntimeHelper = {
  name: 'bpf_snprintf',
  call(regs: Registers, _vm, env) {
    const args = argArray(env, regs.get(4), u32(regs.get(5)));
    if (typeof args === 'number') return errno(args);
    const text = bprintf(env.memory, readCString(env.memory, regs.get(3)), args);
    if (typeof text === 'number') return errno(text);
    const size = u32(regs.get(2));
    if (size > 0) {
      const out = new Uint8Array(Math.min(size, text.length + 1));
      out.set(text.subarray(0, out.length - 1));
      env.memory.write(regs.get(1), out);
    }
    return BigInt(text.length + 1);
  },
};
