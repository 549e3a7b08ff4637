// SPDX-License-Identifier: GPL-2.0
// kernel: not a program but "another kernel's" types, compiled with -g so that its
// .BTF is a target BTF (--btf-target kernel.o): the names of core_types.h and the
// sample programs, laid out otherwise. Fields moved, an unsigned field grown (u32 to
// u64) and a signed one (int to long), bitfields reordered and resized, a field
// removed, anonymous members swapped, enumerators renumbered, a kernel type without
// the field a program checks for, two identical flavors of one struct (both match,
// and agree) and two of another that disagree.

struct core_inner {
	long pad;
	short y;
	int x;
};

/* bpftool names a second type of the same name so in a kernel's vmlinux.h. */
struct core_inner___2 {
	long pad;
	short y;
	int x;
};

struct core_sample {
	long added_first;
	struct core_inner items[6];
	unsigned long long counter;
	long signed_val;
	int a;
	struct {
		int deep_b;
		int deep_a;
	};
	union {
		char u_bytes[8];
		int u_int;
	};
	unsigned int level : 9, flag_b : 5, pad_bits : 3, flag_a : 1, mode : 6;
	struct core_inner inner;
	void *ptr;
	int tail[];
};

struct task_struct {
	unsigned int flags;
	long state;
	struct task_struct *parent;
	struct task_struct *real_parent;
	int tgid;
	int pid;
};

struct core_flavored {
	int unrelated;
	int new_name;
};

typedef unsigned long core_u32_t;
typedef struct core_inner core_inner_t;

enum core_state {
	CORE_RUNNING = 1,
	CORE_IDLE = 2,
	CORE_GONE = 40,
};

enum core_signed {
	CORE_POS = 30,
	CORE_NEG = -30,
};

enum core_wide {
	CORE_BIG = 0x200000000ULL,
	CORE_SMALL = 7,
};

struct core_amb___a {
	int x;
};

struct core_amb___b {
	long pad;
	int x;
};

/* Globals, so that clang emits every type above. */
struct core_inner___2 *use_inner_2;
struct core_sample *use_sample;
struct task_struct *use_task;
struct core_flavored *use_flavored;
core_u32_t use_u32;
core_inner_t *use_inner_t;
enum core_state use_state;
enum core_signed use_signed;
enum core_wide use_wide;
struct core_amb___a *use_amb_a;
struct core_amb___b *use_amb_b;
