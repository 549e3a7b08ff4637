import { EFAULT, EINVAL, ENOMEM } from '../../errno.js';
import { helperId } from '../../isa/index.js';
import type { Helper } from '../vm.js';
import type { KernelFunction, KernelProfile } from '../fixups/kernel-profile.js';
import { activeRun, align, beginRun, changesPacket, checkRoom, ctxInit, endRun, errno, loopbackDevice, putU64, RunRegions, type ContextKind, type RunEnv, type RunInput } from './common.js';
import { refuse } from './errors.js';
import { PacketWindow } from './packet.js';

/**
 * Socket filters, tc, cgroup skb and lwt programs as bpf_prog_test_run_skb runs them: the packet in an
 * skb with NET_SKB_PAD + NET_IP_ALIGN of headroom on the loopback device, eth_type_trans
 * taking the Ethernet header off (protocol, pkt_type) and tc programs (is_l2) getting it
 * back, packet pointers for all but socket filters (is_direct_pkt_access), `struct __sk_buff` in and out through convert___skb_to_skb and back. A socket
 * filter's data_out starts with 14 zero bytes where the Ethernet header was.
 */
const ETH_HLEN = 14;
const SKB_CTX_SIZE = 192;
const TC_ACT_SHOT = 2n;
const TC_ACT_REDIRECT = 7n;
const BPF_F_INGRESS = 1n;
const SKF_NET_OFF = -0x100000;
const SKF_LL_OFF = -0x200000;
const GSO_MAX_SEGS = 65535;
const GSO_LEGACY_MAX_SIZE = 65536;
/** Minimum network header lengths the run insists on for IPv4 and IPv6 (found by running the kernel). */
const NETWORK_HEADER_MIN = new Map([
  [0x0800, 20],
  [0x86dd, 40],
]);

/** `struct __sk_buff` fields convert___skb_to_skb takes from ctx_in; every other byte must be zero. */
const CTX_IN_FIELDS: readonly [number, number][] = [
  [8, 4], // mark
  [32, 4], // priority
  [36, 4], // ingress_ifindex
  [40, 4], // ifindex
  [48, 20], // cb[5]
  [152, 8], // tstamp
  [160, 4], // wire_len
  [164, 4], // gso_segs
  [176, 4], // gso_size
  [184, 8], // hwtstamp
];

class SkbRun {
  readonly kind = 'skb';
  /** What the program may not see but the run keeps: skb_shared_info's gso fields, hwtstamp. */
  gsoSegs = 0;
  hwtstamp = 0n;
  constructor(
    readonly buf: Uint8Array,
    readonly packet: PacketWindow,
    readonly skb: DataView,
    readonly p: KernelProfile,
    public data: number,
    public len: number,
    readonly directAccess: boolean,
  ) {}

  u32(field: Parameters<SkbRun['off']>[0]): number {
    return this.skb.getUint32(this.off(field), true);
  }

  off(field: keyof KernelProfile['offsets']): number {
    return this.p.offsets[field];
  }

  /** Bounds the packet to [data, data + len) and writes data, len and the packet pointers the rewritten code reads. */
  sync(): void {
    const v = this.skb;
    const end = this.data + this.len;
    this.packet.move(this.data, end);
    putU64(v, this.off('sk_buff.head'), this.packet.at(0));
    putU64(v, this.off('sk_buff.data'), this.packet.at(this.data));
    v.setUint32(this.off('sk_buff.len'), this.len, true);
    v.setUint32(this.off('sk_buff.tail'), end, true);
    if (this.directAccess) {
      const cb = this.off('sk_buff.cb');
      putU64(v, cb + this.off('bpf_skb_data_end.data_end'), this.packet.at(end));
      putU64(v, cb + this.off('bpf_skb_data_end.data_meta'), this.packet.at(this.data));
    }
  }
}

const isSkb = (s: unknown): s is SkbRun => s instanceof SkbRun;

