import { progTypeId } from '../../object/index.js';
import type { ContextKind } from './common.js';
import { FLOW_DISSECTOR } from './flow-dissector.js';
import { CGROUP_SKB, LWT_IN_OUT, LWT_XMIT, SOCKET_FILTER, TC } from './skb.js';
import { SYSCALL } from './syscall.js';
import { KPROBE, RAW_TRACEPOINT, TRACEPOINT } from './tracing.js';
import { XDP } from './xdp.js';

export type { ContextKind, PreparedRun, RunEnv, RunInput } from './common.js';
export { TestRunError, type TestRunErrno } from './errors.js';

/** How each program type bpfscope can run is run, by program type id. */
const KINDS = new Map<number, ContextKind>([
  [progTypeId('xdp'), XDP],
  [progTypeId('socket_filter'), SOCKET_FILTER],
  [progTypeId('sched_cls'), TC],
  [progTypeId('sched_act'), TC],
  [progTypeId('cgroup_skb'), CGROUP_SKB],
  [progTypeId('lwt_in'), LWT_IN_OUT],
  [progTypeId('lwt_out'), LWT_IN_OUT],
  [progTypeId('lwt_xmit'), LWT_XMIT],
  [progTypeId('flow_dissector'), FLOW_DISSECTOR],
  [progTypeId('syscall'), SYSCALL],
  [progTypeId('raw_tracepoint'), RAW_TRACEPOINT],
  [progTypeId('kprobe'), KPROBE],
  [progTypeId('tracepoint'), TRACEPOINT],
]);

export function contextKind(progType: number): ContextKind | undefined {
  return KINDS.get(progType);
}

/**
 * The program types whose bpf_prog_ops have a test_run in Linux 6.18: what the kernel
 * runs under BPF_PROG_TEST_RUN. The others it refuses with ENOTSUPP; bpfscope runs
 * kprobes and tracepoints all the same (tracing.ts).
 */
const KERNEL_TEST_RUNS = new Set<number>(
  (['socket_filter', 'sched_cls', 'sched_act', 'xdp', 'cgroup_skb', 'lwt_in', 'lwt_out', 'lwt_xmit', 'lwt_seg6local', 'flow_dissector', 'sk_lookup', 'raw_tracepoint', 'tracing', 'syscall', 'struct_ops', 'netfilter'] as const).map(progTypeId),
);

export function kernelTestRuns(progType: number): boolean {
  return KERNEL_TEST_RUNS.has(progType);
}
