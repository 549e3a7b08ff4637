import { attachTypeId, progTypeId, type AttachTypeName, type ProgTypeName } from './kinds.js';

/**
 * libbpf's mapping from SEC() names to program types. A `+` after the prefix means the
 * name may be exactly the prefix or the prefix followed by `/` and an attach target
 * (`kprobe/do_nanosleep`); without it the name must match exactly. The first match in
 * table order wins, so more specific prefixes come first.
 */
interface SectionDef {
  prefix: string;
  progType: ProgTypeName;
  attachType?: AttachTypeName;
  /** Takes a target after `/` (the `+` of libbpf's table). */
  target?: boolean;
  sleepable?: boolean;
  /** Attaches to a BTF-described kernel function (fentry, lsm, ...). */
  btfTarget?: boolean;
  xdpFrags?: boolean;
}

const d = (prefix: string, progType: ProgTypeName, attachType?: AttachTypeName, extra: Partial<SectionDef> = {}): SectionDef => ({
  prefix,
  progType,
  ...(attachType ? { attachType } : {}),
  ...extra,
});
const T = { target: true };
const TS = { target: true, sleepable: true };
const BTF = { target: true, btfTarget: true };
const BTFS = { target: true, btfTarget: true, sleepable: true };

const SECTION_DEFS: readonly SectionDef[] = [
  d('socket', 'socket_filter'),
  d('sk_reuseport/migrate', 'sk_reuseport', 'sk_reuseport_select_or_migrate'),
  d('sk_reuseport', 'sk_reuseport', 'sk_reuseport_select'),
  d('kprobe', 'kprobe', undefined, T),
  d('uprobe', 'kprobe', undefined, T),
  d('uprobe.s', 'kprobe', undefined, TS),
  d('kretprobe', 'kprobe', undefined, T),
  d('uretprobe', 'kprobe', undefined, T),
  d('uretprobe.s', 'kprobe', undefined, TS),
  d('kprobe.multi', 'kprobe', 'trace_kprobe_multi', T),
  d('kretprobe.multi', 'kprobe', 'trace_kprobe_multi', T),
  d('uprobe.multi', 'kprobe', 'trace_uprobe_multi', T),
  d('uretprobe.multi', 'kprobe', 'trace_uprobe_multi', T),
  d('uprobe.multi.s', 'kprobe', 'trace_uprobe_multi', TS),
  d('uretprobe.multi.s', 'kprobe', 'trace_uprobe_multi', TS),
  d('ksyscall', 'kprobe', undefined, T),
  d('kretsyscall', 'kprobe', undefined, T),
  d('usdt', 'kprobe', undefined, T),
  d('usdt.s', 'kprobe', undefined, TS),
  d('tc/ingress', 'sched_cls', 'tcx_ingress'),
  d('tc/egress', 'sched_cls', 'tcx_egress'),
  d('tcx/ingress', 'sched_cls', 'tcx_ingress'),
  d('tcx/egress', 'sched_cls', 'tcx_egress'),
  d('netkit/primary', 'sched_cls', 'netkit_primary'),
  d('netkit/peer', 'sched_cls', 'netkit_peer'),
  d('tc', 'sched_cls'),
  d('classifier', 'sched_cls'),
  d('action', 'sched_act'),
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
  d('freplace', 'ext', undefined, BTF),
  d('lsm', 'lsm', 'lsm_mac', BTF),
  d('lsm.s', 'lsm', 'lsm_mac', BTFS),
  d('lsm_cgroup', 'lsm', 'lsm_cgroup', BTF),
  d('iter', 'tracing', 'trace_iter', BTF),
  d('iter.s', 'tracing', 'trace_iter', BTFS),
  d('syscall', 'syscall', undefined, { sleepable: true }),
  d('xdp.frags/devmap', 'xdp', 'xdp_devmap', { xdpFrags: true }),
  d('xdp/devmap', 'xdp', 'xdp_devmap'),
  d('xdp.frags/cpumap', 'xdp', 'xdp_cpumap', { xdpFrags: true }),
  d('xdp/cpumap', 'xdp', 'xdp_cpumap'),
  d('xdp.frags', 'xdp', 'xdp', { xdpFrags: true }),
  d('xdp', 'xdp', 'xdp'),
  d('perf_event', 'perf_event'),
  d('lwt_in', 'lwt_in'),
  d('lwt_out', 'lwt_out'),
  d('lwt_xmit', 'lwt_xmit'),
  d('lwt_seg6local', 'lwt_seg6local'),
  d('sockops', 'sock_ops', 'cgroup_sock_ops'),
  d('sk_skb/stream_parser', 'sk_skb', 'sk_skb_stream_parser'),
  d('sk_skb/stream_verdict', 'sk_skb', 'sk_skb_stream_verdict'),
  d('sk_skb/verdict', 'sk_skb', 'sk_skb_verdict'),
  d('sk_skb', 'sk_skb'),
  d('sk_msg', 'sk_msg', 'sk_msg_verdict'),
  d('lirc_mode2', 'lirc_mode2', 'lirc_mode2'),
  d('flow_dissector', 'flow_dissector', 'flow_dissector'),
  d('cgroup_skb/ingress', 'cgroup_skb', 'cgroup_inet_ingress'),
  d('cgroup_skb/egress', 'cgroup_skb', 'cgroup_inet_egress'),
  d('cgroup/skb', 'cgroup_skb'),
  d('cgroup/sock_create', 'cgroup_sock', 'cgroup_inet_sock_create'),
  d('cgroup/sock_release', 'cgroup_sock', 'cgroup_inet_sock_release'),
  d('cgroup/sock', 'cgroup_sock', 'cgroup_inet_sock_create'),
  d('cgroup/post_bind4', 'cgroup_sock', 'cgroup_inet4_post_bind'),
  d('cgroup/post_bind6', 'cgroup_sock', 'cgroup_inet6_post_bind'),
  d('cgroup/bind4', 'cgroup_sock_addr', 'cgroup_inet4_bind'),
  d('cgroup/bind6', 'cgroup_sock_addr', 'cgroup_inet6_bind'),
  d('cgroup/connect4', 'cgroup_sock_addr', 'cgroup_inet4_connect'),
  d('cgroup/connect6', 'cgroup_sock_addr', 'cgroup_inet6_connect'),
  d('cgroup/connect_unix', 'cgroup_sock_addr', 'cgroup_unix_connect'),
  d('cgroup/sendmsg4', 'cgroup_sock_addr', 'cgroup_udp4_sendmsg'),
  d('cgroup/sendmsg6', 'cgroup_sock_addr', 'cgroup_udp6_sendmsg'),
  d('cgroup/sendmsg_unix', 'cgroup_sock_addr', 'cgroup_unix_sendmsg'),
  d('cgroup/recvmsg4', 'cgroup_sock_addr', 'cgroup_udp4_recvmsg'),
  d('cgroup/recvmsg6', 'cgroup_sock_addr', 'cgroup_udp6_recvmsg'),
  d('cgroup/recvmsg_unix', 'cgroup_sock_addr', 'cgroup_unix_recvmsg'),
  d('cgroup/getpeername4', 'cgroup_sock_addr', 'cgroup_inet4_getpeername'),
  d('cgroup/getpeername6', 'cgroup_sock_addr', 'cgroup_inet6_getpeername'),
  d('cgroup/getpeername_unix', 'cgroup_sock_addr', 'cgroup_unix_getpeername'),
  d('cgroup/getsockname4', 'cgroup_sock_addr', 'cgroup_inet4_getsockname'),
  d('cgroup/getsockname6', 'cgroup_sock_addr', 'cgroup_inet6_getsockname'),
  d('cgroup/getsockname_unix', 'cgroup_sock_addr', 'cgroup_unix_getsockname'),
  d('cgroup/sysctl', 'cgroup_sysctl', 'cgroup_sysctl'),
  d('cgroup/getsockopt', 'cgroup_sockopt', 'cgroup_getsockopt'),
  d('cgroup/setsockopt', 'cgroup_sockopt', 'cgroup_setsockopt'),
  d('cgroup/dev', 'cgroup_device', 'cgroup_device'),
  d('struct_ops', 'struct_ops', undefined, T),
  d('struct_ops.s', 'struct_ops', undefined, TS),
  d('sk_lookup', 'sk_lookup', 'sk_lookup'),
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
}

function matches(def: SectionDef, name: string): string | undefined | false {
  if (name === def.prefix) return undefined;
  if (def.target && name.startsWith(`${def.prefix}/`)) return name.slice(def.prefix.length + 1);
  return false;
}

/** The program kind for a section name, or undefined where libbpf knows none. */
export function programKindForSection(sectionName: string): SectionProgramKind | undefined {
  const autoload = !sectionName.startsWith('?');
  const name = autoload ? sectionName : sectionName.slice(1);
  for (const def of SECTION_DEFS) {
    const target = matches(def, name);
    if (target === false) continue;
    return {
      progType: progTypeId(def.progType),
      progTypeName: def.progType,
      expectedAttachType: def.attachType ? attachTypeId(def.attachType) : 0,
      ...(def.attachType ? { attachTypeName: def.attachType } : {}),
      ...(target !== undefined ? { attachTarget: target } : {}),
      sleepable: def.sleepable ?? false,
      autoload,
    };
  }
  return undefined;
}
