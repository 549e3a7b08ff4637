// SPDX-License-Identifier: GPL-2.0
// subprogs: bpf-to-bpf calls. Two programs of different types call the static
// subprogram mix() in .text, which calls fold() in turn (prog -> mix -> fold),
// and both call the global function weigh(), which the verifier checks on its
// own against its BTF signature.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

static __attribute__((noinline)) __u32 fold(__u64 v)
{
	return (__u32)(v ^ (v >> 32));
}

static __attribute__((noinline)) __u32 mix(__u32 a, __u32 b)
{
	__u64 v = ((__u64)a << 32) | b;

	v *= 0x9e3779b97f4a7c15ULL;
	return fold(v) + 1;
}

__attribute__((noinline)) int weigh(__u32 len)
{
	if (len > 1000)
		return 3;
	if (len > 100)
		return 2;
	return len ? 1 : 0;
}

SEC("xdp")
int xdp_sub(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	__u32 h = mix(len, ctx->ingress_ifindex);

	return (weigh(len) + h) & 1 ? XDP_PASS : XDP_DROP;
}

SEC("tc")
int tc_sub(struct __sk_buff *skb)
{
	__u32 h = mix(skb->len, skb->protocol);

	skb->mark = h;
	return weigh(skb->len) > 2 ? 2 /* TC_ACT_SHOT */ : 0 /* TC_ACT_OK */;
}
