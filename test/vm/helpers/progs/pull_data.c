// SPDX-License-Identifier: GPL-2.0
// bpf_skb_pull_data from tc: what it returns for nothing, the whole packet and more, and
// the packet read directly afterwards. Each result kept in `results` by step.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __s64);
} results SEC(".maps");

#include "results.h"

SEC("tc")
int tc_pull(struct __sk_buff *skb)
{
	void *data, *end;

	put(0, bpf_skb_pull_data(skb, 0));
	put(1, bpf_skb_pull_data(skb, skb->len));
	put(2, bpf_skb_pull_data(skb, skb->len + 1));
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	if (data + 14 > end)
		return 1;
	put(3, *(__u8 *)(data + 12) << 8 | *(__u8 *)(data + 13));
	put(4, end - data);
	return 0;
}
