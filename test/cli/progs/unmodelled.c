// SPDX-License-Identifier: GPL-2.0
// Programs the kernel loads that call helpers, and use maps, bpfscope's VM does not run:
// every command but `prog run` works on them, and `prog run` names what is missing.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 127 * sizeof(__u64));
	__uint(max_entries, 64);
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} sk_data SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 16);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u64));
} socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} xsks SEC(".maps");

// Storage for kernel objects, which nothing here uses: created with BTF, as the kernel requires.
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} task_data SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, char[100]);
} inode_data SEC(".maps");

// BPF_MAP_TYPE_CGRP_STORAGE (32) and BPF_MAP_TYPE_USER_RINGBUF (31) are newer than some uapi headers.
struct {
	__uint(type, 32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} cgrp_data SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_STORAGE);
	__type(key, struct bpf_cgroup_storage_key);
	__type(value, __u64);
} cg_data SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE);
	__type(key, __u64);
	__type(value, __u32);
} cg_counts SEC(".maps");

struct {
	__uint(type, 31);
	__uint(max_entries, 5000);
} from_user SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} reuse SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} cgroups SEC(".maps");

SEC("tp/sched/sched_process_exec")
int on_exec(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u64 task = (__u64)bpf_get_current_task();
	__u32 stack = bpf_get_stackid(ctx, &stacks, 0);

	bpf_map_update_elem(&seen, &pid, &task, BPF_ANY);
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &stack, sizeof(stack));
	bpf_map_delete_elem(&seen, &stack);
	return 0;
}

SEC("xdp")
int to_socket(struct xdp_md *ctx)
{
	__u32 queue = ctx->rx_queue_index;

	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &queue, sizeof(queue));
	return bpf_redirect_map(&xsks, queue, XDP_PASS);
}
