// SPDX-License-Identifier: GPL-2.0
// legacy_maps: a map in the old "maps" section described by a plain struct,
// the way BPF objects did before BTF-defined maps. libbpf 1.x refuses such
// objects, so the kernel oracle cannot load this one; it is here for the loader.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct old_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct old_map_def pkt_count SEC("maps") = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 1,
};

SEC("xdp")
int xdp_legacy(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&pkt_count, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
	return XDP_PASS;
}
