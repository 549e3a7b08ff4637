import { EACCES, EINVAL } from '../../errno.js';
import { NotModelledError, VmFault } from '../../errors.js';
import { helperId } from '../../isa/index.js';
import { BPF_F_BROADCAST, isRedirectMap } from '../maps/redirect.js';
import type { Helper } from '../vm.js';
import type { KernelProfile } from '../fixups/kernel-profile.js';
import { activeRun, align, beginRun, changesPacket, ctxInit, checkRoom, endRun, errno, fixture, loopbackDevice, putU64, RunRegions, type ContextKind, type RunEnv, type RunInput } from './common.js';
import { refuse } from './errors.js';
import { PacketWindow } from './packet.js';

/**
 * XDP as bpf_prog_test_run_xdp runs it: the packet in a page-sized frame after
 * XDP_PACKET_HEADROOM, tailroom for the skb_shared_info, an xdp_buff whose rxq is the
 * loopback device's queue 0, and ctx_in/ctx_out as `struct xdp_md` (data and data_end
 * as offsets from data_meta). Multi-buffer (frags) packets are not modelled.
 */
const XDP_PACKET_HEADROOM = 256;
const ETH_HLEN = 14;
const XDP_MD_SIZE = 24;
const XDP_ABORTED = 0n;
const XDP_REDIRECT = 4n;

class XdpRun {
  readonly kind = 'xdp';
  constructor(
    readonly frame: Uint8Array,
    readonly packet: PacketWindow,
    readonly buff: DataView,
    readonly p: KernelProfile,
    public data: number,
    public dataEnd: number,
    public dataMeta: number,
    readonly frameSize: number,
    readonly env: RunEnv,
  ) {}

  /** Bounds the packet to [data_meta, data_end) and writes the pointers into the xdp_buff the rewritten code reads. */
  sync(): void {
    const o = this.p.offsets;
    this.packet.move(this.dataMeta, this.dataEnd);
    putU64(this.buff, o['xdp_buff.data'], this.packet.at(this.data));
    putU64(this.buff, o['xdp_buff.data_end'], this.packet.at(this.dataEnd));
    putU64(this.buff, o['xdp_buff.data_meta'], this.packet.at(this.dataMeta));
    putU64(this.buff, o['xdp_buff.data_hard_start'], this.packet.at(0));
  }

  /** xdp_data_hard_end: where the shared info begins. */
  get hardEnd(): number {
    return this.frameSize - this.p.sizes.skb_shared_info;
  }
}

const isXdp = (s: unknown): s is XdpRun => s instanceof XdpRun;
const int32 = (v: bigint): number => Number(BigInt.asIntN(32, v));

function prepare(input: RunInput, env: RunEnv) {
  const p = env.profile;
  const data = input.data ?? new Uint8Array(0);
  const size = data.length;
  const tailroom = align(p.sizes.skb_shared_info, p.cacheLine);
  if (size < ETH_HLEN) refuse('EINVAL', `an XDP run needs at least an Ethernet header (${ETH_HLEN} bytes), data_in has ${size}`);
  const md = ctxInit(input.ctx, XDP_MD_SIZE);
  const mdView = md && new DataView(md.buffer);
  let headroom = XDP_PACKET_HEADROOM;
  if (mdView) {
    const [mdData, mdEnd, mdMeta] = [mdView.getUint32(0, true), mdView.getUint32(4, true), mdView.getUint32(8, true)];
    if (mdMeta !== 0 || mdEnd > size || mdData > mdEnd || mdData % 4 !== 0 || mdData > p.xdpMetadataMax) {
      refuse('EINVAL', `xdp_md: data_meta must be 0, data_end at most the packet size, data a metadata length (a multiple of 4, at most ${p.xdpMetadataMax})`);
    }
    // A data_end short of the packet makes the kernel put the rest in fragments.
    if (mdEnd < size) throw new NotModelledError('a multi-buffer XDP frame', {}, `xdp_md data_end ${mdEnd} below the packet's ${size} bytes asks for a multi-buffer XDP frame, which bpfscope does not model`);
    headroom -= mdData;
  }
  const maxData = p.pageSize - headroom - tailroom;
  if (size > maxData) throw new NotModelledError('a multi-buffer XDP frame', {}, `packets over ${maxData} bytes become multi-buffer XDP frames, which bpfscope does not model`);
  if (mdView) {
    if (mdView.getUint32(20, true) !== 0) refuse('EINVAL', 'xdp_md: egress_ifindex must be 0');
    const ingress = mdView.getUint32(12, true);
    const queue = mdView.getUint32(16, true);
    if (!ingress && queue) refuse('EINVAL', 'xdp_md: rx_queue_index without ingress_ifindex');
    // Only the loopback device exists here, with one receive queue (the one runs use anyway).
    if (ingress && ingress !== p.loopbackIfindex) refuse('ENODEV', `xdp_md: no device has ifindex ${ingress}`);
    if (ingress && queue >= 1) refuse('EINVAL', `xdp_md: the loopback device has no receive queue ${queue}`);
  }
  const frameSize = headroom + align(maxData, p.cacheLine) + tailroom;
  const frame = new Uint8Array(frameSize);
  frame.set(data, headroom);

  const metaLen = mdView ? mdView.getUint32(0, true) : 0;
  const packet = new PacketWindow(env.memory, 'xdp packet', frame);
  const regions = new RunRegions(env.memory);
  const rxq = fixture(env.memory, p, 'xdp_rxq_info lo:0', () => {
    const rxqBytes = new Uint8Array(p.sizes.xdp_rxq_info);
    putU64(new DataView(rxqBytes.buffer), p.offsets['xdp_rxq_info.dev'], loopbackDevice(env.memory, p));
    return rxqBytes;
  });
  const buffBytes = new Uint8Array(p.sizes.xdp_buff);
  const buff = new DataView(buffBytes.buffer);
  putU64(buff, p.offsets['xdp_buff.rxq'], rxq);
  buff.setUint32(p.offsets['xdp_buff.frame_sz'], frameSize, true);
  const ctx = regions.map('xdp_buff', buffBytes, 'r');
  const run = new XdpRun(frame, packet, buff, p, headroom + metaLen, headroom + size, headroom, frameSize, env);
  run.sync();
  beginRun(env.memory, run);
  return {
    ctx,
    finish() {
      const dataOut = frame.slice(run.dataMeta, run.dataEnd);
      checkRoom('data', dataOut.length, input.dataSizeOut);
      if (!md) return { dataOut };
      const out = new DataView(md.buffer);
      out.setUint32(0, run.data - run.dataMeta, true);
      out.setUint32(4, run.dataEnd - run.dataMeta, true);
      checkRoom('ctx', md.length, input.ctxSizeOut);
      return { dataOut, ctxOut: md };
    },
    release() {
      endRun(env.memory);
      regions.release();
      packet.release();
    },
  };
}

