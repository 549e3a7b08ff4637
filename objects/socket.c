// SPDX-License-Identifier: GPL-2.0
// socket: a socket filter. On an IP socket (and in BPF_PROG_TEST_RUN) a
// socket filter sees the packet from its network header on, with the
// Ethernet type in skb->protocol. It reads the IPv4 header with the legacy
// LD_ABS loads (which the kernel rewrites) and with bpf_skb_load_bytes, adds
// the length of TCP and UDP packets to an array map, keeps whole packets whose
// TTL is above 1, truncates other IPv4 packets to their first 20 bytes and
// drops the rest.
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

#define IP_HEAD 20

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} sock_bytes SEC(".maps");

SEC("socket")
int socket_filter(struct __sk_buff *skb)
{
	__u32 key;
	__u64 *bytes;
	__u8 ttl;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return 0;
	/* version 4, and the total length field agrees with what we got */
	if ((ld_abs_byte(skb, 0) >> 4) != 4 ||
	    ld_abs_half(skb, offsetof(struct iphdr, tot_len)) > skb->len)
		return 0;
	if (bpf_skb_load_bytes(skb, offsetof(struct iphdr, ttl), &ttl, 1) < 0)
		return 0;

	switch (ld_abs_byte(skb, offsetof(struct iphdr, protocol))) {
	case IPPROTO_TCP:
		key = 0;
		break;
	case IPPROTO_UDP:
		key = 1;
		break;
	default:
		return IP_HEAD;
	}

	bytes = bpf_map_lookup_elem(&sock_bytes, &key);
	if (bytes)
		__sync_fetch_and_add(bytes, skb->len);

	return ttl > 1 ? skb->len : 0;
}
