// SPDX-License-Identifier: GPL-2.0
// hello: the smallest useful tracing program. A kprobe that prints one line
// through bpf_printk, which puts its format string in .rodata.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("kprobe/do_nanosleep")
int hello(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

	bpf_printk("hello from bpfscope, pid %u", pid);
	return 0;
}