/** bpf_xdp_adjust_head: moves data (and the metadata before it) within the headroom. */
const adjustHead: Helper = (regs, vm) => {
  const x = activeRun(vm.memory, isXdp, 'bpf_xdp_adjust_head');
  const offset = int32(regs.get(2));
  const metaLen = x.data - x.dataMeta;
  const data = x.data + offset;
  if (data < x.p.sizes.xdp_frame + metaLen || data > x.dataEnd - ETH_HLEN) return errno(EINVAL);
  if (metaLen) x.frame.copyWithin(x.dataMeta + offset, x.dataMeta, x.data);
  x.dataMeta += offset;
  x.data = data;
  return 0n;
};

/** bpf_xdp_adjust_tail: moves data_end, zeroing what it grows over, up to the shared info. */
const adjustTail: Helper = (regs, vm) => {
  const x = activeRun(vm.memory, isXdp, 'bpf_xdp_adjust_tail');
  const offset = int32(regs.get(2));
  const end = x.dataEnd + offset;
  if (end > x.hardEnd || end < x.data + ETH_HLEN) return errno(EINVAL);
  if (offset > 0) x.frame.fill(0, x.dataEnd, end);
  x.dataEnd = end;
  return 0n;
};

/** bpf_xdp_adjust_meta: moves data_meta; metadata is a multiple of 4 bytes, at most the profile's maximum. */
const adjustMeta: Helper = (regs, vm) => {
  const x = activeRun(vm.memory, isXdp, 'bpf_xdp_adjust_meta');
  const meta = x.dataMeta + int32(regs.get(2));
  if (meta < x.p.sizes.xdp_frame || meta > x.data) return errno(EINVAL);
  const len = x.data - meta;
  if (len % 4 !== 0 || len > x.p.xdpMetadataMax) return errno(EACCES);
  x.dataMeta = meta;
  return 0n;
};

/** bpf_redirect for XDP: any flag aborts; otherwise XDP_REDIRECT (a test run sends nothing). */
const redirect: Helper = (regs) => (regs.get(2) !== 0n ? XDP_ABORTED : XDP_REDIRECT);

const BPF_F_ACTION_MASK = 3n;

/**
 * bpf_redirect_map: XDP_REDIRECT if the map holds the key (the low 32 bits of it) or
 * the flags ask for a broadcast, else the action in the flags' low bits; a flag the
 * map type does not take aborts. The verifier lets only redirect maps in.
 */
const redirectMap: Helper = (regs, vm) => {
  const x = activeRun(vm.memory, isXdp, 'bpf_redirect_map');
  const map = x.env.runtime.mapMemory.requireMap(regs.get(1), 'bpf_redirect_map');
  if (!isRedirectMap(map)) throw new VmFault(`cannot pass map_type ${map.type} into func bpf_redirect_map#${helperId('redirect_map')!}`);
  const flags = regs.get(3);
  if (flags & ~(BPF_F_ACTION_MASK | map.redirectFlags)) return XDP_ABORTED;
  if (map.redirectTarget(Number(regs.get(2) & 0xffffffffn)) || flags & BPF_F_BROADCAST) return XDP_REDIRECT;
  return flags & BPF_F_ACTION_MASK;
};

export const XDP: ContextKind = {
  ctxName: 'xdp_md',
  helpers: () => XDP_HELPERS,
  prepare,
};

const XDP_HELPERS: ReadonlyMap<number, Helper> = new Map<number, Helper>([
    [helperId('xdp_adjust_head')!, changesPacket(adjustHead, isXdp, 'bpf_xdp_adjust_head')],
    [helperId('xdp_adjust_tail')!, changesPacket(adjustTail, isXdp, 'bpf_xdp_adjust_tail')],
    [helperId('xdp_adjust_meta')!, changesPacket(adjustMeta, isXdp, 'bpf_xdp_adjust_meta')],
    [helperId('redirect')!, redirect],
    [helperId('redirect_map')!, redirectMap],
]);
