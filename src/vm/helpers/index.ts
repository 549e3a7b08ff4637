import { helperId } from '../../isa/index.js';
import { forEachMapElem, loop, tailCall } from './control.js';
import { csumDiff } from './csum.js';
import type { RuntimeHelper } from './env.js';
import { spinLock, spinUnlock } from './lock.js';
import { mapDeleteElem, mapLookupElem, mapLookupPercpuElem, mapPeekElem, mapPopElem, mapPushElem, mapUpdateElem } from './maps.js';
import { probeReadHelper, probeReadKernel, probeReadKernelStr, probeReadStrHelper, probeReadUser, probeReadUserStr } from './probe-read.js';
import { perfEventOutput, ringbufDiscard, ringbufOutput, ringbufQuery, ringbufReserve, ringbufSubmit } from './ringbuf.js';
import { getCurrentComm, getCurrentPidTgid, getCurrentUidGid, getNumaNodeId, getPrandomU32, getSmpProcessorId, ktimeGetBootNs, ktimeGetNs } from './task.js';
import { snprintf, traceVprintk, tracePrintk } from './trace.js';

export type { HelperEnv, RuntimeHelper, TaskInfo } from './env.js';
export { bprintf } from './bprintf.js';

const IMPLEMENTED: readonly RuntimeHelper[] = [
  mapLookupElem,
  mapUpdateElem,
  mapDeleteElem,
  mapPushElem,
  mapPopElem,
  mapPeekElem,
  mapLookupPercpuElem,
  probeReadHelper,
  probeReadKernel,
  probeReadUser,
  probeReadStrHelper,
  probeReadKernelStr,
  probeReadUserStr,
  ktimeGetNs,
  ktimeGetBootNs,
  getPrandomU32,
  getSmpProcessorId,
  getNumaNodeId,
  getCurrentPidTgid,
  getCurrentUidGid,
  getCurrentComm,
  tracePrintk,
  traceVprintk,
  snprintf,
  ringbufOutput,
  ringbufReserve,
  ringbufSubmit,
  ringbufDiscard,
  ringbufQuery,
  perfEventOutput,
  csumDiff,
  spinLock,
  spinUnlock,
  tailCall,
  loop,
  forEachMapElem,
];

/**
 * The helpers the runtime implements for every program type, by the kernel's id (from
 * each helper's name through isa/helpers). A program type's own helpers (packet access,
 * redirects) come from its context; a program calling a helper in neither loads, and
 * does not run (runtime/modelled.ts).
 */
export const RUNTIME_HELPERS: ReadonlyMap<number, RuntimeHelper> = new Map(
  IMPLEMENTED.map((h) => {
    const id = helperId(h.name);
    if (id === undefined) throw new Error(`${h.name} is not a helper isa/helpers knows`);
    return [id, h] as const;
  }),
);
