import { attachTypeId, progTypeId, type AttachTypeName, type ProgTypeName } from './kinds.js';

/**
 * libbpf's mapping from SEC() names to program types (section_defs[] of libbpf 1.7, in
 * its order: the first match wins). How a name matches, as libbpf's sec_def_matches:
 * - `target` (the `+` of libbpf's table): exactly the prefix, or the prefix, `/` and an
 *   attach target (`kprobe/do_nanosleep`);
 * - a prefix ending in `/` (libbpf 0.x's `xdp_devmap/`): any name starting with it;
 * - otherwise the name must equal the prefix.
 * Older loaders read plain names as prefixes (`socket/tail` as `socket`): libbpf 0.x for
 * the entries it flagged SEC_SLOPPY_PFX (`sloppy` here), cilium/ebpf for every plain one.
 */
interface SectionDef {
  prefix: string;
  progType: ProgTypeName;
  attachType?: AttachTypeName;
  target?: boolean;
  sleepable?: boolean;
  /** SEC_ATTACH_BTF: the target is a BTF-described function (fentry, lsm, iter, ...). */
  attachBtf?: boolean;
  xdpFrags?: boolean;
  /** libbpf 0.x matched it as a prefix (SEC_SLOPPY_PFX). */
  sloppy?: boolean;
  /** Only libbpf 0.x knew it; libbpf 1.x dropped it. */
  legacyOnly?: boolean;
}

type Flags = Omit<SectionDef, 'prefix' | 'progType' | 'attachType'>;
const d = (prefix: string, progType: ProgTypeName, attachType?: AttachTypeName, flags: Flags = {}): SectionDef => ({
  prefix,
  progType,
  ...(attachType ? { attachType } : {}),
  ...flags,
});
const T: Flags = { target: true };
const TS: Flags = { target: true, sleepable: true };
const BTF: Flags = { target: true, attachBtf: true };
const BTFS: Flags = { target: true, attachBtf: true, sleepable: true };
const P: Flags = { sloppy: true };

