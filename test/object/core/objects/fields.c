// SPDX-License-Identifier: GPL-2.0
// fields: every field relocation. Direct loads and stores (LDX/ST/STX offsets, a load
// and a store whose size follows an unsigned field that grew), nested, array,
// anonymous-member and flexible-array accesses, bitfields read directly and through
// bpf_probe_read (byte offset, byte size, shifts, signedness), field size and
// existence.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "core_types.h"

char LICENSE[] SEC("license") = "GPL";

SEC("kprobe/do_nanosleep")
int direct(void *ctx)
{
	struct core_sample *s = *(struct core_sample **)ctx;
	long sum = 0;

	sum += s->a;
	sum += s->counter;
	sum += s->inner.y;
	sum += s->items[2].x;
	sum += s->u_int + s->deep_b;
	sum += s->tail[1];
	sum += BPF_CORE_READ_BITFIELD(s, mode);
	sum += BPF_CORE_READ_BITFIELD(s, level);
	sum += bpf_core_field_size(s->items);
	sum += bpf_core_field_size(s->items[1]);
	sum += bpf_core_field_exists(s->ptr);
	sum += __builtin_preserve_field_info(s->level, BPF_FIELD_SIGNED);
	sum += __builtin_preserve_field_info(s->counter, BPF_FIELD_SIGNED);
	s->a = 5;
	s->counter = sum;
	return sum;
}

SEC("kprobe/do_nanosleep")
int probed(void *ctx)
{
	struct core_sample *s = *(struct core_sample **)ctx;
	unsigned long long flags = BPF_CORE_READ_BITFIELD_PROBED(s, flag_b);
	int x = BPF_CORE_READ(s, items[3].x);
	short y = BPF_CORE_READ(s, inner.y);

	return flags + x + y;
}

SEC("kprobe/do_nanosleep")
int offsets(void *ctx)
{
	struct core_sample *s = *(struct core_sample **)ctx;

	return s->a + s->counter;
}
