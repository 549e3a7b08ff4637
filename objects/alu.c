// SPDX-License-Identifier: GPL-2.0
// alu: a socket filter that spins a 64-bit ALU loop 1000 times (add, xor,
// shifts, multiply, rotate) seeded from the packet length and returns the low
// 32 bits, so the run's return value checks the arithmetic. Benchmark material.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("socket")
int alu_loop(struct __sk_buff *skb)
{
	__u64 x = skb->len, y = 0x0123456789abcdefULL;

#pragma clang loop unroll(disable)
	for (int i = 0; i < 1000; i++) {
		x += y ^ i;
		y ^= x << 7;
		x ^= y >> 11;
		y = y * 0x5851f42d4c957f2dULL + x;
		x = (x << 13) | (x >> 51);
	}
	return (__u32)(x ^ y);
}
