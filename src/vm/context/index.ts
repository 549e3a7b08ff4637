import { progTypeId } from '../../object/kinds.js';
import type { ContextKind } from './common.js';
import { SOCKET_FILTER, TC } from './skb.js';
import { KPROBE, RAW_TRACEPOINT, TRACEPOINT } from './tracing.js';
import { XDP } from './xdp.js';

export type { ContextKind, PreparedRun, RunEnv, RunInput } from './common.js';
export { TestRunError, TEST_RUN_ERRNO, type TestRunErrno } from './errors.js';

/** How each program type bpfscope can run is run, by program type id. */
const KINDS = new Map<number, ContextKind>([
  [progTypeId('xdp'), XDP],
  [progTypeId('socket_filter'), SOCKET_FILTER],
  [progTypeId('sched_cls'), TC],
  [progTypeId('sched_act'), TC],
  [progTypeId('raw_tracepoint'), RAW_TRACEPOINT],
  [progTypeId('kprobe'), KPROBE],
  [progTypeId('tracepoint'), TRACEPOINT],
]);

export function contextKind(progType: number): ContextKind | undefined {
  return KINDS.get(progType);
}
