// Test source for format c: structs whose C layout needs packing, padding and
// alignment markers, bitfields across storage units, anonymous and self-referring types.
struct empty {};
struct holds_empty { int a; struct {} e; int b; };
struct packed1 { char c; int i; } __attribute__((packed));
struct packed_tail { int i; char c; } __attribute__((packed));
struct packed_nested { char c; struct packed1 p; short s; } __attribute__((packed));
struct contains_packed { char c; struct packed1 p; long l; };
struct aligned16 { int a; } __attribute__((aligned(16)));
struct uses_aligned { char c; struct aligned16 x; };
struct bits1 { unsigned a: 1; unsigned b: 7; unsigned long c: 40; char d; };
struct bits2 { char a; long b: 3; long c: 60; };
struct bits_gap { int a: 4; int : 12; int b: 4; };
struct big_gap { char a; long b __attribute__((aligned(32))); char c; };
struct only_pad { long : 64; long : 64; };
struct tail_pad { long a; char b; };
struct hole_in_union { union { char c; long l; } u; char after; };
struct weird_align { char a; short b __attribute__((aligned(8))); };
struct zero_array { int n; char data[0]; };
struct flex { int n; char data[]; };
struct arr_fp { int (*fns[4])(int); const char *names[2][3]; };
union packed_union { int a; char b[5]; } __attribute__((packed));
struct with_pu { char c; union packed_union u; };
typedef struct { int x; } anon_td;
typedef union { int x; float f; } anon_ud;
enum { ANON_A = 1, ANON_B };
enum small_e { SE_A = 1 } __attribute__((packed));
struct uses_small { enum small_e e; char c; };
struct self { struct self *next; struct other *o; };
struct other { struct self s; };
typedef struct node node_t;
struct node { node_t *left, *right; int (*cmp)(const node_t *, const node_t *); };
struct char_bits { char a: 3; char b: 2; short c: 9; };
struct u64_bits { unsigned long long a: 33; unsigned long long b: 31; unsigned int c; };

struct root {
	struct empty a; struct holds_empty b; struct packed1 c; struct packed_tail d; struct packed_nested e;
	struct contains_packed f; struct uses_aligned g; struct bits1 h; struct bits2 i; struct bits_gap j;
	struct big_gap k; struct only_pad l; struct tail_pad m; struct hole_in_union n; struct weird_align o;
	struct zero_array p; struct arr_fp q; struct with_pu r; anon_td s; anon_ud t; struct uses_small u;
	struct self v; struct other w; struct node x; struct char_bits y; struct u64_bits z; int anon_enum;
	struct flex *fl;
};
struct root root_var;
int anon_e = ANON_A;
