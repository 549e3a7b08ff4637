/* syscall and flow_dissector programs, as BPF_PROG_TEST_RUN runs them: the syscall program
 * works on the context it is given and writes into it; the flow dissector parses IPv4 and
 * IPv6 TCP/UDP into bpf_flow_keys. Both record what they saw in a map. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

static __always_inline void record(__u32 k, __u64 v)
{
	bpf_map_update_elem(&seen, &k, &v, 0);
}

struct args {
	__u64 a;
	__u32 b;
	__u32 sum;
};

SEC("syscall") int sys_prog(struct args *ctx)
{
	record(0, ctx->a);
	record(1, ctx->b);
	ctx->sum = ctx->a + ctx->b;
	return ctx->a * 3 - ctx->b;
}

SEC("flow_dissector") int dissect(struct __sk_buff *skb)
{
	struct bpf_flow_keys *keys = skb->flow_keys;
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__u8 first = 0xaa;
	__u8 proto;
	__u16 off;

	record(0, keys->nhoff | ((__u64)keys->thoff << 16) | ((__u64)keys->n_proto << 32));
	record(1, keys->flags | ((__u64)keys->is_frag << 32));
	record(2, (long)end - (long)data);
	record(3, (__u32)bpf_skb_load_bytes(skb, 0, &first, 1) | ((__u64)first << 32));
	off = keys->nhoff;
	if (off > 64)
		return BPF_DROP;
	if (keys->n_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + off;

		if ((void *)(ip + 1) > end)
			return BPF_DROP;
		keys->addr_proto = ETH_P_IP;
		keys->ipv4_src = ip->saddr;
		keys->ipv4_dst = ip->daddr;
		keys->ip_proto = proto = ip->protocol;
		keys->is_frag = !!(ip->frag_off & bpf_htons(0x3fff));
		off += ip->ihl * 4;
	} else if (keys->n_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + off;

		if ((void *)(ip6 + 1) > end)
			return BPF_DROP;
		keys->addr_proto = ETH_P_IPV6;
		__builtin_memcpy(keys->ipv6_src, &ip6->saddr, 16);
		__builtin_memcpy(keys->ipv6_dst, &ip6->daddr, 16);
		keys->ip_proto = proto = ip6->nexthdr;
		keys->flow_label = *(__be32 *)ip6 & bpf_htonl(0x000fffff);
		off += sizeof(*ip6);
	} else {
		return BPF_DROP;
	}
	keys->thoff = off;
	if (off > 128)
		return BPF_DROP;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		__be16 *ports = data + off;

		if ((void *)(ports + 2) > end)
			return BPF_DROP;
		keys->sport = ports[0];
		keys->dport = ports[1];
	}
	/* thoff past the packet: the kernel clamps it after the run. */
	if (proto == IPPROTO_UDP)
		keys->nhoff = 9000;
	return proto == IPPROTO_TCP ? BPF_OK : 0x1234;
}



/* A syscall program that does not read its context: the only kind bpftool can run, with `repeat 0`. */
SEC("syscall") int sys_noctx(void *ctx)
{
	record(2, 42);
	return -3;
}
char LICENSE[] SEC("license") = "GPL";
