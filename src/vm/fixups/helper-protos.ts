import { attachTypeId, progTypeId, type AttachTypeName, type ProgTypeName } from '../../object/index.js';
import { helperId } from '../../isa/index.js';

/**
 * Helpers whose implementation depends on the program type: the bpf_func_proto a
 * type's get_func_proto returns for them carries another function than the helper's
 * own, and the kernel calls that one (bpftool prints its name, from kallsyms). Linux
 * 6.18's choices; a type not listed calls the helper's own function.
 */
interface Proto {
  helper: string;
  function: string;
  types: readonly ProgTypeName[];
  /** Only for programs loaded with this expected attach type. */
  attach?: AttachTypeName;
}

const PACKET_SKB: readonly ProgTypeName[] = ['socket_filter', 'sched_cls', 'sched_act', 'cgroup_skb', 'lwt_in', 'lwt_out', 'lwt_xmit', 'lwt_seg6local'];
/** raw_tp_prog_func_proto's, which tracing programs (fentry, fexit, iterators, LSM) fall back to. */
const RAW_TP: readonly ProgTypeName[] = ['raw_tracepoint', 'raw_tracepoint_writable', 'tracing', 'lsm'];
/** bpf_tracing_func_proto's: the compat probe reads of every tracing type. */
const TRACING: readonly ProgTypeName[] = ['kprobe', 'tracepoint', 'perf_event', ...RAW_TP];

const PROTOS: readonly Proto[] = [
  { helper: 'perf_event_output', function: 'bpf_xdp_event_output', types: ['xdp'] },
  { helper: 'perf_event_output', function: 'bpf_skb_event_output', types: PACKET_SKB },
  { helper: 'perf_event_output', function: 'bpf_event_output_data', types: ['sock_ops', 'cgroup_sock_addr', 'sk_msg'] },
  { helper: 'perf_event_output', function: 'bpf_perf_event_output_tp', types: ['tracepoint'] },
  { helper: 'perf_event_output', function: 'bpf_perf_event_output_raw_tp', types: RAW_TP },
  { helper: 'skb_output', function: 'bpf_skb_event_output', types: ['tracing'] },
  { helper: 'xdp_output', function: 'bpf_xdp_event_output', types: ['tracing'] },
  { helper: 'get_stackid', function: 'bpf_get_stackid_tp', types: ['tracepoint'] },
  { helper: 'get_stackid', function: 'bpf_get_stackid_raw_tp', types: RAW_TP },
  { helper: 'get_stackid', function: 'bpf_get_stackid_pe', types: ['perf_event'] },
  { helper: 'get_stack', function: 'bpf_get_stack_tp', types: ['tracepoint'] },
  { helper: 'get_stack', function: 'bpf_get_stack_raw_tp', types: RAW_TP },
  { helper: 'get_stack', function: 'bpf_get_stack_pe', types: ['perf_event'] },
  { helper: 'skb_load_bytes', function: 'bpf_flow_dissector_load_bytes', types: ['flow_dissector'] },
  { helper: 'fib_lookup', function: 'bpf_xdp_fib_lookup', types: ['xdp'] },
  { helper: 'fib_lookup', function: 'bpf_skb_fib_lookup', types: ['sched_cls', 'sched_act'] },
  { helper: 'probe_read', function: 'bpf_probe_read_compat', types: TRACING },
  { helper: 'probe_read_str', function: 'bpf_probe_read_compat_str', types: TRACING },
  { helper: 'get_func_ip', function: 'bpf_get_func_ip_kprobe_multi', types: ['kprobe'], attach: 'trace_kprobe_multi' },
  { helper: 'get_func_ip', function: 'bpf_get_func_ip_uprobe_multi', types: ['kprobe'], attach: 'trace_uprobe_multi' },
  { helper: 'get_func_ip', function: 'bpf_get_func_ip_kprobe', types: ['kprobe'] },
  { helper: 'get_func_ip', function: 'bpf_get_func_ip_tracing', types: ['tracing'] },
  { helper: 'get_attach_cookie', function: 'bpf_get_attach_cookie_kprobe_multi', types: ['kprobe'], attach: 'trace_kprobe_multi' },
  { helper: 'get_attach_cookie', function: 'bpf_get_attach_cookie_uprobe_multi', types: ['kprobe'], attach: 'trace_uprobe_multi' },
  { helper: 'get_attach_cookie', function: 'bpf_get_attach_cookie_trace', types: ['kprobe', 'tracepoint'] },
  { helper: 'get_attach_cookie', function: 'bpf_get_attach_cookie_pe', types: ['perf_event'] },
  { helper: 'get_attach_cookie', function: 'bpf_get_attach_cookie_tracing', types: ['tracing'] },
  { helper: 'sk_lookup_tcp', function: 'bpf_xdp_sk_lookup_tcp', types: ['xdp'] },
  { helper: 'sk_lookup_udp', function: 'bpf_xdp_sk_lookup_udp', types: ['xdp'] },
  { helper: 'skc_lookup_tcp', function: 'bpf_xdp_skc_lookup_tcp', types: ['xdp'] },
  { helper: 'sk_lookup_tcp', function: 'bpf_sock_addr_sk_lookup_tcp', types: ['cgroup_sock_addr'] },
  { helper: 'sk_lookup_udp', function: 'bpf_sock_addr_sk_lookup_udp', types: ['cgroup_sock_addr'] },
  { helper: 'skc_lookup_tcp', function: 'bpf_sock_addr_skc_lookup_tcp', types: ['cgroup_sock_addr'] },
  { helper: 'get_socket_cookie', function: 'bpf_get_socket_cookie_sock_ops', types: ['sock_ops'] },
  { helper: 'get_socket_cookie', function: 'bpf_get_socket_cookie_sock', types: ['cgroup_sock'] },
  { helper: 'get_socket_cookie', function: 'bpf_get_socket_cookie_sock_addr', types: ['cgroup_sock_addr'] },
  { helper: 'get_netns_cookie', function: 'bpf_get_netns_cookie_sock', types: ['cgroup_sock'] },
  { helper: 'get_netns_cookie', function: 'bpf_get_netns_cookie_sock_addr', types: ['cgroup_sock_addr'] },
  { helper: 'get_netns_cookie', function: 'bpf_get_netns_cookie_sock_ops', types: ['sock_ops'] },
  { helper: 'get_netns_cookie', function: 'bpf_get_netns_cookie_sk_msg', types: ['sk_msg'] },
  { helper: 'sk_storage_get', function: 'bpf_sk_storage_get_tracing', types: ['tracing'] },
  { helper: 'sk_storage_delete', function: 'bpf_sk_storage_delete_tracing', types: ['tracing'] },
];

/** By helper id: the variants, most specific (with an attach type) first. */
const BY_HELPER = new Map<number, { function: string; types: Set<number>; attach?: number }[]>();
for (const p of PROTOS) {
  const id = helperId(p.helper);
  if (id === undefined) throw new Error(`${p.helper} is not a helper isa/helpers knows`);
  const list = BY_HELPER.get(id) ?? [];
  list.push({ function: p.function, types: new Set(p.types.map(progTypeId)), ...(p.attach ? { attach: attachTypeId(p.attach) } : {}) });
  BY_HELPER.set(id, list);
}

/** The function a program of this type (and expected attach type) reaches through this helper, where it is not the helper's own. */
export function protoFunction(helper: number, progType: number, expectedAttachType: number): string | undefined {
  const variants = BY_HELPER.get(helper);
  return variants?.find((v) => v.types.has(progType) && (v.attach === undefined || v.attach === expectedAttachType))?.function;
}
