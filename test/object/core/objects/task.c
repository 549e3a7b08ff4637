// SPDX-License-Identifier: GPL-2.0
// task: a kernel type under a local flavor (task_struct___local), read through two
// pointers, and a field whose existence decides which one is read.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "core_types.h"

char LICENSE[] SEC("license") = "GPL";

SEC("kprobe/do_nanosleep")
int kernel_task(void *ctx)
{
	struct task_struct___local *t = (void *)bpf_get_current_task();
	int ppid = BPF_CORE_READ(t, real_parent, tgid);

	if (bpf_core_field_exists(t->__state))
		return ppid + BPF_CORE_READ(t, __state);
	return ppid + BPF_CORE_READ(t, pid);
}
