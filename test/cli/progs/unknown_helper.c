// SPDX-License-Identifier: GPL-2.0
// A tc program calling a helper bpfscope's VM does not implement: it loads, and `prog run` fails naming it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tc")
int tc_vlan(struct __sk_buff *skb)
{
	return bpf_skb_vlan_push(skb, 0x8100, 5);
}