function prepare(isL2: boolean, directAccess: boolean) {
  return (input: RunInput, env: RunEnv) => {
    const p = env.profile;
    const data = input.data ?? new Uint8Array(0);
    const size = data.length;
    const tailroom = align(p.sizes.skb_shared_info, p.cacheLine);
    if (size < ETH_HLEN) refuse('EINVAL', `an skb run needs at least an Ethernet header (${ETH_HLEN} bytes), data_in has ${size}`);
    if (size > p.pageSize - p.skbHeadroom - tailroom) refuse('EINVAL', `data_in is over ${p.pageSize - p.skbHeadroom - tailroom} bytes`);
    const ctx = ctxInit(input.ctx, SKB_CTX_SIZE);
    const ctxView = ctx && new DataView(ctx.buffer);
    const ifindex = ctxView?.getUint32(40, true) ?? 0;
    if (ifindex > p.loopbackIfindex) refuse('ENODEV', `__sk_buff: no device has ifindex ${ifindex}`);

    const buf = new Uint8Array(p.skbHeadroom + align(size, p.cacheLine) + tailroom);
    buf.set(data, p.skbHeadroom);
    const packet = new PacketWindow(env.memory, 'skb packet', buf);
    const regions = new RunRegions(env.memory);
    const skbBytes = new Uint8Array(p.sizes.sk_buff);
    const skb = new DataView(skbBytes.buffer);
    const run = new SkbRun(buf, packet, skb, p, p.skbHeadroom, size, directAccess);
    skb.setUint32(run.off('sk_buff.end'), buf.length - tailroom, true);
    putU64(skb, run.off('sk_buff.dev'), loopbackDevice(env.memory, p));
    skb.setUint16(run.off('sk_buff.transport_header'), 0xffff, true);

    // eth_type_trans on the loopback device (address 00:00:00:00:00:00).
    const eth = data.subarray(0, ETH_HLEN);
    skb.setUint16(run.off('sk_buff.mac_header'), run.data, true);
    skb.setUint8(p.pktTypeOffset, packetType(eth));
    run.data += ETH_HLEN;
    run.len -= ETH_HLEN;
    const protocol = ethProtocol(data);
    skb.setUint16(run.off('sk_buff.protocol'), protocol, false);
    skb.setUint16(run.off('sk_buff.network_header'), run.data, true);
    const needed = NETWORK_HEADER_MIN.get(protocol);
    if (needed !== undefined && run.len < needed) refuse('EINVAL', `the Ethernet type is 0x${protocol.toString(16)}, but only ${run.len} bytes follow the Ethernet header (needs ${needed})`);
    if (isL2) {
      run.data -= ETH_HLEN;
      run.len += ETH_HLEN;
    }
    if (run.len === 0) refuse('EINVAL', 'the skb is empty once the Ethernet header is taken off');
    if (ctxView) {
      convertIn(ctxView, run);
    }
    run.sync();
    beginRun(env.memory, run);
    return {
      ctx: regions.map('sk_buff', skbBytes, 'rw'),
      finish() {
        if (!isL2) {
          run.data -= ETH_HLEN;
          run.len += ETH_HLEN;
          buf.fill(0, run.data, run.data + ETH_HLEN);
        }
        const dataOut = buf.slice(run.data, run.data + run.len);
        checkRoom('data', dataOut.length, input.dataSizeOut);
        if (!ctx) return { dataOut };
        convertOut(ctxView!, run);
        checkRoom('ctx', ctx.length, input.ctxSizeOut);
        return { dataOut, ctxOut: ctx };
      },
      release() {
        endRun(env.memory);
        regions.release();
        packet.release();
      },
    };
  };
}

function packetType(eth: Uint8Array): number {
  const dest = eth.subarray(0, 6);
  if (dest[0]! & 1) return dest.every((b) => b === 0xff) ? 1 : 2; // PACKET_BROADCAST, PACKET_MULTICAST
  return dest.every((b) => b === 0) ? 0 : 3; // PACKET_HOST, PACKET_OTHERHOST
}

/** eth_type_trans's protocol: the Ethernet type, or 802.3 / 802.2 for a length field. */
function ethProtocol(frame: Uint8Array): number {
  const type = (frame[12]! << 8) | frame[13]!;
  if (type >= 0x600) return type;
  if (frame.length >= ETH_HLEN + 2 && frame[14] === 0xff && frame[15] === 0xff) return 0x0001;
  return 0x0004;
}

