// SPDX-License-Identifier: GPL-2.0
// ambiguous: a local type whose two target flavors put the field at different offsets.
// libbpf refuses such a relocation (the object does not load).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct core_amb {
	int x;
} __attribute__((preserve_access_index));

SEC("kprobe/do_nanosleep")
int ambiguous(void *ctx)
{
	struct core_amb *p = *(struct core_amb **)ctx;

	return p->x;
}
