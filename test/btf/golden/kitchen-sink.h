#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

struct bits {
	unsigned int a: 3;
	int b: 5;
	union {
		int x;
		unsigned int y;
	};
	char name[16];
};

struct plain {
	int *p;
};

struct empty {};

enum sgn {
	NEG = -1,
	POS = 1,
};

enum uns {
	BIG = 4294967294,
	ZERO = 0,
};

enum big {
	B1 = 1099511627775ULL,
	B2 = 1ULL,
};

enum sbig {
	SNEG = -5LL,
	SMIN = -9223372036854775808LL,
};

struct fs;

union fu;

typedef struct bits bits_t;

enum {
	GLOBAL_CONST = 42,
};

struct dup {
	int a;
};

struct dup___2 {
	int a;
	int b;
};

typedef int POS___2;

typedef __builtin_va_list __gnuc_va_list;

struct uses {
	int __attribute__((btf_type_tag("user"))) *tagged;
	void (*vf)(char *fmt, ...);
	int * restrict r;
	volatile const int cv;
	double d;
	enum big e;
	union fu *fu;
	enum {
		INLINE_A = 0,
		INLINE_B = 1,
	} inl;
	int (*fns[2])(int a, volatile const int *p, char);
	struct dup d1;
	struct dup___2 d2;
	POS___2 pos;
};

typedef unsigned char __Poly8_t;

struct builtins {
	__builtin_va_list va;
	__gnuc_va_list *gv;
	__Poly8_t poly;
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
