// SPDX-License-Identifier: GPL-2.0
// csum_diff, probe_read_kernel(_str), bpf_loop, for_each_map_elem, spin locks and the
// ring buffer: each result kept in `results` by step.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map;

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 48);
	__type(key, __u32);
	__type(value, __s64);
} results SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} walk SEC(".maps");

struct locked {
	struct bpf_spin_lock lock;
	__u32 n;
	__u64 sum;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locked);
} guarded SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} ring SEC(".maps");

static __always_inline void put(__u32 step, __s64 v)
{
	bpf_map_update_elem(&results, &step, &v, BPF_ANY);
}

struct loop_ctx {
	__u64 sum;
	__u32 stop_at;
};

static long add_index(__u32 i, struct loop_ctx *c)
{
	c->sum += i;
	return i == c->stop_at;
}

static long visit(struct bpf_map *map, __u32 *key, __u64 *value, struct loop_ctx *c)
{
	c->sum += *key * 1000 + *value;
	if (*key == 3)
		bpf_map_delete_elem(map, key);
	return 0;
}

SEC("xdp")
int misc(struct xdp_md *ctx)
{
	__u32 a[4] = { 0x01020304, 0xaabbccdd, 0xffff0000, 0x12345678 };
	__u32 b[2] = { 0x0badf00d, 0xdeadbeef };
	char src[] = "kernel string";
	char dst[8] = {};
	char big[20] = {};
	__u64 word = 0;
	struct loop_ctx lc = { 0, 1000 };
	__u32 k, zero = 0;
	__u64 v;
	struct locked *l;
	__u64 *rec;

	put(0, bpf_csum_diff(0, 0, a, sizeof(a), 0));
	put(1, bpf_csum_diff(a, sizeof(a), 0, 0, 0));
	put(2, bpf_csum_diff(a, sizeof(a), b, sizeof(b), 0));
	put(3, bpf_csum_diff(b, sizeof(b), a, sizeof(a), 0x1234));
	put(4, bpf_csum_diff(a, 6, b, sizeof(b), 0));
	put(5, bpf_csum_diff(0, 0, 0, 0, 0x55aa));

	put(6, bpf_probe_read_kernel(&word, sizeof(word), src));
	put(7, (__s64)word);
	word = 0x1111;
	put(8, bpf_probe_read_kernel(&word, sizeof(word), 0));
	put(9, (__s64)word);
	put(10, bpf_probe_read_kernel_str(dst, sizeof(dst), src));
	put(11, dst[6] * 256 + dst[7]);
	put(12, bpf_probe_read_kernel_str(big, sizeof(big), src));
	put(13, bpf_probe_read_kernel_str(big, sizeof(big), 0));
	put(14, big[0]);

	put(15, bpf_loop(10, add_index, &lc, 0));
	put(16, lc.sum);
	lc.sum = 0;
	lc.stop_at = 4;
	put(17, bpf_loop(10, add_index, &lc, 0));
	put(18, lc.sum);
	put(19, bpf_loop(10, add_index, &lc, 1));
	put(20, bpf_loop(1 << 24, add_index, &lc, 0));

#pragma unroll
	for (int i = 1; i < 6; i++) {
		k = i;
		v = i * 3;
		bpf_map_update_elem(&walk, &k, &v, BPF_ANY);
	}
	lc.sum = 0;
	put(21, bpf_for_each_map_elem(&walk, visit, &lc, 0));
	put(22, lc.sum);
	put(23, bpf_for_each_map_elem(&walk, visit, &lc, 1));

	l = bpf_map_lookup_elem(&guarded, &zero);
	if (l) {
		bpf_spin_lock(&l->lock);
		l->n++;
		l->sum += 5;
		bpf_spin_unlock(&l->lock);
	}

	put(24, bpf_ringbuf_query(&ring, BPF_RB_RING_SIZE));
	put(25, bpf_ringbuf_output(&ring, a, sizeof(a), 0));
	put(26, bpf_ringbuf_output(&ring, a, sizeof(a), 4));
	put(27, bpf_ringbuf_query(&ring, BPF_RB_AVAIL_DATA));
	rec = bpf_ringbuf_reserve(&ring, sizeof(*rec), 0);
	if (rec) {
		*rec = 9;
		put(28, bpf_ringbuf_query(&ring, BPF_RB_PROD_POS));
		bpf_ringbuf_discard(rec, 0);
	}
	rec = bpf_ringbuf_reserve(&ring, 8192, 0);
	put(29, rec ? 1 : 0);
	if (rec)
		bpf_ringbuf_discard(rec, 0);
	rec = bpf_ringbuf_reserve(&ring, sizeof(*rec), 0);
	if (rec) {
		*rec = 10;
		bpf_ringbuf_submit(rec, BPF_RB_NO_WAKEUP);
	}
	put(30, bpf_ringbuf_query(&ring, BPF_RB_PROD_POS));
	put(31, bpf_ringbuf_query(&ring, BPF_RB_CONS_POS));
	put(32, bpf_ringbuf_query(&ring, 99));
	return XDP_PASS;
}
