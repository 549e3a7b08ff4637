// SPDX-License-Identifier: GPL-2.0
// bpf_printk from a raw tracepoint, whose test run the kernel makes with other flags.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("raw_tracepoint/sys_enter")
int printk_raw(struct bpf_raw_tracepoint_args *ctx)
{
	bpf_printk("raw %lx on %u", ctx->args[1], bpf_get_smp_processor_id());
	return 0;
}
