// SPDX-License-Identifier: GPL-2.0
// bpf_trace_printk, bpf_trace_vprintk and bpf_snprintf: what each returns (kept in
// `results`), the messages they write and the strings they format.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __s64);
} results SEC(".maps");

char out[32];
char tiny[6];

static __always_inline void put(__u32 step, __s64 v)
{
	bpf_map_update_elem(&results, &step, &v, BPF_ANY);
}

#define P(step, f, ...) ({ char _f[] = f; put(step, bpf_trace_printk(_f, sizeof(_f), ##__VA_ARGS__)); })

SEC("xdp")
int printk(struct xdp_md *ctx)
{
	char s[] = "str";
	char empty[] = "";
	__u8 ip4[4] = { 10, 0, 1, 2 };
	__u8 ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0, 1 };
	char nonul[4] = { 'a', 'b', 'c', 'd' };
	__u64 args[5] = { 1, -2, 3, 4, 0xffffffffffffffffULL };
	__u64 sargs[2] = { 77, (__u64)(long)s };

	P(0, "plain\n");
	P(1, "%d %u %x", -1, -1, 255);
	P(2, "%ld %lu %llx", -1L, -1L, 0xdeadbeefcafeULL);
	P(3, "|%5d|%-5d|%05d", 42, 42, -42);
	P(4, "%+d % d %X", 7, 7, 0xabc);
	P(5, "%c%c%s", 'o', 'k', s);
	P(6, "%pI4 %pi4", ip4, ip4);
	P(7, "%pI6 %pi6", ip6, ip6);
	P(8, "%%d %s|%-6s|%6s", empty, s, s);
	P(9, "%pks, null %s.", s, 0);
	P(10, "%i%%", 5);
	P(11, "%q", 1);
	P(12, "%d %d %d %d", 1, 2, 3);
	P(13, "%s5", s);
	P(14, "%.3d", 1);
	P(15, "%hd", 1);
	P(16, "bell\a");
	P(17, "%");
	P(18, "%pT", s);
	put(19, bpf_trace_printk(nonul, sizeof(nonul)));
	{
		char f[] = "%d %d %d %d %llx";
		put(20, bpf_trace_vprintk(f, sizeof(f), args, sizeof(args)));
		put(21, bpf_trace_vprintk(f, sizeof(f), args, 7));
		put(22, bpf_trace_vprintk(f, sizeof(f), args, 8));
	}
	put(23, bpf_snprintf(out, sizeof(out), "%d-%s!", sargs, sizeof(sargs)));
	put(24, bpf_snprintf(tiny, sizeof(tiny), "%d-%s!", sargs, sizeof(sargs)));
	return XDP_PASS;
}
