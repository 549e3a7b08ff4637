// Test source for the BTF layer: one of each C construct clang turns into BTF
// (bitfields, anonymous unions, enums, typedefs, forward declarations, qualifiers,
// function pointers, decl tags, static and global data in every data section).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
char LICENSE[] SEC("license") = "GPL";
struct bits { unsigned a:3; int b:5; long c; union { int x; char y[3]; }; };
enum sgn { NEG = -1, POS = 1 };
enum big { B1 = 0xffffffffffULL, B2 = 1 };
enum small { S0, S1 = 7 };
typedef struct bits bits_t;
struct fwd;
struct holder { struct fwd *f; const volatile int *restrict p; float fl; double d; int (*cb)(int, char *); };
int __attribute__((btf_decl_tag("tagv"))) tagged_var = 3;
struct tg { int __attribute__((btf_decl_tag("memtag"))) m; int * __attribute__((btf_type_tag("user"))) up; };
static int counter;
const volatile int ro1 = 5;
int bss1, bss2;
long data1 = 7;
char arr2d[3][4] = {};
struct holder hh;
struct tg tgv;
bits_t bb;
enum sgn es; enum big eb; enum small ess;
static __attribute__((noinline)) int helper(int a, long b) { return a + b + counter++; }
__attribute__((noinline)) int gsub(struct bits *p) { return p->a; }
struct vv { int (*vcb)(int, ...); void (*nv)(void); } vvv;
int __attribute__((btf_decl_tag("fn"))) tagged_fn(int __attribute__((btf_decl_tag("arg"))) x) { return x; }
SEC("xdp")
int xdp_prog(struct xdp_md *ctx) { bss1++; return helper(ctx->data, data1) + ro1 + bb.a + gsub(&bb) + tagged_fn(1) + arr2d[1][2]; }
