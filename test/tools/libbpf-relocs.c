// libbpf-relocs OBJ [TARGET_BTF]: prints the instructions libbpf hands the kernel for
// every program of OBJ, CO-RE-relocated against TARGET_BTF (bpf_object_open_opts'
// btf_custom_path) or, without it, against the running kernel's BTF.
//
// It defines syscall() itself (linked with -rdynamic, so libbpf's calls come here) and
// passes the calls of libbpf's feature probes to the real one (dlsym RTLD_NEXT); the
// object's own are answered without the kernel, so nothing the object says is checked
// by it and nothing is left behind: BPF_PROG_LOAD of one of the object's programs
// (known by its instruction array, which libbpf hands over as it is) is printed and
// given a dummy descriptor (/dev/null), and so is BPF_MAP_CREATE of the object's maps
// (any name but the `libbpf_` ones of the probes); a command on a dummy descriptor
// succeeds, BPF_OBJ_PIN succeeds without pinning and BPF_OBJ_GET finds nothing.
//
// A program libbpf cannot prepare without the kernel it was written for (an fentry
// whose target function this kernel lacks, a section libbpf 1.1 has no type for) would
// stop the load before the programs after it: a program with no type is given
// socket_filter's, and a program whose preparation fails is set not to load and the
// object opened again, reported as `skip NAME`.
//
// Output, per program in load order: `prog NAME COUNT`, then COUNT lines
// `code dst src off imm` (decimal, off and imm signed).
//
// Build: gcc -O1 -rdynamic -o libbpf-relocs libbpf-relocs.c -lbpf -lelf -lz -ldl
#define _GNU_SOURCE
#include <bpf/libbpf.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_PROGS 1024
#define MAX_DUMMIES 4096

static struct bpf_program *progs[MAX_PROGS];
static int printed[MAX_PROGS];
static int nprogs;
static FILE *out;
static int dummies[MAX_DUMMIES];
static int ndummies;

/* The object's program whose instructions a BPF_PROG_LOAD hands over (libbpf passes its own array), if any. */
static int program_for(const union bpf_attr *attr)
{
	for (int i = 0; i < nprogs; i++) {
		if (!printed[i] && attr->insns == (unsigned long)bpf_program__insns(progs[i]))
			return i;
	}
	return -1;
}

static long dummy(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && ndummies < MAX_DUMMIES)
		dummies[ndummies++] = fd;
	return fd;
}

static int is_dummy(int fd)
{
	for (int i = 0; i < ndummies; i++)
		if (dummies[i] == fd)
			return 1;
	return 0;
}

/* Commands whose attribute starts with the descriptor they act on. */
static int acts_on_fd(long cmd)
{
	return cmd == BPF_MAP_LOOKUP_ELEM || cmd == BPF_MAP_UPDATE_ELEM || cmd == BPF_MAP_DELETE_ELEM ||
	       cmd == BPF_MAP_GET_NEXT_KEY || cmd == BPF_OBJ_GET_INFO_BY_FD || cmd == BPF_MAP_FREEZE ||
	       cmd == BPF_PROG_BIND_MAP;
}

long syscall(long number, ...)
{
	static long (*real)(long, ...);
	va_list ap;
	long a[6];

	va_start(ap, number);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	if (number == __NR_bpf) {
		union bpf_attr *attr = (union bpf_attr *)a[1];
		long cmd = a[0];
		int i;

		if (cmd == BPF_PROG_LOAD && (i = program_for(attr)) >= 0) {
			const struct bpf_insn *insns = (const struct bpf_insn *)(unsigned long)attr->insns;

			printed[i] = 1;
			fprintf(out, "prog %s %u\n", bpf_program__name(progs[i]), attr->insn_cnt);
			for (unsigned k = 0; k < attr->insn_cnt; k++)
				fprintf(out, "%u %u %u %d %d\n", insns[k].code, insns[k].dst_reg, insns[k].src_reg, insns[k].off, insns[k].imm);
			return dummy();
		}
		if (cmd == BPF_MAP_CREATE && attr->map_name[0] && strncmp(attr->map_name, "libbpf_", 7) != 0)
			return dummy();
		if (acts_on_fd(cmd) && is_dummy(*(const int *)attr))
			return 0;
		if (cmd == BPF_OBJ_PIN)
			return 0;
		if (cmd == BPF_OBJ_GET) {
			errno = ENOENT;
			return -1;
		}
	}
	return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN && getenv("LIBBPF_RELOCS_VERBOSE") ? vfprintf(stderr, fmt, ap) : 0;
}

static const char *skipped[MAX_PROGS];
static int nskipped;

static int is_skipped(const char *name)
{
	for (int i = 0; i < nskipped; i++)
		if (strcmp(skipped[i], name) == 0)
			return 1;
	return 0;
}

/* One open and load: 0 when every program to load was printed, else the first one that was not (its index + 1). */
static int attempt(const char *path, const char *target, char **text, size_t *len, int *err)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = target);
	struct bpf_program *prog;
	struct bpf_object *obj;
	int missing = 0;

	obj = bpf_object__open_file(path, &opts);
	if (!obj) {
		*err = -errno;
		return -1;
	}
	nprogs = 0;
	ndummies = 0;
	bpf_object__for_each_program(prog, obj) {
		if (is_skipped(bpf_program__name(prog)))
			bpf_program__set_autoload(prog, false);
		if (bpf_program__type(prog) == BPF_PROG_TYPE_UNSPEC)
			bpf_program__set_type(prog, BPF_PROG_TYPE_SOCKET_FILTER);
		if (nprogs < MAX_PROGS && bpf_program__autoload(prog)) {
			printed[nprogs] = 0;
			progs[nprogs++] = prog;
		}
	}
	out = open_memstream(text, len);
	*err = bpf_object__load(obj);
	fclose(out);
	for (int i = 0; i < nprogs && !missing; i++) {
		if (!printed[i]) {
			skipped[nskipped++] = strdup(bpf_program__name(progs[i]));
			missing = i + 1;
		}
	}
	bpf_object__close(obj);
	return missing;
}

int main(int argc, char **argv)
{
	const char *target = argc == 3 ? argv[2] : NULL;
	char *text = NULL;
	size_t len = 0;
	int err, r;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s OBJ [TARGET_BTF]\n", argv[0]);
		return 2;
	}
	libbpf_set_print(quiet);
	/* A load that fails after every program was printed (prog array slots, say) says nothing of relocation. */
	while ((r = attempt(argv[1], target, &text, &len, &err)) > 0) {
		fprintf(stdout, "skip %s %s\n", skipped[nskipped - 1], strerror(-err));
		free(text);
		text = NULL;
		if (nskipped == MAX_PROGS)
			return 1;
	}
	if (r < 0) {
		fprintf(stderr, "open %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	fwrite(text, 1, len, stdout);
	free(text);
	return 0;
}