/** convert___skb_to_skb: the fields a test run may set, every other byte zero. */
function convertIn(c: DataView, run: SkbRun): void {
  const allowed = new Uint8Array(SKB_CTX_SIZE);
  for (const [off, len] of CTX_IN_FIELDS) allowed.fill(1, off, off + len);
  for (let i = 0; i < SKB_CTX_SIZE; i++) {
    if (!allowed[i] && c.getUint8(i) !== 0) refuse('EINVAL', `__sk_buff: byte ${i} of ctx_in must be zero (only mark, priority, ingress_ifindex, ifindex, cb, tstamp, wire_len, gso_segs, gso_size and hwtstamp may be set)`);
  }
  const skb = run.skb;
  const cb = run.off('sk_buff.cb');
  skb.setUint32(run.off('sk_buff.mark'), c.getUint32(8, true), true);
  skb.setUint32(run.off('sk_buff.priority'), c.getUint32(32, true), true);
  skb.setUint32(run.off('sk_buff.skb_iif'), c.getUint32(36, true), true);
  skb.setBigUint64(run.off('sk_buff.tstamp'), c.getBigUint64(152, true), true);
  for (let i = 0; i < 20; i++) skb.setUint8(cb + run.off('qdisc_skb_cb.data') + i, c.getUint8(48 + i));
  const wireLen = c.getUint32(160, true);
  if (wireLen !== 0 && (wireLen < run.len || wireLen > GSO_LEGACY_MAX_SIZE)) refuse('EINVAL', `__sk_buff: wire_len ${wireLen} is below the packet length or over ${GSO_LEGACY_MAX_SIZE}`);
  skb.setUint32(cb, wireLen || run.len, true); // qdisc_skb_cb.pkt_len
  run.gsoSegs = c.getUint32(164, true);
  if (run.gsoSegs > GSO_MAX_SEGS) refuse('EINVAL', `__sk_buff: gso_segs is over ${GSO_MAX_SEGS}`);
  run.hwtstamp = c.getBigUint64(184, true);
}

/** convert_skb_to___skb: what the run hands back in ctx_out. */
function convertOut(c: DataView, run: SkbRun): void {
  const skb = run.skb;
  const cb = run.off('sk_buff.cb');
  c.setUint32(8, run.u32('sk_buff.mark'), true);
  c.setUint32(32, run.u32('sk_buff.priority'), true);
  c.setUint32(36, run.u32('sk_buff.skb_iif'), true);
  c.setUint32(40, run.p.loopbackIfindex, true);
  c.setBigUint64(152, skb.getBigUint64(run.off('sk_buff.tstamp'), true), true);
  for (let i = 0; i < 20; i++) c.setUint8(48 + i, skb.getUint8(cb + run.off('qdisc_skb_cb.data') + i));
  c.setUint32(160, skb.getUint32(cb, true), true);
  c.setUint32(164, run.gsoSegs, true);
  c.setBigUint64(184, run.hwtstamp, true);
}

/** bpf_skb_load_bytes: `len` bytes from `offset` of the packet, or zeros and -EFAULT. */
const loadBytes: Helper = (regs, vm) => {
  const s = activeRun(vm.memory, isSkb, 'bpf_skb_load_bytes');
  const offset = Number(regs.get(2) & 0xffffffffn);
  const to = regs.get(3);
  const len = Number(regs.get(4) & 0xffffffffn);
  if (offset > 0x7fffffff || offset + len > s.len) {
    vm.memory.write(to, new Uint8Array(len));
    return errno(EFAULT);
  }
  vm.memory.write(to, s.buf.subarray(s.data + offset, s.data + offset + len));
  return 0n;
};

const BPF_F_RECOMPUTE_CSUM = 1n;
const BPF_F_INVALIDATE_HASH = 2n;
const BPF_F_NO_CSUM_RESET = 1n << 30n;

/** bpf_skb_store_bytes: writes into the packet (a test run's skb has no checksum to fix up). */
const storeBytes: Helper = (regs, vm) => {
  const s = activeRun(vm.memory, isSkb, 'bpf_skb_store_bytes');
  const offset = Number(regs.get(2) & 0xffffffffn);
  const len = Number(regs.get(4) & 0xffffffffn);
  const flags = regs.get(5);
  if (flags & ~(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH | BPF_F_NO_CSUM_RESET)) return errno(EINVAL);
  if (offset > 0x7fffffff || offset + len > s.len) return errno(EFAULT);
  s.buf.set(vm.memory.read(regs.get(3), len), s.data + offset);
  if (flags & BPF_F_INVALIDATE_HASH) s.skb.setUint32(s.off('sk_buff.hash'), 0, true);
  return 0n;
};

/**
 * bpf_skb_pull_data: makes `len` bytes (0: the linear part) direct-access readable and
 * writable. A test run's skb is linear and not cloned, so there is nothing to pull:
 * 0 up to the packet's length, -ENOMEM past it (pskb_may_pull).
 */
