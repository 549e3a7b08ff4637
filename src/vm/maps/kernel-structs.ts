/**
 * sizeof() of the structs a Linux 6.18 x86-64 kernel allocates for its maps, as its BTF
 * (/sys/kernel/btf/vmlinux) gives them: what each family's map_mem_usage adds up to the
 * `memlock` bpftool shows. One table, so that another build is one edit.
 */
export const KERNEL_MAP_STRUCTS = Object.freeze({
  page: 4096,
  bpf_map: 296,
  bpf_array: 312,
  bpf_htab: 832,
  /** struct bucket of a hash: an hlist head and a lock. */
  htab_bucket: 16,
  htab_elem: 48,
  /** The llist_node a hash element without preallocation is freed through. */
  llist_node: 8,
  bpf_ringbuf_map: 304,
  bpf_dtab: 344,
  bpf_dtab_netdev: 64,
  bpf_cpu_map: 304,
  xsk_map: 304,
  bpf_queue_stack: 312,
  bpf_bloom_filter: 312,
  lpm_trie_node: 24,
  bpf_stack_map: 320,
  stack_map_bucket: 16,
  bpf_stab: 376,
  bpf_shtab: 384,
  bpf_shtab_bucket: 16,
  bpf_shtab_elem: 48,
  reuseport_array: 296,
  bpf_local_storage_map: 480,
  bpf_local_storage_map_bucket: 16,
  bpf_local_storage_elem: 128,
  bpf_cgroup_storage_map: 328,
  bpf_struct_ops_map: 512,
  bpf_struct_ops_value: 64,
});

export const pageUp = (n: number): number => Math.ceil(n / KERNEL_MAP_STRUCTS.page) * KERNEL_MAP_STRUCTS.page;

