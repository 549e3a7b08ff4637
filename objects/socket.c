// SPDX-License-Identifier: GPL-2.0
// socket: a socket filter. It reads the packet with the legacy LD_ABS loads
// (which the kernel rewrites into helper calls) and with bpf_skb_load_bytes,
// reads __sk_buff fields, keeps whole IPv4 TCP/UDP packets, truncates
// everything else to its Ethernet header.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

/* clang's intrinsics for the classic packet loads (BPF_LD | BPF_ABS). */
unsigned long long ld_abs_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long ld_abs_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} sock_bytes SEC(".maps");

SEC("socket")
int socket_filter(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *bytes;
	__u8 ttl;

	if (ld_abs_half(skb, offsetof(struct ethhdr, h_proto)) != ETH_P_IP)
		return ETH_HLEN;

	if (bpf_skb_load_bytes(skb, ETH_HLEN + offsetof(struct iphdr, ttl), &ttl, 1) < 0)
		return 0;

	switch (ld_abs_byte(skb, ETH_HLEN + offsetof(struct iphdr, protocol))) {
	case IPPROTO_TCP:
		key = 0;
		break;
	case IPPROTO_UDP:
		key = 1;
		break;
	default:
		return ETH_HLEN;
	}

	bytes = bpf_map_lookup_elem(&sock_bytes, &key);
	if (bytes)
		__sync_fetch_and_add(bytes, skb->len);

	return ttl > 1 ? skb->len : 0;
}
