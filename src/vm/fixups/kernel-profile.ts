/**
 * What one kernel build's load-time rewrites depend on: where the fields a program's
 * context accesses turn into live in the kernel's own structs, and the addresses (as
 * call immediates, `function - __bpf_call_base`) of the internal functions the kernel
 * calls from rewritten code. One table per build, so that a second kernel is a second
 * table, not edits scattered through the rewrites.
 */
export interface KernelProfile {
  /** `uname -r` and arch of the build the numbers were read from. */
  readonly release: string;
  /** Byte offsets of kernel struct fields, by `struct.field`. */
  readonly offsets: Readonly<Record<KernelField, number>>;
  /** Call immediates of the kernel functions rewritten code calls. */
  readonly functions: Readonly<Record<KernelFunction, number>>;
  /** `skb->pkt_type` is the low 3 bits of the byte at this offset (little-endian bitfields). */
  readonly pktTypeOffset: number;
  /** sizeof() of the kernel structs test runs build. */
  readonly sizes: Readonly<Record<'xdp_buff' | 'xdp_rxq_info' | 'xdp_frame' | 'net_device' | 'sk_buff' | 'skb_shared_info' | 'pt_regs' | 'bpf_flow_dissector' | 'bpf_flow_keys', number>>;
  readonly pageSize: number;
  /** NET_SKB_PAD + NET_IP_ALIGN: the headroom of a test run's skb. */
  readonly skbHeadroom: number;
  /** SKB_DATA_ALIGN's alignment (SMP_CACHE_BYTES). */
  readonly cacheLine: number;
  /** The loopback device test runs use: its ifindex. */
  readonly loopbackIfindex: number;
  /** The most XDP metadata a frame may carry: what skb_shared_info's meta_len can hold. */
  readonly xdpMetadataMax: number;
  /** __BPF_FUNC_MAX_ID: helper ids at or past it are `invalid func`. */
  readonly helperCount: number;
}

export type KernelField =
  | 'xdp_buff.data' | 'xdp_buff.data_end' | 'xdp_buff.data_meta' | 'xdp_buff.data_hard_start'
  | 'xdp_buff.rxq' | 'xdp_buff.txq' | 'xdp_buff.frame_sz'
  | 'xdp_rxq_info.dev' | 'xdp_rxq_info.queue_index' | 'xdp_txq_info.dev'
  | 'net_device.ifindex'
  | 'sk_buff.dev' | 'sk_buff.tstamp' | 'sk_buff.cb' | 'sk_buff.len' | 'sk_buff.data_len'
  | 'sk_buff.queue_mapping' | 'sk_buff.tc_index' | 'sk_buff.priority' | 'sk_buff.skb_iif'
  | 'sk_buff.hash' | 'sk_buff.vlan_all' | 'sk_buff.vlan_proto' | 'sk_buff.vlan_tci' | 'sk_buff.mark'
  | 'sk_buff.protocol' | 'sk_buff.transport_header' | 'sk_buff.network_header' | 'sk_buff.mac_header'
  | 'sk_buff.tail' | 'sk_buff.end' | 'sk_buff.head' | 'sk_buff.data' | 'sk_buff.size'
  | 'qdisc_skb_cb.tc_classid' | 'qdisc_skb_cb.data'
  | 'bpf_skb_data_end.data_meta' | 'bpf_skb_data_end.data_end'
  | 'bpf_flow_dissector.flow_keys' | 'bpf_flow_dissector.data' | 'bpf_flow_dissector.data_end'
  | 'bpf_perf_event_data_kern.regs' | 'bpf_perf_event_data_kern.data' | 'perf_sample_data.period' | 'perf_sample_data.addr';

export type KernelFunction =
  | 'bpf_skb_load_helper_8_no_cache'
  | 'bpf_skb_load_helper_16_no_cache'
  | 'bpf_skb_load_helper_32_no_cache';

/**
 * Linux 6.18.44 x86-64, the kernel test/golden was made on. Offsets from its BTF
 * (/sys/kernel/btf/vmlinux), function immediates from its /proc/kallsyms; those the
 * golden dumps show (test/golden/NOTES.md) agree.
 */
export const LINUX_6_18_X86_64: KernelProfile = Object.freeze({
  release: '6.18.44 x86_64',
  offsets: Object.freeze({
    'xdp_buff.data': 0,
    'xdp_buff.data_end': 8,
    'xdp_buff.data_meta': 16,
    'xdp_buff.data_hard_start': 24,
    'xdp_buff.rxq': 32,
    'xdp_buff.txq': 40,
    'xdp_buff.frame_sz': 48,
    'xdp_rxq_info.dev': 0,
    'xdp_rxq_info.queue_index': 8,
    'xdp_txq_info.dev': 0,
    'net_device.ifindex': 224,
    'sk_buff.dev': 16,
    'sk_buff.tstamp': 32,
    'sk_buff.cb': 40,
    'sk_buff.len': 112,
    'sk_buff.data_len': 116,
    'sk_buff.queue_mapping': 124,
    'sk_buff.tc_index': 132,
    'sk_buff.priority': 140,
    'sk_buff.skb_iif': 144,
    'sk_buff.hash': 148,
    'sk_buff.vlan_all': 152,
    'sk_buff.vlan_proto': 152,
    'sk_buff.vlan_tci': 154,
    'sk_buff.mark': 164,
    'sk_buff.protocol': 176,
    'sk_buff.transport_header': 178,
    'sk_buff.network_header': 180,
    'sk_buff.mac_header': 182,
    'sk_buff.tail': 184,
    'sk_buff.end': 188,
    'sk_buff.head': 192,
    'sk_buff.data': 200,
    'sk_buff.size': 224,
    'qdisc_skb_cb.tc_classid': 6,
    'qdisc_skb_cb.data': 8,
    'bpf_skb_data_end.data_meta': 32,
    'bpf_skb_data_end.data_end': 40,
    'bpf_flow_dissector.flow_keys': 0,
    'bpf_flow_dissector.data': 16,
    'bpf_flow_dissector.data_end': 24,
    'bpf_perf_event_data_kern.regs': 0,
    'bpf_perf_event_data_kern.data': 8,
    'perf_sample_data.period': 8,
    'perf_sample_data.addr': 184,
  }),
  functions: Object.freeze({
    bpf_skb_load_helper_8_no_cache: 10283568,
    bpf_skb_load_helper_16_no_cache: 10283808,
    bpf_skb_load_helper_32_no_cache: 10255408,
  }),
  pktTypeOffset: 128,
  sizes: Object.freeze({ xdp_buff: 56, xdp_rxq_info: 64, xdp_frame: 40, net_device: 2496, sk_buff: 224, skb_shared_info: 320, pt_regs: 168, bpf_flow_dissector: 32, bpf_flow_keys: 56 }),
  pageSize: 4096,
  skbHeadroom: 64, // NET_SKB_PAD 64 (L1_CACHE_BYTES), NET_IP_ALIGN 0 on x86
  cacheLine: 64,
  loopbackIfindex: 1,
  xdpMetadataMax: 255, // meta_len is a u8
  helperCount: 212, // the last helper, cgrp_storage_delete, is 211; none were added after 6.2
});

/** The profile loads use unless told otherwise. */
export const DEFAULT_KERNEL_PROFILE = LINUX_6_18_X86_64;

/** The kernel function a call immediate names in this profile, if any. */
export function kernelFunctionAt(profile: KernelProfile, imm: number): KernelFunction | undefined {
  for (const [name, value] of Object.entries(profile.functions) as [KernelFunction, number][]) {
    if (value === imm) return name;
  }
  return undefined;
}
