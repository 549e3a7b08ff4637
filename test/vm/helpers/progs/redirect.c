// SPDX-License-Identifier: GPL-2.0
// bpf_redirect_map through each redirect map type, on keys present and missing, with
// the fallback action, broadcast and unknown flags; device map lookups. Each result is
// kept in `results` by step. The test fills devs[1] and dev_hash[5] with the loopback
// device and cpus[0] with a queue before the run.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 24);
	__type(key, __u32);
	__type(value, __s64);
} results SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} devs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} dev_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} cpus SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

#include "results.h"

SEC("xdp")
int xdp_redirects(struct xdp_md *ctx)
{
	__u32 key = 1;
	__u32 *ifindex;
	struct bpf_devmap_val *val;

	put(0, bpf_redirect_map(&devs, 1, 0));
	put(1, bpf_redirect_map(&devs, 2, XDP_PASS));
	put(2, bpf_redirect_map(&devs, 9, XDP_DROP));
	put(3, bpf_redirect_map(&devs, 2, BPF_F_BROADCAST));
	put(4, bpf_redirect_map(&devs, 3, XDP_TX | BPF_F_EXCLUDE_INGRESS));
	put(5, bpf_redirect_map(&devs, 1, 1 << 5));
	put(6, bpf_redirect_map(&devs, (1ULL << 32) | 1, XDP_PASS));
	put(7, bpf_redirect_map(&dev_hash, 5, 0));
	put(8, bpf_redirect_map(&dev_hash, 1, XDP_TX));
	put(9, bpf_redirect_map(&cpus, 0, 0));
	put(10, bpf_redirect_map(&cpus, 1, XDP_PASS));
	put(11, bpf_redirect_map(&cpus, 0, BPF_F_BROADCAST));
	put(12, bpf_redirect_map(&xsks, 0, XDP_PASS));
	put(13, bpf_redirect_map(&xsks, 1, 4));

	ifindex = bpf_map_lookup_elem(&devs, &key);
	put(14, ifindex ? *ifindex : -1);
	key = 2;
	ifindex = bpf_map_lookup_elem(&devs, &key);
	put(15, ifindex ? *ifindex : -1);
	key = 5;
	val = bpf_map_lookup_elem(&dev_hash, &key);
	put(16, val ? val->ifindex * 1000 + val->bpf_prog.id : -1);
	return bpf_redirect_map(&devs, 1, 0);
}
