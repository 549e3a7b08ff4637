// SPDX-License-Identifier: GPL-2.0
// Programs the kernel's verifier refuses but clang compiles, for test/cli/prog-run-cases.test.ts:
// bpfscope loads them and faults them at the instruction when they run.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} table SEC(".maps");

/* The lookup finds nothing; its NULL is dereferenced unchecked. */
SEC("xdp")
int xdp_null(struct xdp_md *ctx)
{
	__u32 key = 7;
	__u64 *value = bpf_map_lookup_elem(&table, &key);

	return *value;
}

/* Reads the byte at data_end, with no bounds check. */
SEC("xdp")
int xdp_past_end(struct xdp_md *ctx)
{
	return *(__u8 *)(long)ctx->data_end;
}
