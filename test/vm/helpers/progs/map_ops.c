// SPDX-License-Identifier: GPL-2.0
// Map helpers and their errnos, each result kept in `results` by step.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 40);
	__type(key, __u32);
	__type(value, __s64);
} results SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} small SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 2);
	__type(value, __u32);
} fifo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 2);
	__type(value, __u32);
} lifo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_ZERO_SEED);
	__type(value, __u32);
} bloom SEC(".maps");

#include "results.h"

SEC("xdp")
int map_ops(struct xdp_md *ctx)
{
	__u32 k, v32;
	__u64 v = 7, *p;
	__u32 *q;

	k = 1;
	put(0, bpf_map_update_elem(&small, &k, &v, BPF_NOEXIST));
	put(1, bpf_map_update_elem(&small, &k, &v, BPF_NOEXIST));
	k = 2;
	put(2, bpf_map_update_elem(&small, &k, &v, BPF_EXIST));
	put(3, bpf_map_delete_elem(&small, &k));
	put(4, bpf_map_update_elem(&small, &k, &v, 4 | BPF_ANY));
	put(5, bpf_map_update_elem(&small, &k, &v, 8));
	k = 2; v = 8;
	bpf_map_update_elem(&small, &k, &v, BPF_ANY);
	k = 3; v = 9;
	bpf_map_update_elem(&small, &k, &v, BPF_ANY);
	k = 4;
	put(6, bpf_map_update_elem(&small, &k, &v, BPF_ANY));
	k = 3;
	p = bpf_map_lookup_elem(&small, &k);
	put(7, p ? (__s64)*p : -1);
	if (p)
		*p += 100;
	k = 9;
	put(8, bpf_map_lookup_elem(&small, &k) ? 1 : 0);

	k = 1; v32 = 5;
	put(9, bpf_map_update_elem(&arr, &k, &v32, BPF_ANY));
	put(10, bpf_map_update_elem(&arr, &k, &v32, BPF_NOEXIST));
	k = 2;
	put(11, bpf_map_update_elem(&arr, &k, &v32, BPF_ANY));
	k = 0;
	put(12, bpf_map_delete_elem(&arr, &k));
	k = 2;
	put(13, bpf_map_lookup_elem(&arr, &k) ? 1 : 0);

	k = 5; v = 0x1122;
	put(14, bpf_map_update_elem(&pcpu, &k, &v, BPF_ANY));
	p = bpf_map_lookup_elem(&pcpu, &k);
	put(15, p ? (__s64)*p : -1);
	p = bpf_map_lookup_percpu_elem(&pcpu, &k, 0);
	put(16, p ? (__s64)*p : -1);
	p = bpf_map_lookup_percpu_elem(&pcpu, &k, 4096);
	put(17, p ? 1 : 0);

#pragma unroll
	for (int i = 10; i < 14; i++) {
		k = i;
		v32 = i * 2;
		bpf_map_update_elem(&lru, &k, &v32, BPF_ANY);
	}
	k = 13;
	q = bpf_map_lookup_elem(&lru, &k);
	put(18, q ? *q : -1);

	v32 = 1;
	put(19, bpf_map_push_elem(&fifo, &v32, 0));
	v32 = 2;
	put(20, bpf_map_push_elem(&fifo, &v32, 0));
	v32 = 3;
	put(21, bpf_map_push_elem(&fifo, &v32, 0));
	put(22, bpf_map_push_elem(&fifo, &v32, BPF_EXIST));
	v32 = 0;
	put(23, bpf_map_peek_elem(&fifo, &v32));
	put(24, v32);
	put(25, bpf_map_pop_elem(&fifo, &v32));
	put(26, v32);
	bpf_map_pop_elem(&fifo, &v32);
	put(27, bpf_map_pop_elem(&fifo, &v32));

	v32 = 1;
	bpf_map_push_elem(&lifo, &v32, 0);
	v32 = 2;
	bpf_map_push_elem(&lifo, &v32, 0);
	put(28, bpf_map_pop_elem(&lifo, &v32));
	put(29, v32);

	v32 = 42;
	put(30, bpf_map_push_elem(&bloom, &v32, 0));
	put(31, bpf_map_peek_elem(&bloom, &v32));
	v32 = 43;
	put(32, bpf_map_peek_elem(&bloom, &v32));
	return XDP_PASS;
}
