// SPDX-License-Identifier: GPL-2.0
// values: global variables and map values of every BTF kind bpftool's map dump
// formats: ints of every width and sign, bool, __int128, char arrays (strings and
// not), multi-dimensional arrays, bitfields, enums (matched, unmatched, packed),
// unions, anonymous members, typedef/const/volatile, pointers, a float (which
// bpftool 7.1 cannot format), per-CPU and BTF-less maps.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

typedef unsigned int u32_t;
typedef const volatile u32_t cv_u32;

enum color { RED, GREEN = 5, BLUE = -3 };
enum wide { WIDE_A = 0x80000000u, WIDE_B = 0xffffffffu };
enum __attribute__((packed)) tiny { TINY_A = 1, TINY_B = 200 };
enum huge { HUGE_A = 0x100000000ULL, HUGE_B = 7 };

struct bits {
	unsigned int a : 3;
	int b : 5;
	unsigned long long c : 40;
	unsigned char d : 1;
	unsigned short e;
	int f : 7;
};

union word {
	int i;
	unsigned char bytes[4];
	struct {
		unsigned short lo;
		unsigned short hi;
	};
};

struct with_anon {
	int x;
	union {
		int y;
		unsigned int z;
	};
	struct {
		char tag[4];
		short s;
	};
};

struct ints {
	char c;
	signed char sc;
	unsigned char uc;
	short s;
	unsigned short us;
	int i;
	unsigned int u;
	long l;
	unsigned long ul;
	long long ll;
	unsigned long long ull;
	_Bool b;
};

struct __attribute__((packed)) edges {
	unsigned char pad : 7;
	unsigned long long wide : 64;
	unsigned char tail : 1;
};

struct w128 {
	unsigned __int128 all : 128;
};

struct w127 {
	unsigned __int128 most : 127;
	unsigned __int128 last : 1;
};

struct flags {
	_Bool on : 1;
	enum color c : 4;
	int neg : 3;
};

/* .data */
char c_pos = 'A';
signed char sc_neg = -5;
unsigned char uc_max = 255;
short s_neg = -1234;
unsigned short us_max = 65535;
int i_neg = -100000;
unsigned int u_max = 0xffffffffu;
long l_neg = -1;
unsigned long ul_big = 0xfedcba9876543210ul;
_Bool b_true = 1;
__int128 i128_small = 42;
unsigned __int128 u128_big = ((unsigned __int128)0x0123456789abcdefULL << 64) | 0xfedcba9876543210ULL;
__int128 i128_neg = -2;
void *p_null = 0;
int *p_fake = (int *)0x1234;
enum color col_green = GREEN;
enum color col_blue = BLUE;
enum color col_none = (enum color)3;
enum wide wide_b = WIDE_B;
enum wide wide_none = (enum wide)0x80000001u;
enum tiny tiny_b = TINY_B;
enum tiny tiny_a = TINY_A;
enum huge huge_a = HUGE_A;
enum huge huge_b = HUGE_B;
struct bits bf = { .a = 5, .b = -3, .c = 0xabcdef0123ull, .d = 1, .e = 0x1234, .f = -1 };
union word w = { .i = 0x11223344 };
struct with_anon anon = { .x = 1, .y = -2, .tag = "ab", .s = 3 };
struct ints all = { 'z', -1, 200, -2, 60000, -3, 4000000000u, -4, 5, -6, 7, 1 };
u32_t td = 77;
volatile int vol = -9;
char str[16] = "hello";
char str_full[3] = "abc";
char str_empty[4] = "";
char str_ctrl[4] = { 'a', 1, 'b', 0 };
char str_hi[4] = { 'a', (char)0xe9, 0, 0 };
char str_esc[16] = "it's \"q\" \\ e";
unsigned char ustr[4] = "xyz";
char names[2][8] = { "ab", "cd" };
int grid[2][3] = { { 1, 2, 3 }, { -4, -5, -6 } };
struct edges edg = { .pad = 0x55, .wide = 0x8000000000000001ull, .tail = 1 };
struct w128 w128v = { .all = ((unsigned __int128)0x1122334455667788ULL << 64) | 0x99aabbccddeeff00ULL };
struct w127 w127v = { .most = ((unsigned __int128)0x4000000000000000ULL << 64) | 3, .last = 1 };
struct flags fl = { 1, BLUE, -1 };
struct bits bits_arr[2] = { { .a = 1 }, { .a = 7, .b = 15 } };

/* .rodata */
const volatile int ro_int = 3;
cv_u32 ro_cv = 8;
const char ro_msg[] = "read only";

/* .bss */
int bss_int;
struct bits bss_bits;

