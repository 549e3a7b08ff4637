// Packet helpers of XDP and tc programs, for test/vm/context/rewrites.test.ts: what
// each returns at and past its limits, and what the packet looks like afterwards.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* Each probe result goes into one slot; the return value packs whether each call succeeded. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __s64);
} results SEC(".maps");

static __always_inline void record(__u32 slot, __s64 value)
{
	bpf_map_update_elem(&results, &slot, &value, BPF_ANY);
}

SEC("xdp")
int xdp_head(struct xdp_md *ctx)
{
	record(0, bpf_xdp_adjust_head(ctx, -300));   /* past the headroom */
	record(1, bpf_xdp_adjust_head(ctx, -216));   /* down to the xdp_frame */
	record(2, bpf_xdp_adjust_head(ctx, 200));
	record(3, bpf_xdp_adjust_head(ctx, 1000));   /* past data_end - ETH_HLEN */
	void *data = (void *)(long)ctx->data;
	if (data + 1 > (void *)(long)ctx->data_end)
		return 0;
	*(__u8 *)data = 0xab;
	return 3;
}

SEC("xdp")
int xdp_meta(struct xdp_md *ctx)
{
	record(4, bpf_xdp_adjust_meta(ctx, -6));     /* not a multiple of 4 */
	record(5, bpf_xdp_adjust_meta(ctx, -36));    /* over 32 bytes */
	record(6, bpf_xdp_adjust_meta(ctx, -8));
	void *meta = (void *)(long)ctx->data_meta;
	if (meta + 8 > (void *)(long)ctx->data)
		return 0;
	*(__u64 *)meta = 0x1122334455667788ULL;
	record(7, bpf_xdp_adjust_head(ctx, -4));     /* moves the metadata along */
	return 2;
}

SEC("xdp")
int xdp_tail(struct xdp_md *ctx)
{
	record(8, bpf_xdp_adjust_tail(ctx, 4000));  /* past the frame */
	record(9, bpf_xdp_adjust_tail(ctx, 10));
	record(10, bpf_xdp_adjust_tail(ctx, -60));   /* below an Ethernet header */
	record(11, bpf_xdp_adjust_tail(ctx, -20));
	return bpf_redirect(7, 0) * 16 + bpf_redirect(7, 1);
}

SEC("tc")
int tc_store(struct __sk_buff *skb)
{
	__u32 word = 0xdeadbeef;
	__u8 buf[4] = {};

	record(12, bpf_skb_store_bytes(skb, 2, &word, 4, 0));
	record(13, bpf_skb_store_bytes(skb, skb->len - 2, &word, 4, 0));
	record(14, bpf_skb_load_bytes(skb, 0, buf, 4));
	record(15, bpf_skb_load_bytes(skb, skb->len, buf, 4));
	return bpf_redirect(3, 0) * 16 + bpf_redirect(3, 2) + buf[3];
}
