// Test source for function signatures: subprograms whose parameters use every way
// bpftool writes a type (qualifiers, pointers to pointers, arrays, unions, enums,
// typedefs, function pointers, restrict, void). It must load, so bpftool can dump it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
char LICENSE[] SEC("license") = "GPL";
struct pair { int a; long b; };
union u { int x; char c; };
enum color { RED, GREEN };
typedef unsigned long long u64_t;
typedef int (*cb_t)(int, const char *);
static __attribute__((noinline)) int s_scalars(int a, long b, unsigned char c, u64_t d) { return a + b + c + d; }
static __attribute__((noinline)) long s_ptrs(const struct pair *p, volatile int *v, char *const *pp, const void *raw) { return p->a + *v + (pp != 0) + (raw != 0); }
static __attribute__((noinline)) void s_void(void) { asm volatile(""); }
static __attribute__((noinline)) int s_agg(union u *x, enum color c, int (*fp)(int, const char *), cb_t cb) { return x->x + c + (fp != 0) + (cb != 0); }
static __attribute__((noinline)) int s_arr(int (*a)[4], int **pp) { return (*a)[1] + **pp; }
static __attribute__((noinline)) int s_unnamed(int *restrict q) { return *q; }
int g = 1;
SEC("xdp")
int xdp_sig(struct xdp_md *ctx)
{
	struct pair p = { 1, 2 }; volatile int v = 3; char *s = 0; union u x = { 1 }; int arr[4] = {}; int *ap = &g;
	s_void();
	return s_scalars(1, 2, 3, 4) + s_ptrs(&p, &v, &s, ctx) + s_agg(&x, GREEN, 0, 0) + s_arr(&arr, &ap) + s_unnamed(&g);
}
