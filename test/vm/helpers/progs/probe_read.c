// SPDX-License-Identifier: GPL-2.0
// bpf_probe_read, bpf_probe_read_str and bpf_probe_read_user (and _kernel's empty copies)
// from a raw tracepoint: each result kept in `results` by step, the destination's bytes
// after it too.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 24);
	__type(key, __u32);
	__type(value, __s64);
} results SEC(".maps");

#include "results.h"

SEC("raw_tracepoint/sys_enter")
int probe_read(struct bpf_raw_tracepoint_args *ctx)
{
	char src[] = "probe string";
	char empty[4] = {};
	char dst[8] = {};
	char big[20] = {};
	__u64 word = 0;
	__u64 arg = ctx->args[0];

	/* The old form: stack memory (a kernel address) copies; NULL or ctx_in's address fails, zeroing. */
	put(0, bpf_probe_read(&word, sizeof(word), src));
	put(1, (__s64)word);
	word = 0x1111;
	put(2, bpf_probe_read(&word, sizeof(word), 0));
	put(3, (__s64)word);
	word = 0x2222;
	put(4, bpf_probe_read(&word, sizeof(word), (void *)arg));
	put(5, (__s64)word);
	put(6, bpf_probe_read(&word, 0, 0));

	/* The old _str form: cut to the size with a NUL, whole, empty, NULL. */
	put(7, bpf_probe_read_str(dst, sizeof(dst), src));
	put(8, dst[6] * 256 + dst[7]);
	put(9, bpf_probe_read_str(big, sizeof(big), src));
	put(10, bpf_probe_read_str(big, sizeof(big), empty));
	put(11, bpf_probe_read_str(big, sizeof(big), 0));
	put(12, big[0] + big[19]);

	/* _user: NULL and ctx_in's address (unmapped in both) fail with the destination zeroed; size 0 reads nothing. */
	word = 0x3333;
	put(13, bpf_probe_read_user(&word, sizeof(word), 0));
	put(14, (__s64)word);
	word = 0x4444;
	put(15, bpf_probe_read_user(&word, sizeof(word), (void *)arg));
	put(16, (__s64)word);
	put(17, bpf_probe_read_user(&word, 0, 0));

	/* Nothing to copy: the _str form returns 0 before looking; the _kernel form still refuses a user address. */
	put(18, bpf_probe_read_str(big, 0, 0));
	put(19, bpf_probe_read_kernel(&word, 0, 0));
	put(20, bpf_probe_read_kernel(&word, 0, src));
	return 0;
}
