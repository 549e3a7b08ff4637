// SPDX-License-Identifier: GPL-2.0
// tracepoint: counts openat() calls per process in a hash map, reading the
// tracepoint's own context layout (described by hand below) and the file name
// from user memory.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* /sys/kernel/tracing/events/syscalls/sys_enter_openat/format */
struct openat_args {
	__u16 common_type;
	__u8 common_flags;
	__u8 common_preempt_count;
	__s32 common_pid;
	__s32 syscall_nr;
	__u32 pad;
	__u64 dfd;
	const char *filename;
	__u64 flags;
	__u64 mode;
};

struct open_stat {
	__u64 count;
	__u64 last_flags;
	char last_name[32];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct open_stat);
} opens SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int trace_openat(struct openat_args *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct open_stat *st, fresh = {};

	st = bpf_map_lookup_elem(&opens, &tgid);
	if (!st) {
		bpf_map_update_elem(&opens, &tgid, &fresh, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&opens, &tgid);
		if (!st)
			return 0;
	}
	st->count++;
	st->last_flags = ctx->flags;
	bpf_probe_read_user_str(st->last_name, sizeof(st->last_name), ctx->filename);
	return 0;
}
