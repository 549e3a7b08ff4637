/*
 * Programs libbpf 1.x refuses or cannot type: a static program (libbpf: "is static and
 * not supported"), a program in a section no loader knows, and one in a section that only
 * the older prefix reading (libbpf 0.x, cilium/ebpf) types.
 */
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))

static __attribute__((noinline)) int twice(int x)
{
	return x * 2;
}

SEC("xdp") static int xdp_static(struct xdp_md *ctx)
{
	return twice(ctx->ingress_ifindex) > 4 ? XDP_DROP : XDP_PASS;
}

SEC("xdp") int xdp_global(struct xdp_md *ctx)
{
	return twice(ctx->rx_queue_index);
}

SEC("other") int other_fn(void *ctx)
{
	return 1;
}

SEC("socket/filter") int socket_prefix(struct __sk_buff *skb)
{
	return skb->len;
}

char _license[] SEC("license") = "GPL";
