import { VerifierError } from '../../errors.js';
import { type Insn, aluImm, jmpImm, ldx, movImm, resized, type AccessBytes as Size, accessBytes, lookupOpcode } from '../../isa/index.js';
import { ATTACH_TYPE_NAMES, progTypeId } from '../../object/index.js';
import type { KernelField, KernelProfile } from './kernel-profile.js';

/**
 * The kernel's convert_ctx_accesses for the contexts our programs see: each field of
 * the UAPI struct a program reads or writes (`struct xdp_md`, `struct __sk_buff`) is
 * turned into loads and stores of the kernel struct behind it (`struct xdp_buff`,
 * `struct sk_buff`), with offsets from the kernel profile. Which fields a program type
 * may touch follows the kernel's is_valid_access functions.
 */

interface Read {
  insns: Insn[];
  /** Width of the kernel field read, for narrow loads (the kernel's target_size). */
  target: Size;
}

interface FieldRule {
  name: string;
  /** Offset and size in the UAPI struct. */
  off: number;
  size: 4 | 8;
  /** Whether a load narrower than the field is allowed (never for pointers). */
  narrow: boolean;
  read(dst: number, src: number, p: KernelProfile): Read;
  write?(store: Insn, p: KernelProfile): Insn[];
}

export interface ContextLayout {
  /** The UAPI struct programs see. */
  struct: string;
  size: number;
  fields: readonly FieldRule[];
  /** Whether the program type may read (or write) the field: the kernel's is_valid_access. */
  allows(progType: number, field: string, write: boolean, expectedAttachType: number): boolean;
}

const o = (p: KernelProfile, f: KernelField): number => p.offsets[f];

/** A plain load of one kernel field. */
function direct(size: Size, field: KernelField): FieldRule['read'] {
  return (dst, src, p) => ({ insns: [ldx(size, dst, src, o(p, field))], target: size });
}

/** Loads through a chain of pointers, each into dst: `dst = src->a; dst = dst->b; ...`. */
function chain(...steps: [Size, KernelField][]): FieldRule['read'] {
  return (dst, src, p) => ({
    insns: steps.map(([size, field], i) => ldx(size, dst, i === 0 ? src : dst, o(p, field))),
    target: steps[steps.length - 1]![0],
  });
}

/** A store of the same kind as `like` (register or immediate), at another size and offset. */
function storeLike(like: Insn, size: Size, off: number): Insn {
  return { ...like, code: resized(lookupOpcode(like)!, size).code, off };
}

function storeTo(size: Size, field: KernelField, extra = 0): NonNullable<FieldRule['write']> {
  return (store, p) => [storeLike(store, size, o(p, field) + extra)];
}

const ptr = (name: string, off: number, read: FieldRule['read']): FieldRule => ({ name, off, size: 4, narrow: false, read });
const u32 = (name: string, off: number, read: FieldRule['read'], write?: FieldRule['write']): FieldRule => ({
  name,
  off,
  size: 4,
  narrow: true,
  read,
  ...(write ? { write } : {}),
});

const XDP_FIELDS: FieldRule[] = [
  ptr('data', 0, direct(8, 'xdp_buff.data')),
  ptr('data_end', 4, direct(8, 'xdp_buff.data_end')),
  ptr('data_meta', 8, direct(8, 'xdp_buff.data_meta')),
  u32('ingress_ifindex', 12, chain([8, 'xdp_buff.rxq'], [8, 'xdp_rxq_info.dev'], [4, 'net_device.ifindex'])),
  u32('rx_queue_index', 16, chain([8, 'xdp_buff.rxq'], [4, 'xdp_rxq_info.queue_index'])),
  u32('egress_ifindex', 20, chain([8, 'xdp_buff.txq'], [8, 'xdp_txq_info.dev'], [4, 'net_device.ifindex'])),
];

const XDP_DEVMAP = ATTACH_TYPE_NAMES.indexOf('xdp_devmap');

const XDP_MD: ContextLayout = {
  struct: 'xdp_md',
  size: 24,
  fields: XDP_FIELDS.map((f) => ({ ...f, narrow: false })), // xdp_md fields are read whole
  allows: (_type, field, write, attach) => !write && (field !== 'egress_ifindex' || attach === XDP_DEVMAP),
};

const PKT_TYPE_MAX = 7;

