// Context accesses the kernel rewrites, for test/vm/context/rewrites.test.ts: every
// __sk_buff and xdp_md field bpfscope rewrites, whole and narrow, through copies and
// stack spills of the context pointer and in a subprogram.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

static __attribute__((noinline)) __u32 sub_fields(struct __sk_buff *skb)
{
	return skb->hash ^ skb->ingress_ifindex;
}

SEC("tc")
int tc_fields(struct __sk_buff *skb)
{
	volatile struct __sk_buff *v = skb;
	__u32 acc = v->len + v->pkt_type + v->queue_mapping + v->protocol;

	acc += v->vlan_present + v->vlan_tci + v->vlan_proto + v->priority;
	acc += v->ifindex + v->tc_index + v->cb[0] + v->cb[4] + v->tc_classid;
	acc += *(volatile __u8 *)((void *)skb + 1);             /* narrow: len, byte 1 */
	acc += *(volatile __u16 *)((void *)skb + __builtin_offsetof(struct __sk_buff, mark) + 2);
	acc += *(volatile __u8 *)((void *)skb + __builtin_offsetof(struct __sk_buff, protocol));
	acc += sub_fields(skb);
	v->mark = acc;
	v->cb[2] = acc >> 3;
	v->tc_index = 7;
	v->tc_classid = acc & 0xffff;
	if ((void *)(long)skb->data + 14 > (void *)(long)skb->data_end)
		return 2;
	return (void *)(long)skb->data_meta == (void *)(long)skb->data;
}

SEC("socket")
int sock_fields(struct __sk_buff *skb)
{
	__u32 x = skb->len;

	asm volatile("" ::: "memory");
	x += skb->cb[1] + skb->hash + skb->pkt_type;
	skb->cb[3] = x;
	return x + load_byte(skb, 23) + load_half(skb, 12) + load_word(skb, 26);
}

SEC("xdp")
int xdp_fields(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *meta = (void *)(long)ctx->data_meta;

	if (data + 14 > (void *)(long)ctx->data_end || meta > data)
		return 0;
	return ctx->ingress_ifindex + ctx->rx_queue_index;
}
