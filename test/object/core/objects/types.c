// SPDX-License-Identifier: GPL-2.0
// types: type relocations (exists, size, local and target type ids, matches) and
// struct flavors chosen by field existence.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "core_types.h"

char LICENSE[] SEC("license") = "GPL";

struct core_flavored___v1 {
	int old_name;
} __core;

struct core_flavored___v2 {
	int new_name;
} __core;

struct core_missing {
	int z;
};

typedef unsigned int core_u32_t;
typedef struct core_inner core_inner_t;

SEC("kprobe/do_nanosleep")
int types(void *ctx)
{
	void *p = *(void **)ctx;
	long r = 0;

	if (bpf_core_field_exists(((struct core_flavored___v2 *)p)->new_name))
		r += ((struct core_flavored___v2 *)p)->new_name;
	else
		r += ((struct core_flavored___v1 *)p)->old_name;
	r += bpf_core_type_exists(struct core_missing);
	r += bpf_core_type_exists(struct core_sample);
	r += bpf_core_type_size(struct core_sample);
	r += bpf_core_type_size(core_u32_t);
	r += bpf_core_type_size(core_inner_t);
	r += bpf_core_type_id_local(struct core_sample);
	r += bpf_core_type_id_kernel(struct core_sample);
	r += bpf_core_type_id_kernel(struct core_missing);
	r += bpf_core_type_matches(struct core_sample);
	r += bpf_core_type_matches(struct core_inner);
	r += bpf_core_type_matches(core_u32_t);
	r += bpf_core_type_exists(struct task_struct___local);
	return r;
}
