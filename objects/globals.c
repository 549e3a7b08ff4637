// SPDX-License-Identifier: GPL-2.0
// globals: global variables in each of libbpf's data sections. .data holds an
// initialised counter, .rodata a read-only threshold and table, .bss zeroed
// counters, and the string literal handed to bpf_trace_printk lands in the
// mergeable-strings section .rodata.str1.1.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

int runs = 100;                                   /* .data */
const volatile __u32 big_packet = 512;            /* .rodata */
const __u8 weights[4] = { 1, 3, 5, 7 };           /* .rodata */
__u64 total_bytes;                                /* .bss */
__u32 big_seen;                                   /* .bss */

SEC("xdp")
int xdp_globals(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	runs++;
	total_bytes += len * weights[len & 3];
	if (len >= big_packet) {
		big_seen++;
		bpf_trace_printk("big packet\n", sizeof("big packet\n"));
	}
	return XDP_PASS;
}