const SECTION_DEFS: readonly SectionDef[] = [
  d('socket', 'socket_filter', undefined, P),
  d('sk_reuseport/migrate', 'sk_reuseport', 'sk_reuseport_select_or_migrate', P),
  d('sk_reuseport', 'sk_reuseport', 'sk_reuseport_select', P),
  d('kprobe', 'kprobe', undefined, T),
  d('uprobe', 'kprobe', undefined, T),
  d('uprobe.s', 'kprobe', undefined, TS),
  d('kretprobe', 'kprobe', undefined, T),
  d('uretprobe', 'kprobe', undefined, T),
  d('uretprobe.s', 'kprobe', undefined, TS),
  d('kprobe.multi', 'kprobe', 'trace_kprobe_multi', T),
  d('kretprobe.multi', 'kprobe', 'trace_kprobe_multi', T),
  d('kprobe.session', 'kprobe', 'trace_kprobe_session', T),
  d('uprobe.multi', 'kprobe', 'trace_uprobe_multi', T),
  d('uretprobe.multi', 'kprobe', 'trace_uprobe_multi', T),
  d('uprobe.session', 'kprobe', 'trace_uprobe_session', T),
  d('uprobe.multi.s', 'kprobe', 'trace_uprobe_multi', TS),
  d('uretprobe.multi.s', 'kprobe', 'trace_uprobe_multi', TS),
  d('uprobe.session.s', 'kprobe', 'trace_uprobe_session', TS),
  d('ksyscall', 'kprobe', undefined, T),
  d('kretsyscall', 'kprobe', undefined, T),
  // SEC_USDT: libbpf 1.5 on loads usdt programs for uprobe-multi links on kernels that have
  // them; bpftool 7.1's libbpf 1.1, whose output we match, loads them as plain kprobes
  // (the kernel then gives them bpf_get_attach_cookie_trace).
  d('usdt', 'kprobe', undefined, T),
  d('usdt.s', 'kprobe', undefined, TS),
  d('tc/ingress', 'sched_cls', 'tcx_ingress'),
  d('tc/egress', 'sched_cls', 'tcx_egress'),
  d('tcx/ingress', 'sched_cls', 'tcx_ingress'),
  d('tcx/egress', 'sched_cls', 'tcx_egress'),
  d('tc', 'sched_cls'),
  d('classifier', 'sched_cls', undefined, P),
  d('action', 'sched_act', undefined, P),
  d('netkit/primary', 'sched_cls', 'netkit_primary'),
  d('netkit/peer', 'sched_cls', 'netkit_peer'),
  d('tracepoint', 'tracepoint', undefined, T),
  d('tp', 'tracepoint', undefined, T),
  d('raw_tracepoint', 'raw_tracepoint', undefined, T),
  d('raw_tp', 'raw_tracepoint', undefined, T),
  d('raw_tracepoint.w', 'raw_tracepoint_writable', undefined, T),
  d('raw_tp.w', 'raw_tracepoint_writable', undefined, T),
  d('tp_btf', 'tracing', 'trace_raw_tp', BTF),
  d('fentry', 'tracing', 'trace_fentry', BTF),
  d('fmod_ret', 'tracing', 'modify_return', BTF),
  d('fexit', 'tracing', 'trace_fexit', BTF),
  d('fentry.s', 'tracing', 'trace_fentry', BTFS),
  d('fmod_ret.s', 'tracing', 'modify_return', BTFS),
  d('fexit.s', 'tracing', 'trace_fexit', BTFS),
  d('fsession', 'tracing', 'trace_fsession', BTF),
  d('fsession.s', 'tracing', 'trace_fsession', BTFS),
  d('freplace', 'ext', undefined, BTF),
  d('lsm', 'lsm', 'lsm_mac', BTF),
  d('lsm.s', 'lsm', 'lsm_mac', BTFS),
  d('lsm_cgroup', 'lsm', 'lsm_cgroup', BTF),
  d('iter', 'tracing', 'trace_iter', BTF),
  d('iter.s', 'tracing', 'trace_iter', BTFS),
  d('syscall', 'syscall', undefined, { sleepable: true }),
  d('xdp.frags/devmap', 'xdp', 'xdp_devmap', { xdpFrags: true }),
  d('xdp/devmap', 'xdp', 'xdp_devmap'),
  d('xdp_devmap/', 'xdp', 'xdp_devmap', { legacyOnly: true }),
  d('xdp.frags/cpumap', 'xdp', 'xdp_cpumap', { xdpFrags: true }),
  d('xdp/cpumap', 'xdp', 'xdp_cpumap'),
  d('xdp_cpumap/', 'xdp', 'xdp_cpumap', { legacyOnly: true }),
  d('xdp.frags', 'xdp', 'xdp', { xdpFrags: true }),
  d('xdp', 'xdp', 'xdp', P),
  d('perf_event', 'perf_event', undefined, P),
  d('lwt_in', 'lwt_in', undefined, P),
  d('lwt_out', 'lwt_out', undefined, P),
  d('lwt_xmit', 'lwt_xmit', undefined, P),
  d('lwt_seg6local', 'lwt_seg6local', undefined, P),
  d('sockops', 'sock_ops', 'cgroup_sock_ops', P),
  d('sk_skb/stream_parser', 'sk_skb', 'sk_skb_stream_parser', P),
  d('sk_skb/stream_verdict', 'sk_skb', 'sk_skb_stream_verdict', P),
  d('sk_skb/verdict', 'sk_skb', 'sk_skb_verdict'),
  d('sk_skb', 'sk_skb', undefined, P),
  d('sk_msg', 'sk_msg', 'sk_msg_verdict', P),
  d('lirc_mode2', 'lirc_mode2', 'lirc_mode2', P),
  d('flow_dissector', 'flow_dissector', 'flow_dissector', P),
  d('cgroup_skb/ingress', 'cgroup_skb', 'cgroup_inet_ingress', P),
  d('cgroup_skb/egress', 'cgroup_skb', 'cgroup_inet_egress', P),
  d('cgroup/skb', 'cgroup_skb', undefined, P),
  d('cgroup/sock_create', 'cgroup_sock', 'cgroup_inet_sock_create', P),
  d('cgroup/sock_release', 'cgroup_sock', 'cgroup_inet_sock_release', P),
  d('cgroup/sock', 'cgroup_sock', 'cgroup_inet_sock_create', P),
  d('cgroup/post_bind4', 'cgroup_sock', 'cgroup_inet4_post_bind', P),
  d('cgroup/post_bind6', 'cgroup_sock', 'cgroup_inet6_post_bind', P),
  d('cgroup/bind4', 'cgroup_sock_addr', 'cgroup_inet4_bind', P),
  d('cgroup/bind6', 'cgroup_sock_addr', 'cgroup_inet6_bind', P),
  d('cgroup/connect4', 'cgroup_sock_addr', 'cgroup_inet4_connect', P),
  d('cgroup/connect6', 'cgroup_sock_addr', 'cgroup_inet6_connect', P),
  d('cgroup/connect_unix', 'cgroup_sock_addr', 'cgroup_unix_connect'),
  d('cgroup/sendmsg4', 'cgroup_sock_addr', 'cgroup_udp4_sendmsg', P),
  d('cgroup/sendmsg6', 'cgroup_sock_addr', 'cgroup_udp6_sendmsg', P),
  d('cgroup/sendmsg_unix', 'cgroup_sock_addr', 'cgroup_unix_sendmsg'),
  d('cgroup/recvmsg4', 'cgroup_sock_addr', 'cgroup_udp4_recvmsg', P),
  d('cgroup/recvmsg6', 'cgroup_sock_addr', 'cgroup_udp6_recvmsg', P),
  d('cgroup/recvmsg_unix', 'cgroup_sock_addr', 'cgroup_unix_recvmsg'),
  d('cgroup/getpeername4', 'cgroup_sock_addr', 'cgroup_inet4_getpeername', P),
  d('cgroup/getpeername6', 'cgroup_sock_addr', 'cgroup_inet6_getpeername', P),
  d('cgroup/getpeername_unix', 'cgroup_sock_addr', 'cgroup_unix_getpeername'),
  d('cgroup/getsockname4', 'cgroup_sock_addr', 'cgroup_inet4_getsockname', P),
  d('cgroup/getsockname6', 'cgroup_sock_addr', 'cgroup_inet6_getsockname', P),
  d('cgroup/getsockname_unix', 'cgroup_sock_addr', 'cgroup_unix_getsockname'),
  d('cgroup/sysctl', 'cgroup_sysctl', 'cgroup_sysctl', P),
  d('cgroup/getsockopt', 'cgroup_sockopt', 'cgroup_getsockopt', P),
  d('cgroup/setsockopt', 'cgroup_sockopt', 'cgroup_setsockopt', P),
  d('cgroup/dev', 'cgroup_device', 'cgroup_device', P),
  d('struct_ops', 'struct_ops', undefined, T),
  d('struct_ops.s', 'struct_ops', undefined, TS),
  d('sk_lookup', 'sk_lookup', 'sk_lookup', P),
  d('netfilter', 'netfilter', 'netfilter'),
];