const SKB_FIELDS: FieldRule[] = [
  u32('len', 0, direct(4, 'sk_buff.len')),
  u32('pkt_type', 4, (dst, src, p) => ({ insns: [ldx(1, dst, src, p.pktTypeOffset), aluImm(32, 'and', dst, PKT_TYPE_MAX)], target: 1 })),
  u32('mark', 8, direct(4, 'sk_buff.mark'), storeTo(4, 'sk_buff.mark')),
  u32('queue_mapping', 12, direct(2, 'sk_buff.queue_mapping')),
  u32('protocol', 16, direct(2, 'sk_buff.protocol')),
  u32('vlan_present', 20, (dst, src, p) => ({
    insns: [ldx(4, dst, src, o(p, 'sk_buff.vlan_all')), jmpImm(64, 'jeq', dst, 0, 1), movImm(32, dst, 1)],
    target: 4,
  })),
  u32('vlan_tci', 24, direct(2, 'sk_buff.vlan_tci')),
  u32('vlan_proto', 28, direct(2, 'sk_buff.vlan_proto')),
  u32('priority', 32, direct(4, 'sk_buff.priority'), storeTo(4, 'sk_buff.priority')),
  u32('ingress_ifindex', 36, direct(4, 'sk_buff.skb_iif')),
  // bpf_convert_ctx_access: a socket's skb may have no device; tc's override drops the check.
  u32('ifindex', 40, (dst, src, p) => ({
    insns: [ldx(8, dst, src, o(p, 'sk_buff.dev')), jmpImm(64, 'jeq', dst, 0, 1), ldx(4, dst, dst, o(p, 'net_device.ifindex'))],
    target: 4,
  })),
  u32('tc_index', 44, direct(2, 'sk_buff.tc_index'), storeTo(2, 'sk_buff.tc_index')),
  ...[0, 1, 2, 3, 4].map((i) =>
    u32(
      `cb[${i}]`,
      48 + 4 * i,
      (dst, src, p) => ({ insns: [ldx(4, dst, src, o(p, 'sk_buff.cb') + o(p, 'qdisc_skb_cb.data') + 4 * i)], target: 4 }),
      (store, p) => [storeLike(store, 4, o(p, 'sk_buff.cb') + o(p, 'qdisc_skb_cb.data') + 4 * i)],
    ),
  ),
  u32('hash', 68, direct(4, 'sk_buff.hash')),
  u32(
    'tc_classid',
    72,
    (dst, src, p) => ({ insns: [ldx(2, dst, src, o(p, 'sk_buff.cb') + o(p, 'qdisc_skb_cb.tc_classid'))], target: 2 }),
    (store, p) => [storeLike(store, 2, o(p, 'sk_buff.cb') + o(p, 'qdisc_skb_cb.tc_classid'))],
  ),
  ptr('data', 76, direct(8, 'sk_buff.data')),
  ptr('data_end', 80, (dst, src, p) => ({ insns: [ldx(8, dst, src, o(p, 'sk_buff.cb') + o(p, 'bpf_skb_data_end.data_end'))], target: 8 })),
  ptr('data_meta', 140, (dst, src, p) => ({ insns: [ldx(8, dst, src, o(p, 'sk_buff.cb') + o(p, 'bpf_skb_data_end.data_meta'))], target: 8 })),
];

const SOCKET_FILTER = progTypeId('socket_filter');
const SCHED_CLS = progTypeId('sched_cls');
const SCHED_ACT = progTypeId('sched_act');

const CB = ['cb[0]', 'cb[1]', 'cb[2]', 'cb[3]', 'cb[4]'];
const CGROUP_SKB = progTypeId('cgroup_skb');
const LWT_TYPES = (['lwt_in', 'lwt_out', 'lwt_xmit', 'lwt_seg6local'] as const).map(progTypeId);
const CGROUP_AND_LWT_ACCESS = { hidden: new Set(['tc_classid', 'data_meta']), writable: new Set(['mark', 'priority', ...CB]) };

/**
 * Each skb program type's is_valid_access, for the fields SKB_FIELDS knows: what it may
 * not touch at all, and what it may write (a privileged loader: CAP_BPF and CAP_SYS_ADMIN).
 */
const SKB_ACCESS = new Map<number, { hidden: ReadonlySet<string>; writable: ReadonlySet<string> }>([
  // sk_filter_is_valid_access: no packet pointers, no tc_classid; only cb[] is writable.
  [SOCKET_FILTER, { hidden: new Set(['tc_classid', 'data', 'data_meta', 'data_end']), writable: new Set(CB) }],
  // tc_cls_act_is_valid_access.
  ...[SCHED_CLS, SCHED_ACT].map((t) => [t, { hidden: new Set<string>(), writable: new Set(['mark', 'tc_index', 'priority', 'tc_classid', ...CB]) }] as const),
  // cg_skb_is_valid_access and lwt_is_valid_access agree on the fields SKB_FIELDS knows.
  ...[CGROUP_SKB, ...LWT_TYPES].map((t) => [t, CGROUP_AND_LWT_ACCESS] as const),
]);

/** tc_cls_act_convert_ctx_access: a tc program's skb always has its device. */
const TC_SKB_FIELDS = SKB_FIELDS.map((f) => (f.name === 'ifindex' ? { ...f, read: chain([8, 'sk_buff.dev'], [4, 'net_device.ifindex']) } : f));

const SK_BUFF: ContextLayout = {
  struct: '__sk_buff',
  size: 192,
  fields: SKB_FIELDS,
  allows(type, field, write) {
    const rule = SKB_ACCESS.get(type);
    return rule !== undefined && !rule.hidden.has(field) && (!write || rule.writable.has(field));
  },
};

