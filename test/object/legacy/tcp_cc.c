/*
 * A struct_ops map: a TCP congestion control whose callbacks are struct_ops programs.
 * The local struct is a part of the kernel's tcp_congestion_ops (libbpf matches members by
 * name); the map's value is the kernel's bpf_struct_ops_tcp_congestion_ops.
 */
#define SEC(name) __attribute__((section(name), used))

struct sock;
typedef unsigned int u32;

struct tcp_congestion_ops {
	u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, u32 ack, u32 acked);
	u32 (*undo_cwnd)(struct sock *sk);
	char name[16];
};

SEC("struct_ops/scope_ssthresh") u32 scope_ssthresh(unsigned long long *ctx)
{
	return 2;
}

SEC("struct_ops/scope_cong_avoid") void scope_cong_avoid(unsigned long long *ctx)
{
}

SEC("struct_ops") u32 scope_undo_cwnd(unsigned long long *ctx)
{
	return 10;
}

SEC(".struct_ops") struct tcp_congestion_ops scope_cc = {
	.ssthresh = (void *)scope_ssthresh,
	.cong_avoid = (void *)scope_cong_avoid,
	.undo_cwnd = (void *)scope_undo_cwnd,
	.name = "bpfscope_cc",
};

char _license[] SEC("license") = "GPL";