export interface SectionProgramKind {
  progType: number;
  progTypeName: ProgTypeName;
  /** Expected attach type given to the kernel at load; 0 where libbpf leaves it unset. */
  expectedAttachType: number;
  attachTypeName?: AttachTypeName;
  /** What follows the `/` (function, tracepoint, ...), where the section names one. */
  attachTarget?: string;
  sleepable: boolean;
  /** False for `?`-prefixed sections, which libbpf opens but does not load by default. */
  autoload: boolean;
  /** The attach target is a BTF id (SEC_ATTACH_BTF: fentry, fexit, fmod_ret, lsm, iter, tp_btf, freplace). */
  attachBtf: boolean;
  /** BPF_F_XDP_HAS_FRAGS. */
  xdpFrags: boolean;
}

/** What follows the prefix (undefined for none), or false when the name does not match. */
function matches(def: SectionDef, name: string, asPrefix: boolean): string | undefined | false {
  if (def.prefix.endsWith('/')) return name.startsWith(def.prefix) ? name.slice(def.prefix.length) || undefined : false;
  if (name === def.prefix) return undefined;
  if (def.target) return name.startsWith(`${def.prefix}/`) ? name.slice(def.prefix.length + 1) : false;
  return asPrefix && name.startsWith(def.prefix) ? undefined : false;
}