/**
 * flow_dissector_convert_ctx_access: a flow dissector's `__sk_buff` is a `struct
 * bpf_flow_dissector`, of which flow_dissector_is_valid_access lets it read data,
 * data_end and the flow_keys pointer, nothing else, and write nothing.
 */
const FLOW_DISSECTOR_SKB: ContextLayout = {
  struct: '__sk_buff',
  size: 192,
  fields: [
    ptr('data', 76, direct(8, 'bpf_flow_dissector.data')),
    ptr('data_end', 80, direct(8, 'bpf_flow_dissector.data_end')),
    { name: 'flow_keys', off: 144, size: 8, narrow: false, read: direct(8, 'bpf_flow_dissector.flow_keys') },
  ],
  allows: (_type, _field, write) => !write,
};

/** sizeof(bpf_user_pt_regs_t) on x86-64: struct pt_regs, 21 registers. */
const PT_REGS_WORDS = 21;

/**
 * pe_prog_convert_ctx_access: `struct bpf_perf_event_data` is `bpf_perf_event_data_kern`
 * in the kernel, which holds pointers to the registers and to the sample.
 */
const PERF_EVENT_FIELDS: FieldRule[] = [
  ...Array.from({ length: PT_REGS_WORDS }, (_, i): FieldRule => ({
    name: `regs[${i}]`,
    off: 8 * i,
    size: 8,
    narrow: false,
    read: (dst, src, p) => ({ insns: [ldx(8, dst, src, o(p, 'bpf_perf_event_data_kern.regs')), ldx(8, dst, dst, 8 * i)], target: 8 }),
  })),
  { name: 'sample_period', off: 8 * PT_REGS_WORDS, size: 8, narrow: true, read: chain([8, 'bpf_perf_event_data_kern.data'], [8, 'perf_sample_data.period']) },
  { name: 'addr', off: 8 * PT_REGS_WORDS + 8, size: 8, narrow: true, read: chain([8, 'bpf_perf_event_data_kern.data'], [8, 'perf_sample_data.addr']) },
];

/** pe_prog_is_valid_access: reads only. */
const PERF_EVENT_DATA: ContextLayout = {
  struct: 'bpf_perf_event_data',
  size: 8 * PT_REGS_WORDS + 16,
  fields: PERF_EVENT_FIELDS,
  allows: (_type, _field, write) => !write,
};

/** The context each program type's accesses are rewritten from; none for those the kernel leaves alone. */
const LAYOUTS = new Map<number, ContextLayout>([
  [progTypeId('xdp'), XDP_MD],
  [SOCKET_FILTER, SK_BUFF],
  [SCHED_CLS, { ...SK_BUFF, fields: TC_SKB_FIELDS }],
  [SCHED_ACT, { ...SK_BUFF, fields: TC_SKB_FIELDS }],
  [CGROUP_SKB, SK_BUFF],
  ...LWT_TYPES.map((t) => [t, SK_BUFF] as const),
  [progTypeId('flow_dissector'), FLOW_DISSECTOR_SKB],
  [progTypeId('perf_event'), PERF_EVENT_DATA],
]);

export function contextLayout(progType: number): ContextLayout | undefined {
  return LAYOUTS.get(progType);
}

/** The instructions the kernel puts in place of one context access. */
export function convertContextAccess(layout: ContextLayout, progType: number, attach: number, insn: Insn, p: KernelProfile): Insn[] {
  const row = lookupOpcode(insn)!;
  const write = row.writes.includes('mem');
  const size = accessBytes(insn)!;
  const invalid = (): VerifierError => new VerifierError(`invalid bpf_context access off=${insn.off} size=${size}`);
  if (row.mode === 'ATOMIC') {
    throw new VerifierError(row.atomic === 'load_acquire' ? `BPF_ATOMIC loads from R${insn.src} ctx is not allowed` : `BPF_ATOMIC stores into R${insn.dst} ctx is not allowed`);
  }
  if (row.mode === 'MEMSX') throw invalid();
  const field = layout.fields.find((f) => f.off <= insn.off && insn.off < f.off + f.size);
  if (!field || !layout.allows(progType, field.name, write, attach)) throw invalid();
  if (write) {
    if (size !== field.size || insn.off !== field.off || !field.write) throw invalid();
    return field.write(insn, p);
  }
  const whole = size === field.size && insn.off === field.off;
  if (!whole && (!field.narrow || size > field.size || (insn.off - field.off) % size !== 0)) throw invalid();
  const read = field.read(insn.dst, insn.src, p);
  if (whole || size >= read.target) return read.insns;
  // A narrow load reads the whole field, then shifts and masks (little-endian order).
  const shift = (insn.off - field.off) * 8;
  const mask = size === 4 ? -1 : (1 << (size * 8)) - 1;
  const out = [...read.insns];
  if (shift) out.push(aluImm(field.size <= 4 ? 32 : 64, 'rsh', insn.dst, shift));
  out.push(aluImm(32, 'and', insn.dst, mask));
  return out;
}
