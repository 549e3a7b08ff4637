// SPDX-License-Identifier: GPL-2.0
// enums: enumerator existence and value, signed and 64-bit enums, an enumerator flavor
// and an enum type flavor.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

enum core_state {
	CORE_IDLE,
	CORE_RUNNING = 5,
	CORE_GONE___old = 9,
};

enum core_state___v2 {
	CORE_NEW = 1,
};

enum core_signed {
	CORE_NEG = -3,
	CORE_POS = 3,
};

enum core_wide {
	CORE_SMALL = 1,
	CORE_BIG = 0x100000000ULL,
};

SEC("kprobe/do_nanosleep")
int enums(void *ctx)
{
	long r = 0;

	r += bpf_core_enum_value_exists(enum core_state, CORE_RUNNING);
	r += bpf_core_enum_value(enum core_state, CORE_RUNNING);
	r += bpf_core_enum_value(enum core_state, CORE_IDLE);
	if (bpf_core_enum_value_exists(enum core_state, CORE_GONE___old))
		r += bpf_core_enum_value(enum core_state, CORE_GONE___old);
	if (bpf_core_enum_value_exists(enum core_state___v2, CORE_NEW))
		r += bpf_core_enum_value(enum core_state___v2, CORE_NEW);
	r += bpf_core_enum_value(enum core_signed, CORE_NEG);
	r += bpf_core_enum_value(enum core_signed, CORE_POS);
	r += bpf_core_enum_value(enum core_wide, CORE_BIG);
	r += bpf_core_enum_value(enum core_wide, CORE_SMALL);
	return r;
}