/* a section of its own: bpftool stops at the float */
int before_float SEC(".data.floats") = 1;
double d_val SEC(".data.floats") = 1.5;
int after_float SEC(".data.floats") = 2;

/* BTF maps */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, struct bits);
	__type(value, struct ints);
} h_bits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8);
	__type(key, enum color);
	__type(value, struct with_anon);
} pc_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 8);
	__type(key, __u64);
	__type(value, union word);
} lru_pc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, char[12]);
} a_str SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, u32_t);
	__type(value, int[2][2]);
} pc_grid SEC(".maps");

/* key type only: the kernel keeps the BTF but no value type */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__uint(value_size, 20);
} key_only SEC(".maps");

/* no BTF at all: sizes only */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__uint(key_size, 8);
	__uint(value_size, 40);
} raw_wide SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__uint(key_size, 20);
	__uint(value_size, 4);
} raw_longkey SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__uint(key_size, 4);
	__uint(value_size, 12);
} raw_small SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4);
	__uint(key_size, 4);
	__uint(value_size, 20);
} raw_pc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, 4);
	__uint(value_size, 4);
} raw_pc_arr SEC(".maps");

#define TOUCH(x) asm volatile("" :: "r"(&(x)))

SEC("xdp")
int xdp_values(struct xdp_md *ctx)
{
	struct bits k = { .a = 2, .b = -1, .c = 0xffffffffffull, .d = 0, .e = 9, .f = 63 };
	struct ints v = { '\n', -128, 0x7f, -32768, 1, -2147483647 - 1, 1, -1, 0xfffffffffffffffful, -9, 10, 0 };
	enum color ck = BLUE;
	struct with_anon wa = { .x = -1, .z = 0x80000000u, .tag = "xyz", .s = -1 };
	__u64 lk = 0xdeadbeef;
	union word uw = { .bytes = { 1, 2, 3, 4 } };
	__u32 ko = 3;
	__u8 big[40] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21 };
	__u8 key20[20] = { 0xaa, 0xbb };
	__u8 key8[8] = { 8 };

	TOUCH(c_pos); TOUCH(sc_neg); TOUCH(uc_max); TOUCH(s_neg); TOUCH(us_max); TOUCH(i_neg);
	TOUCH(u_max); TOUCH(l_neg); TOUCH(ul_big); TOUCH(b_true); TOUCH(i128_small); TOUCH(u128_big);
	TOUCH(i128_neg); TOUCH(p_null); TOUCH(p_fake); TOUCH(col_green); TOUCH(col_blue); TOUCH(col_none);
	TOUCH(wide_b); TOUCH(wide_none); TOUCH(tiny_b); TOUCH(tiny_a); TOUCH(huge_a); TOUCH(huge_b);
	TOUCH(bf); TOUCH(w); TOUCH(anon); TOUCH(all); TOUCH(td); TOUCH(vol); TOUCH(str); TOUCH(str_full);
	TOUCH(str_empty); TOUCH(str_ctrl); TOUCH(str_hi); TOUCH(str_esc); TOUCH(ustr); TOUCH(names);
	TOUCH(grid); TOUCH(bits_arr); TOUCH(edg); TOUCH(w128v); TOUCH(w127v); TOUCH(fl); TOUCH(ro_int); TOUCH(ro_cv); TOUCH(ro_msg); TOUCH(bss_int);
	TOUCH(bss_bits); TOUCH(before_float); TOUCH(d_val); TOUCH(after_float);

	bpf_map_update_elem(&h_bits, &k, &v, BPF_ANY);
	bpf_map_update_elem(&pc_hash, &ck, &wa, BPF_ANY);
	bpf_map_update_elem(&lru_pc, &lk, &uw, BPF_ANY);
	bpf_map_update_elem(&key_only, &ko, big, BPF_ANY);
	bpf_map_update_elem(&raw_wide, key8, big, BPF_ANY);
	bpf_map_update_elem(&raw_longkey, key20, &ko, BPF_ANY);
	bpf_map_update_elem(&raw_small, &ko, big, BPF_ANY);
	bpf_map_update_elem(&raw_pc, &ko, big, BPF_ANY);
	{
		__u32 zero = 0;
		__u32 *slot = bpf_map_lookup_elem(&raw_pc_arr, &zero);
		if (slot)
			*slot = 0x01020304;
		char *s = bpf_map_lookup_elem(&a_str, &zero);
		if (s) {
			s[0] = 'o'; s[1] = 'k'; s[2] = 0;
		}
		int *g = bpf_map_lookup_elem(&pc_grid, &zero);
		if (g) {
			g[0] = 1; g[3] = -1;
		}
	}
	return XDP_PASS;
}
