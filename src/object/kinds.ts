/**
 * The kernel's numbering of program types, attach types and map types (uapi enum order)
 * with the names bpftool prints for them. One table each; everything else looks up here.
 */
export const PROG_TYPE_NAMES = [
  'unspec', 'socket_filter', 'kprobe', 'sched_cls', 'sched_act', 'tracepoint', 'xdp', 'perf_event',
  'cgroup_skb', 'cgroup_sock', 'lwt_in', 'lwt_out', 'lwt_xmit', 'sock_ops', 'sk_skb', 'cgroup_device',
  'sk_msg', 'raw_tracepoint', 'cgroup_sock_addr', 'lwt_seg6local', 'lirc_mode2', 'sk_reuseport',
  'flow_dissector', 'cgroup_sysctl', 'raw_tracepoint_writable', 'cgroup_sockopt', 'tracing',
  'struct_ops', 'ext', 'lsm', 'sk_lookup', 'syscall', 'netfilter',
] as const;
export type ProgTypeName = (typeof PROG_TYPE_NAMES)[number];

export const ATTACH_TYPE_NAMES = [
  'cgroup_inet_ingress', 'cgroup_inet_egress', 'cgroup_inet_sock_create', 'cgroup_sock_ops',
  'sk_skb_stream_parser', 'sk_skb_stream_verdict', 'cgroup_device', 'sk_msg_verdict',
  'cgroup_inet4_bind', 'cgroup_inet6_bind', 'cgroup_inet4_connect', 'cgroup_inet6_connect',
  'cgroup_inet4_post_bind', 'cgroup_inet6_post_bind', 'cgroup_udp4_sendmsg', 'cgroup_udp6_sendmsg',
  'lirc_mode2', 'flow_dissector', 'cgroup_sysctl', 'cgroup_udp4_recvmsg', 'cgroup_udp6_recvmsg',
  'cgroup_getsockopt', 'cgroup_setsockopt', 'trace_raw_tp', 'trace_fentry', 'trace_fexit',
  'modify_return', 'lsm_mac', 'trace_iter', 'cgroup_inet4_getpeername', 'cgroup_inet6_getpeername',
  'cgroup_inet4_getsockname', 'cgroup_inet6_getsockname', 'xdp_devmap', 'cgroup_inet_sock_release',
  'xdp_cpumap', 'sk_lookup', 'xdp', 'sk_skb_verdict', 'sk_reuseport_select',
  'sk_reuseport_select_or_migrate', 'perf_event', 'trace_kprobe_multi', 'lsm_cgroup', 'struct_ops',
  'netfilter', 'tcx_ingress', 'tcx_egress', 'trace_uprobe_multi', 'cgroup_unix_connect',
  'cgroup_unix_sendmsg', 'cgroup_unix_recvmsg', 'cgroup_unix_getpeername', 'cgroup_unix_getsockname',
  'netkit_primary', 'netkit_peer', 'trace_kprobe_session', 'trace_uprobe_session', 'trace_fsession',
] as const;
export type AttachTypeName = (typeof ATTACH_TYPE_NAMES)[number];

export const MAP_TYPE_NAMES = [
  'unspec', 'hash', 'array', 'prog_array', 'perf_event_array', 'percpu_hash', 'percpu_array',
  'stack_trace', 'cgroup_array', 'lru_hash', 'lru_percpu_hash', 'lpm_trie', 'array_of_maps',
  'hash_of_maps', 'devmap', 'sockmap', 'cpumap', 'xskmap', 'sockhash', 'cgroup_storage',
  'reuseport_sockarray', 'percpu_cgroup_storage', 'queue', 'stack', 'sk_storage', 'devmap_hash',
  'struct_ops', 'ringbuf', 'inode_storage', 'task_storage', 'bloom_filter', 'user_ringbuf',
  'cgrp_storage', 'arena',
] as const;
export type MapTypeName = (typeof MAP_TYPE_NAMES)[number];

export function progTypeId(name: ProgTypeName): number {
  return PROG_TYPE_NAMES.indexOf(name);
}

export function attachTypeId(name: AttachTypeName): number {
  return ATTACH_TYPE_NAMES.indexOf(name);
}

/** bpftool's text for a program type: its name, or `type N` for one it does not know. */
export function progTypeName(id: number): string {
  return PROG_TYPE_NAMES[id] ?? `type ${id}`;
}

export function mapTypeName(id: number): string {
  return MAP_TYPE_NAMES[id] ?? `type ${id}`;
}

/**
 * bpftool 7.1 names map types through its libbpf 1.1, which knows them up to
 * user_ringbuf: it prints later ones (cgrp_storage, arena) as their number, `type 32`
 * in text and `"type":32` in JSON. Its name for a type, or undefined for those.
 */
