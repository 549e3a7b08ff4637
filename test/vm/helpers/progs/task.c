// SPDX-License-Identifier: GPL-2.0
// The task helpers from a raw tracepoint: what they return, kept in `seen`.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct task_view {
	__u64 pid_tgid;
	__u64 uid_gid;
	__u32 cpu;
	__u32 numa;
	char comm[20];
	char comm_short[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct task_view);
} seen SEC(".maps");

SEC("raw_tracepoint/sys_enter")
int task(void *ctx)
{
	__u32 zero = 0;
	struct task_view *v = bpf_map_lookup_elem(&seen, &zero);

	if (!v)
		return 1;
	v->pid_tgid = bpf_get_current_pid_tgid();
	v->uid_gid = bpf_get_current_uid_gid();
	v->cpu = bpf_get_smp_processor_id();
	v->numa = bpf_get_numa_node_id();
	bpf_get_current_comm(v->comm, sizeof(v->comm));
	bpf_get_current_comm(v->comm_short, sizeof(v->comm_short));
	return 0;
}
