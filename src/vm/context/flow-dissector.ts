import { helperId } from '../../isa/index.js';
import type { Helper } from '../vm.js';
import { beginRun, checkRoom, ctxInit, endRun, errno, putU64, RunRegions, type ContextKind } from './common.js';
import { refuse } from './errors.js';

/**
 * Flow dissector programs as bpf_prog_test_run_flow_dissector runs them: the packet
 * (at least an Ethernet header, at most a page) with no headroom and no skb, a
 * `struct bpf_flow_dissector` behind the program's `__sk_buff` (flow_keys, data,
 * data_end), and before each run bpf_flow_dissect's `struct bpf_flow_keys`: zeroed, then
 * n_proto the Ethernet type, nhoff and thoff ETH_HLEN, flags from ctx_in. After each
 * run nhoff is clamped into [ETH_HLEN, size] and thoff into [nhoff, size]. data_out is
 * the flow keys; ctx_in and ctx_out are flow keys too, of which only flags may be set.
 * The return value is the program's r0 unchanged.
 */
const ETH_HLEN = 14;
const EFAULT = 14;
/** bpf_flow_keys fields bpf_flow_dissect sets and clamps. */
const NHOFF = 0;
const THOFF = 2;
const N_PROTO = 10;
const FLAGS = 48;

/**
 * bpf_flow_dissector_load_bytes: reads through ctx->skb, which a test run does not have,
 * so it zeroes the buffer and fails with -EFAULT.
 */
const loadBytes: Helper = (regs, vm) => {
  vm.memory.write(regs.get(3), new Uint8Array(Number(regs.get(4) & 0xffffffffn)));
  return errno(EFAULT);
};

const HELPERS = new Map<number, Helper>([[helperId('skb_load_bytes')!, loadBytes]]);

export const FLOW_DISSECTOR: ContextKind = {
  ctxName: '__sk_buff',
  helpers: () => HELPERS,
  prepare(input, env) {
    const p = env.profile;
    const data = input.data ?? new Uint8Array(0);
    if (data.length < ETH_HLEN) refuse('EINVAL', `a flow dissector run needs at least an Ethernet header (${ETH_HLEN} bytes), data_in has ${data.length}`);
    if (data.length > p.pageSize) refuse('EINVAL', `data_in is over ${p.pageSize} bytes`);
    const keysSize = p.sizes.bpf_flow_keys;
    const user = ctxInit(input.ctx, keysSize);
    const userView = user && new DataView(user.buffer);
    if (user && (user.subarray(0, FLAGS).some((b) => b !== 0) || user.subarray(FLAGS + 4).some((b) => b !== 0))) {
      refuse('EINVAL', 'bpf_flow_keys in ctx_in: only flags may be set');
    }
    const flags = userView?.getUint32(FLAGS, true) ?? 0;

    const regions = new RunRegions(env.memory);
    const packet = data.slice();
    const packetAt = regions.map('flow dissector packet', packet, 'r');
    const keys = new Uint8Array(keysSize);
    const keysView = new DataView(keys.buffer);
    const keysAt = regions.map('bpf_flow_keys', keys, 'rw');
    const ctx = new Uint8Array(p.sizes.bpf_flow_dissector);
    const ctxView = new DataView(ctx.buffer);
    putU64(ctxView, p.offsets['bpf_flow_dissector.flow_keys'], keysAt);
    putU64(ctxView, p.offsets['bpf_flow_dissector.data'], packetAt);
    putU64(ctxView, p.offsets['bpf_flow_dissector.data_end'], packetAt + BigInt(packet.length));
    const ctxAt = regions.map('bpf_flow_dissector', ctx, 'r');
    const size = packet.length;
    beginRun(env.memory, undefined);
    return {
      ctx: ctxAt,
      beforeEach() {
        keys.fill(0);
        keysView.setUint16(N_PROTO, (data[12]! << 8) | data[13]!, false);
        keysView.setUint16(NHOFF, ETH_HLEN, true);
        keysView.setUint16(THOFF, ETH_HLEN, true);
        keysView.setUint32(FLAGS, flags, true);
      },
      afterEach() {
        const nhoff = clamp(keysView.getUint16(NHOFF, true), ETH_HLEN, size);
        keysView.setUint16(NHOFF, nhoff, true);
        keysView.setUint16(THOFF, clamp(keysView.getUint16(THOFF, true), nhoff, size), true);
      },
      finish() {
        const dataOut = keys.slice();
        checkRoom('data', dataOut.length, input.dataSizeOut);
        if (!user) return { dataOut };
        checkRoom('ctx', user.length, input.ctxSizeOut);
        return { dataOut, ctxOut: user };
      },
      release() {
        endRun(env.memory);
        regions.release();
      },
    };
  },
};

/** clamp_t(u16, v, lo, hi): the kernel's clamp, which gives hi when lo > hi. */
function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi) & 0xffff;
}
