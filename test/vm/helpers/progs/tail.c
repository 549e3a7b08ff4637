// SPDX-License-Identifier: GPL-2.0
// Tail calls: a program that tail-calls itself until the kernel's limit stops it, and
// one whose tail call finds an empty slot and goes on.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("xdp")
int tail_self(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, int (void *));
} progs SEC(".maps") = {
	.values = { [0] = (void *)&tail_self },
};

static __always_inline void bump(__u32 k)
{
	__u64 *n = bpf_map_lookup_elem(&counts, &k);

	if (n)
		*n += 1;
}

SEC("xdp")
int tail_self(struct xdp_md *ctx)
{
	bump(0);
	bpf_tail_call(ctx, &progs, 0);
	return XDP_DROP;
}

SEC("xdp")
int tail_miss(struct xdp_md *ctx)
{
	bump(1);
	bpf_tail_call(ctx, &progs, 1);
	bump(2);
	return XDP_TX;
}
