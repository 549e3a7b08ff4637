// SPDX-License-Identifier: GPL-2.0
// poison: relocations that cannot be resolved. A field the target lacks (guarded by an
// existence check, so the kernel would load it), a signed field whose size changed
// (libbpf will not resize that load), and a missing enumerator's 64-bit value (an
// ld_imm64, poisoned in both slots).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "core_types.h"

char LICENSE[] SEC("license") = "GPL";

enum core_gone {
	CORE_VANISHED = 0x100000001ULL,
};

SEC("kprobe/do_nanosleep")
int poison(void *ctx)
{
	struct core_sample *s = *(struct core_sample **)ctx;
	long r = 0;

	if (bpf_core_field_exists(s->removed))
		r += s->removed;
	r += s->signed_val;
	if (bpf_core_enum_value_exists(enum core_gone, CORE_VANISHED))
		r += bpf_core_enum_value(enum core_gone, CORE_VANISHED);
	return r;
}
