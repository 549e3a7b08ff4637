import { VmFault } from '../../errors.js';
import { PerfEventArrayMap } from '../maps/fd-array.js';
import { RingbufMap } from '../maps/ringbuf.js';
import type { VmMap } from '../maps/types.js';
import type { HelperEnv, RuntimeHelper } from './env.js';
import { errno, u32 } from './memory.js';

/**
 * Ring buffer and perf event output. A reserved record is a region of its own
 * (runtime/records.ts) until it is submitted or discarded.
 */

function ringbuf(env: HelperEnv, address: bigint, helper: string): RingbufMap {
  const map = env.mapMemory.requireMap(address, helper);
  if (!(map instanceof RingbufMap)) throw new VmFault(`${helper} needs a ringbuf map, not ${map.typeName}`);
  return map;
}

/** Flags are u64; the map refuses values it does not know. */
function flags(v: bigint): number {
  return v > 0xffffffffn ? -1 : Number(v);
}

export const ringbufOutput: RuntimeHelper = {
  name: 'bpf_ringbuf_output',
  call(regs, _vm, env) {
    const map = ringbuf(env, regs.get(1), this.name);
    const data = env.memory.read(regs.get(2), Number(regs.get(3) & 0xffffffffn));
    return errno(map.output(data, flags(regs.get(4))));
  },
};

export const ringbufReserve: RuntimeHelper = {
  name: 'bpf_ringbuf_reserve',
  call(regs, _vm, env) {
    const map = ringbuf(env, regs.get(1), this.name);
    const size = regs.get(2);
    if (size > 0xffffffffn) return 0n;
    const r = map.reserve(Number(size), flags(regs.get(3)));
    return r ? env.records.add(map, r) : 0n;
  },
};

export const ringbufSubmit: RuntimeHelper = {
  name: 'bpf_ringbuf_submit',
  call(regs, _vm, env) {
    const { map, reservation } = env.records.take(regs.get(1), this.name);
    map.submit(reservation, flags(regs.get(2)));
    return 0n;
  },
};

export const ringbufDiscard: RuntimeHelper = {
  name: 'bpf_ringbuf_discard',
  call(regs, _vm, env) {
    const { map, reservation } = env.records.take(regs.get(1), this.name);
    map.discard(reservation, flags(regs.get(2)));
    return 0n;
  },
};

export const ringbufQuery: RuntimeHelper = {
  name: 'bpf_ringbuf_query',
  call(regs, _vm, env) {
    const map = ringbuf(env, regs.get(1), this.name);
    return BigInt(map.query(flags(regs.get(2))));
  },
};

/**
 * bpf_perf_event_output(ctx, map, flags, data, size) as tracing programs have it: the
 * sample goes to the event in the slot the flags pick (records appended to the map).
 * Packet programs' form, which also copies packet bytes, comes with their context.
 */
export const perfEventOutput: RuntimeHelper = {
  name: 'bpf_perf_event_output',
  call(regs, _vm, env) {
    const map: VmMap = env.mapMemory.requireMap(regs.get(2), this.name);
    if (!(map instanceof PerfEventArrayMap)) throw new VmFault(`${this.name} needs a perf_event_array map, not ${map.typeName}`);
    const data = env.memory.read(regs.get(4), u32(regs.get(5)));
    return errno(map.output(regs.get(3), data, env.cpu));
  },
};