function kindOf(def: SectionDef, target: string | undefined, autoload: boolean): SectionProgramKind {
  return {
    progType: progTypeId(def.progType),
    progTypeName: def.progType,
    expectedAttachType: def.attachType ? attachTypeId(def.attachType) : 0,
    ...(def.attachType ? { attachTypeName: def.attachType } : {}),
    // libbpf ignores what follows struct_ops/: the map that refers to the program decides.
    ...(target !== undefined && def.progType !== 'struct_ops' ? { attachTarget: target } : {}),
    sleepable: def.sleepable ?? false,
    autoload,
    attachBtf: def.attachBtf ?? false,
    xdpFrags: def.xdpFrags ?? false,
  };
}

function split(sectionName: string): { name: string; autoload: boolean } {
  return sectionName.startsWith('?') ? { name: sectionName.slice(1), autoload: false } : { name: sectionName, autoload: true };
}

/** The program kind libbpf 1.x gives a section name, or undefined where it knows none. */
export function programKindForSection(sectionName: string): SectionProgramKind | undefined {
  const { name, autoload } = split(sectionName);
  for (const def of SECTION_DEFS) {
    if (def.legacyOnly) continue;
    const target = matches(def, name, false);
    if (target !== false) return kindOf(def, target, autoload);
  }
  return undefined;
}

/** How a loader older than libbpf 1.x (libbpf 0.x, cilium/ebpf) reads a name libbpf 1.x does not know. */
export interface LegacySectionKind {
  kind: SectionProgramKind;
  /** The table entry it matched, as libbpf spells it. */
  entry: string;
  /** Which loaders read it so. */
  readers: 'libbpf 0.x' | 'cilium/ebpf' | 'libbpf 0.x and cilium/ebpf';
}

export function legacyKindForSection(sectionName: string): LegacySectionKind | undefined {
  const { name, autoload } = split(sectionName);
  for (const def of SECTION_DEFS) {
    const target = matches(def, name, true);
    if (target === false) continue;
    const readers = def.legacyOnly ? 'libbpf 0.x' : def.sloppy ? 'libbpf 0.x and cilium/ebpf' : 'cilium/ebpf';
    return { kind: kindOf(def, target, autoload), entry: entryName(def), readers };
  }
  return undefined;
}

/** A kind for a program no loader gives a type: libbpf 1.x opens it as BPF_PROG_TYPE_UNSPEC. */
export function unknownProgramKind(sectionName: string): SectionProgramKind {
  return { progType: 0, progTypeName: 'unspec', expectedAttachType: 0, sleepable: false, autoload: split(sectionName).autoload, attachBtf: false, xdpFrags: false };
}

function entryName(def: SectionDef): string {
  return def.target ? `${def.prefix}+` : def.prefix;
}

/** libbpf's "supported section(type) names are:" list, each name after a space. */
export function supportedSectionNames(): string {
  return SECTION_DEFS.filter((def) => !def.legacyOnly).map((def) => ` ${entryName(def)}`).join('');
}