const pullData: Helper = (regs, vm) => {
  const s = activeRun(vm.memory, isSkb, 'bpf_skb_pull_data');
  return Number(regs.get(2) & 0xffffffffn) > s.len ? errno(ENOMEM) : 0n;
};

/** bpf_redirect for tc: TC_ACT_REDIRECT, or TC_ACT_SHOT for flags other than BPF_F_INGRESS. */
const redirect: Helper = (regs) => (regs.get(2) & ~BPF_F_INGRESS ? TC_ACT_SHOT : TC_ACT_REDIRECT);

/**
 * bpf_skb_load_helper_{8,16,32}_no_cache, the calls LD_ABS/LD_IND become: big-endian
 * bytes at a signed offset from data, or below the network (SKF_NET_OFF) or link
 * layer (SKF_LL_OFF) header; -EFAULT when out of the packet.
 */
function ldAbsLoader(width: 1 | 2 | 4): Helper {
  return (regs, vm) => {
    const s = activeRun(vm.memory, isSkb, 'LD_ABS');
    const k = Number(BigInt.asIntN(32, regs.get(2)));
    let at: number | undefined;
    if (k >= 0) at = k + width <= s.len ? s.data + k : undefined;
    else {
      const header = k >= SKF_NET_OFF ? s.skb.getUint16(s.off('sk_buff.network_header'), true) : s.skb.getUint16(s.off('sk_buff.mac_header'), true);
      const ptr = k >= SKF_NET_OFF ? header + k - SKF_NET_OFF : k >= SKF_LL_OFF ? header + k - SKF_LL_OFF : -1;
      at = ptr >= 0 && ptr + width <= s.data + s.len ? ptr : undefined;
    }
    if (at === undefined) return errno(EFAULT);
    let v = 0;
    for (let i = 0; i < width; i++) v = v * 256 + s.buf[at + i]!;
    return BigInt(v);
  };
}

const LOADERS: readonly [KernelFunction, 1 | 2 | 4][] = [
  ['bpf_skb_load_helper_8_no_cache', 1],
  ['bpf_skb_load_helper_16_no_cache', 2],
  ['bpf_skb_load_helper_32_no_cache', 4],
];

function skbKind(isL2: boolean, directAccess: boolean, own: readonly [string, Helper][]): ContextKind {
  const tables = new WeakMap<KernelProfile, ReadonlyMap<number, Helper>>();
  return {
    ctxName: '__sk_buff',
    helpers(p) {
      let t = tables.get(p);
      if (!t) {
        t = new Map<number, Helper>([
          ...own.map(([name, h]) => [helperId(name)!, h] as const),
          ...LOADERS.map(([name, width]) => [p.functions[name], ldAbsLoader(width)] as const),
        ]);
        tables.set(p, t);
      }
      return t;
    },
    prepare: prepare(isL2, directAccess),
  };
}

/** sk_filter_func_proto: socket filters read the packet; they cannot change it or redirect. */
export const SOCKET_FILTER = skbKind(false, false, [['skb_load_bytes', loadBytes]]);

/** tc_cls_act_func_proto (the part bpfscope implements). */
export const TC = skbKind(true, true, [
  ['skb_load_bytes', loadBytes],
  ['skb_store_bytes', changesPacket(storeBytes, isSkb, 'bpf_skb_store_bytes')],
  ['skb_pull_data', changesPacket(pullData, isSkb, 'bpf_skb_pull_data')],
  ['redirect', redirect],
]);

/** cg_skb_func_proto (the part bpfscope implements): cgroup programs read the packet. */
export const CGROUP_SKB = skbKind(false, true, [['skb_load_bytes', loadBytes]]);

/** lwt_in_func_proto and lwt_out_func_proto (the part bpfscope implements). */
export const LWT_IN_OUT = skbKind(false, true, [
  ['skb_load_bytes', loadBytes],
  ['skb_pull_data', changesPacket(pullData, isSkb, 'bpf_skb_pull_data')],
]);

/** lwt_xmit_func_proto (the part bpfscope implements): xmit programs may also write the packet and redirect. */
export const LWT_XMIT = skbKind(false, true, [
  ['skb_load_bytes', loadBytes],
  ['skb_store_bytes', changesPacket(storeBytes, isSkb, 'bpf_skb_store_bytes')],
  ['skb_pull_data', changesPacket(pullData, isSkb, 'bpf_skb_pull_data')],
  ['redirect', redirect],
]);
