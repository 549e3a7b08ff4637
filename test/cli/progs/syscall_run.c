/* Runs a pinned program with BPF_PROG_TEST_RUN given ctx_in alone (what a syscall
 * program needs and bpftool cannot pass, since it always adds ctx_out), and prints the
 * return value and the context the kernel copied back into ctx_in, or the errno. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>

static unsigned char buf[70000];

int main(int argc, char **argv)
{
	FILE *f;
	size_t n;
	int fd, err;

	if (argc != 3)
		return 2;
	fd = bpf_obj_get(argv[1]);
	f = fopen(argv[2], "rb");
	if (fd < 0 || !f)
		return 2;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = buf, .ctx_size_in = n);
	err = bpf_prog_test_run_opts(fd, &opts);
	if (err) {
		printf("errno %d\n", errno);
		return 0;
	}
	printf("retval %u\n", opts.retval);
	for (size_t i = 0; i < n; i++)
		printf("%02x", buf[i]);
	printf("\n");
	return 0;
}
