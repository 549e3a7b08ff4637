/* skb program types other than tc and socket filters, as BPF_PROG_TEST_RUN runs them:
 * each records what it sees of its __sk_buff and packet in a map and returns a verdict. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

static __always_inline void record(__u32 k, __u64 v)
{
	bpf_map_update_elem(&seen, &k, &v, 0);
}

static __always_inline int look(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__u8 first = 0;

	record(0, skb->len);
	record(1, skb->protocol);
	record(2, (long)end - (long)data);
	record(3, skb->ifindex | ((__u64)skb->pkt_type << 32));
	record(4, skb->mark | ((__u64)skb->priority << 32));
	record(5, skb->cb[0] | ((__u64)skb->cb[4] << 32));
	if (bpf_skb_load_bytes(skb, 0, &first, 1) == 0)
		record(6, first);
	skb->mark = 7;
	skb->cb[0] = 9;
	skb->priority = 3;
	if (data + 10 > end)
		return 0;
	return ((__u8 *)data)[9] == 17;
}

SEC("cgroup_skb/ingress") int cg_ingress(struct __sk_buff *skb) { return look(skb); }
SEC("cgroup_skb/egress") int cg_egress(struct __sk_buff *skb) { return look(skb); }
SEC("lwt_in") int lwt_in_prog(struct __sk_buff *skb) { return look(skb) ? 0 : 2; }
SEC("lwt_out") int lwt_out_prog(struct __sk_buff *skb) { return look(skb); }

SEC("lwt_xmit") int lwt_xmit_prog(struct __sk_buff *skb)
{
	__u8 ttl = 1;
	int r = look(skb);

	if (bpf_skb_pull_data(skb, 0) == 0)
		bpf_skb_store_bytes(skb, 8, &ttl, 1, 0);
	return r;
}

char LICENSE[] SEC("license") = "GPL";
