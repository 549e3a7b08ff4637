// SPDX-License-Identifier: GPL-2.0
// xdp_count: counts packets and bytes per IP protocol and drops UDP.
// Built with: clang -O2 -g -target bpf -I/usr/include/$(uname -m)-linux-gnu -c xdp_count.c -o xdp_count.o
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

struct stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u8);
	__type(value, struct stats);
} by_proto SEC(".maps");

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct stats *s, fresh = {};
	__u8 proto;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	proto = ip->protocol;
	s = bpf_map_lookup_elem(&by_proto, &proto);
	if (!s) {
		bpf_map_update_elem(&by_proto, &proto, &fresh, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&by_proto, &proto);
		if (!s)
			return XDP_ABORTED;
	}
	__sync_fetch_and_add(&s->packets, 1);
	__sync_fetch_and_add(&s->bytes, data_end - data);
	return proto == IPPROTO_UDP ? XDP_DROP : XDP_PASS;
}
