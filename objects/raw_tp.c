// SPDX-License-Identifier: GPL-2.0
// raw_tp: a raw tracepoint on sys_enter that counts system calls by number in
// a per-CPU array; the syscall number is the second raw argument.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define MAX_SYSCALL 512

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_SYSCALL);
	__type(key, __u32);
	__type(value, __u64);
} syscall_count SEC(".maps");

SEC("raw_tracepoint/sys_enter")
int raw_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 nr = ctx->args[1];
	__u64 *count;

	if (nr >= MAX_SYSCALL)
		return 0;
	count = bpf_map_lookup_elem(&syscall_count, &nr);
	if (count)
		*count += 1;
	return 0;
}