export function bpftoolMapTypeName(id: number): string | undefined {
  return id >= 0 && id <= MAP_TYPE_NAMES.indexOf('user_ringbuf') ? MAP_TYPE_NAMES[id] : undefined;
}

export function mapTypeId(name: string): number | undefined {
  const i = (MAP_TYPE_NAMES as readonly string[]).indexOf(name);
  return i < 0 ? undefined : i;
}

/** Map type numbers the loader and VM branch on, read from the table above. */
export const MAP_TYPE = {
  array: MAP_TYPE_NAMES.indexOf('array'),
  percpuArray: MAP_TYPE_NAMES.indexOf('percpu_array'),
  progArray: MAP_TYPE_NAMES.indexOf('prog_array'),
  perfEventArray: MAP_TYPE_NAMES.indexOf('perf_event_array'),
  cgroupArray: MAP_TYPE_NAMES.indexOf('cgroup_array'),
  arrayOfMaps: MAP_TYPE_NAMES.indexOf('array_of_maps'),
  hashOfMaps: MAP_TYPE_NAMES.indexOf('hash_of_maps'),
  hash: MAP_TYPE_NAMES.indexOf('hash'),
  percpuHash: MAP_TYPE_NAMES.indexOf('percpu_hash'),
  lruHash: MAP_TYPE_NAMES.indexOf('lru_hash'),
  lruPercpuHash: MAP_TYPE_NAMES.indexOf('lru_percpu_hash'),
  ringbuf: MAP_TYPE_NAMES.indexOf('ringbuf'),
  lpmTrie: MAP_TYPE_NAMES.indexOf('lpm_trie'),
  queue: MAP_TYPE_NAMES.indexOf('queue'),
  stack: MAP_TYPE_NAMES.indexOf('stack'),
  bloomFilter: MAP_TYPE_NAMES.indexOf('bloom_filter'),
  devmap: MAP_TYPE_NAMES.indexOf('devmap'),
  devmapHash: MAP_TYPE_NAMES.indexOf('devmap_hash'),
  cpumap: MAP_TYPE_NAMES.indexOf('cpumap'),
  xskmap: MAP_TYPE_NAMES.indexOf('xskmap'),
  stackTrace: MAP_TYPE_NAMES.indexOf('stack_trace'),
  sockmap: MAP_TYPE_NAMES.indexOf('sockmap'),
  sockhash: MAP_TYPE_NAMES.indexOf('sockhash'),
  reuseportSockarray: MAP_TYPE_NAMES.indexOf('reuseport_sockarray'),
  cgroupStorage: MAP_TYPE_NAMES.indexOf('cgroup_storage'),
  percpuCgroupStorage: MAP_TYPE_NAMES.indexOf('percpu_cgroup_storage'),
  skStorage: MAP_TYPE_NAMES.indexOf('sk_storage'),
  inodeStorage: MAP_TYPE_NAMES.indexOf('inode_storage'),
  taskStorage: MAP_TYPE_NAMES.indexOf('task_storage'),
  cgrpStorage: MAP_TYPE_NAMES.indexOf('cgrp_storage'),
  userRingbuf: MAP_TYPE_NAMES.indexOf('user_ringbuf'),
  structOps: MAP_TYPE_NAMES.indexOf('struct_ops'),
  arena: MAP_TYPE_NAMES.indexOf('arena'),
} as const;

/** Map creation flags (uapi BPF_F_*). */
export const MAP_FLAG = {
  noPrealloc: 1 << 0,
  /** LRU maps: one LRU list per CPU instead of a common one. */
  noCommonLru: 1 << 1,
  numaNode: 1 << 2,
  /** Syscall-side access (the kernel keeps these on the fd, not the map). */
  rdonly: 1 << 3,
  wronly: 1 << 4,
  /** Stack traces: build ids and offsets instead of addresses. */
  stackBuildId: 1 << 5,
  zeroSeed: 1 << 6,
  /** Program-side access. */
  rdonlyProg: 1 << 7,
  wronlyProg: 1 << 8,
  /** Socket storage: cloned into a socket's children. */
  clone: 1 << 9,
  mmapable: 1 << 10,
  preserveElems: 1 << 11,
  /** An inner-map template whose max_entries need not match. */
  innerMap: 1 << 12,
  /** struct_ops: attached through a bpf_link. */
  link: 1 << 13,
  /** struct_ops: the value type's BTF is a module's, given by fd. */
  vtypeBtfObjFd: 1 << 15,
  /** Arenas: user space faults on pages no program allocated. */
  segvOnFault: 1 << 17,
  /** Arenas: pointers kept as the kernel's, not converted to user addresses. */
  noUserConv: 1 << 18,
} as const;
