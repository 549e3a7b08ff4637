// SPDX-License-Identifier: GPL-2.0
// libbpf-externs OBJ [KCONFIG_FILE]: what the machine's libbpf makes of an object's
// externs. Opens OBJ (with KCONFIG_FILE's text as the kconfig libbpf reads first, as
// bpf_object_open_opts.kconfig), turns every program's autoload off and loads it, so
// that libbpf resolves the externs and creates the maps but loads no program. Prints
// each internal map's initial value ("NAME HEX HEX ...") on success; libbpf's warnings
// go to stderr either way. Needs root, as any libbpf load does. Exit 1 on failure.
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int warnings(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, args) : 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long size;

	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		return NULL;
	text = calloc(1, size + 1);
	if (text && fread(text, 1, size, f) != (size_t)size) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	char *kconfig = NULL;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: %s OBJ [KCONFIG_FILE]\n", argv[0]);
		return 2;
	}
	if (argc == 3 && !(kconfig = read_file(argv[2]))) {
		fprintf(stderr, "cannot read %s\n", argv[2]);
		return 2;
	}
	libbpf_set_print(warnings);
	LIBBPF_OPTS(bpf_object_open_opts, opts, .kconfig = kconfig);
	obj = bpf_object__open_file(argv[1], &opts);
	if (!obj)
		return 1;
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, false);
	if (bpf_object__load(obj))
		return 1;
	bpf_object__for_each_map(map, obj) {
		size_t size, i;
		const unsigned char *value = bpf_map__initial_value(map, &size);

		if (!value)
			continue;
		printf("%s", bpf_map__name(map));
		for (i = 0; i < size; i++)
			printf(" %02x", value[i]);
		printf("\n");
	}
	bpf_object__close(obj);
	return 0;
}
