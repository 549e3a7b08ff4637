// SPDX-License-Identifier: GPL-2.0
// fnv: hashes the whole packet (up to 1500 bytes) with 32-bit FNV-1a in a
// bounded loop and stores the hash in a one-slot array. Benchmark material.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u
#define MAX_BYTES 1500

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} fnv_hash SEC(".maps");

SEC("xdp")
int xdp_fnv(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	unsigned char *data_end = (void *)(long)ctx->data_end;
	__u32 h = FNV_OFFSET, key = 0;

#pragma clang loop unroll(disable)
	for (int i = 0; i < MAX_BYTES; i++) {
		if (data + i + 1 > data_end)
			break;
		h ^= data[i];
		h *= FNV_PRIME;
	}
	bpf_map_update_elem(&fnv_hash, &key, &h, BPF_ANY);
	return XDP_PASS;
}
