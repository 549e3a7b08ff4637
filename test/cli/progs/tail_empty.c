// SPDX-License-Identifier: GPL-2.0
// A tail call into an empty prog array slot, which the kernel falls through, next to one
// into a filled slot; both programs count their runs so that a batch can dump them.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} runs SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&runs, &slot);

	if (n)
		*n += 1;
}

SEC("xdp")
int xdp_target(struct xdp_md *ctx)
{
	count(1);
	return XDP_DROP;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
	__array(values, int (void *));
} jumps SEC(".maps") = {
	.values = { [0] = (void *)&xdp_target },
};

/* Slot 2 is empty: the call returns and the program goes on. */
SEC("xdp")
int xdp_empty_slot(struct xdp_md *ctx)
{
	count(0);
	bpf_tail_call(ctx, &jumps, 2);
	return XDP_PASS + 40;
}

SEC("xdp")
int xdp_filled_slot(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jumps, 0);
	return XDP_PASS;
}
