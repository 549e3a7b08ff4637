// SPDX-License-Identifier: GPL-2.0
// maps: one BTF-defined map of each common kind and programs that use them.
// A prog_array starts with maps_tail in slot 1, and an array_of_maps starts
// with inner_a in slot 0 (inner_b has the same shape and can be swapped in).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct event {
	__u32 len;
	__u32 ifindex;
	__u64 seq;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, __u64);
} by_len SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} recent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
};

struct inner inner_a SEC(".maps");
struct inner inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = {
	.values = { [0] = &inner_a },
};

SEC("xdp")
int maps_tail(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, int (void *));
} jumps SEC(".maps") = {
	.values = { [1] = (void *)&maps_tail },
};

SEC("xdp")
int maps_main(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	__u32 ifindex = ctx->ingress_ifindex;
	__u32 zero = 0, one = 1, *seen;
	__u64 *n, init = 1;
	struct event *ev;

	n = bpf_map_lookup_elem(&counters, &zero);
	if (n)
		__sync_fetch_and_add(n, 1);

	n = bpf_map_lookup_elem(&by_len, &len);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&by_len, &len, &init, BPF_ANY);

	seen = bpf_map_lookup_elem(&recent, &ifindex);
	if (!seen)
		bpf_map_update_elem(&recent, &ifindex, &one, BPF_ANY);

	ev = bpf_map_lookup_elem(&scratch, &zero);
	if (ev) {
		ev->len = len;
		ev->ifindex = ifindex;
		ev->seq++;
		bpf_ringbuf_output(&events, ev, sizeof(*ev), 0);
	}

	bpf_tail_call(ctx, &jumps, 1);
	return XDP_PASS;
}

SEC("xdp")
int maps_tail(struct xdp_md *ctx)
{
	__u32 zero = 0, *v;
	__u64 *n;
	void *inner;

	n = bpf_map_lookup_elem(&counters, &zero);
	if (n)
		__sync_fetch_and_add(n, 0x100);

	inner = bpf_map_lookup_elem(&outer, &zero);
	if (!inner)
		return XDP_DROP;
	v = bpf_map_lookup_elem(inner, &zero);
	if (v)
		*v += 1;
	return XDP_PASS;
}
