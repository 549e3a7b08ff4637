/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "local" types of the CO-RE sample objects: the layouts the programs are compiled
 * with. kernel.c lays the same names out differently, as another kernel would.
 */
#ifndef CORE_TYPES_H
#define CORE_TYPES_H

#define __core __attribute__((preserve_access_index))

struct core_inner {
	int x;
	short y;
} __core;

struct core_sample {
	int a;
	unsigned int counter;
	int signed_val;
	struct core_inner inner;
	struct core_inner items[4];
	union {
		int u_int;
		char u_bytes[4];
	};
	struct {
		int deep_a;
		int deep_b;
	};
	unsigned int flag_a : 1, flag_b : 3, mode : 5;
	int level : 7;
	void *ptr;
	int removed;
	int tail[];
} __core;

/* A kernel type under a local flavor: candidates are found by the name before ___. */
struct task_struct___local {
	int pid;
	int tgid;
	struct task_struct___local *real_parent;
	unsigned int __state;
} __core;

#endif
