// Test source for .BTF.ext: two programs in two sections, a subprogram, and CO-RE
// field, type and enum relocations (what bpf_core_read.h expands to).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task { int pid; struct { long a; long b; } inner; unsigned flag:1; } __attribute__((preserve_access_index));
enum state { RUNNING = 0, SLEEPING = 1 };

static __attribute__((noinline)) int sub(int x)
{
	return x * 3;
}

SEC("kprobe/a")
int prog_a(struct task *t)
{
	long b = t->inner.b;
	int pid = t->pid;
	return sub(pid) + b + __builtin_preserve_field_info(t->flag, 0);
}

SEC("tracepoint/b")
int prog_b(void *ctx)
{
	int n = bpf_core_type_exists(struct task) + bpf_core_type_size(struct task);
	n += bpf_core_enum_value_exists(enum state, SLEEPING);
	return n + sub(2);
}

char LICENSE[] SEC("license") = "GPL";
