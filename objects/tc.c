// SPDX-License-Identifier: GPL-2.0
// tc: a tc classifier that reads and writes __sk_buff fields (len, protocol,
// ifindex, mark, priority, tc_classid, data/data_end) so the kernel's context
// rewrites show, and marks IPv4 packets by their TOS byte.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tc")
int tc_mark(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;

	if (skb->len < ETH_HLEN)
		return TC_ACT_SHOT;
	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;

	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return TC_ACT_OK;

	skb->mark = 0x1000 | ip->tos;
	skb->priority = ip->tos >> 5;
	skb->tc_classid = skb->ifindex;
	return TC_ACT_OK;
}
