// Times uBPF's C interpreter (ubpf_exec) on raw bytecode, for bench/vm.mjs:
//   driver PROGRAM.bin MEMORY.bin SECONDS ROUNDS
// runs the program on a copy of MEMORY (r1 = its address, r2 = its size, as uBPF
// passes them) for ROUNDS rounds of SECONDS / ROUNDS each and prints one line,
//   executed=N ns_per_run=X r0=R
// the best round's ns per run and the instructions one run executes (counted once by
// uBPF's debug hook, outside the timing). uBPF's defaults stay as they are (bounds
// checks on), as a user of its interpreter would have them.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "ubpf.h"

static void *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0) {
        fprintf(stderr, "driver: cannot read %s\n", path);
        exit(1);
    }
    long n = ftell(f);
    rewind(f);
    void *bytes = malloc(n > 0 ? (size_t)n : 1);
    if (!bytes || fread(bytes, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "driver: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    *size = (size_t)n;
    return bytes;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static uint64_t executed;

static void count(void *context, int pc, const uint64_t registers[16], const uint8_t *stack, size_t stack_size,
                  uint64_t stack_mask, const uint8_t *stack_mask_bytes)
{
    (void)context, (void)pc, (void)registers, (void)stack, (void)stack_size, (void)stack_mask, (void)stack_mask_bytes;
    executed++;
}

static struct ubpf_vm *load(const void *code, size_t size)
{
    struct ubpf_vm *vm = ubpf_create();
    char *error = NULL;
    if (!vm || ubpf_load(vm, code, (uint32_t)size, &error) < 0) {
        fprintf(stderr, "driver: ubpf_load: %s\n", error ? error : "ubpf_create failed");
        exit(1);
    }
    return vm;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: driver PROGRAM.bin MEMORY.bin SECONDS ROUNDS\n");
        return 2;
    }
    size_t code_size, mem_size;
    void *code = read_file(argv[1], &code_size);
    uint8_t *mem = read_file(argv[2], &mem_size);
    double seconds = atof(argv[3]);
    int rounds = atoi(argv[4]);
    uint64_t r0 = 0;

    struct ubpf_vm *counting = load(code, code_size);
    ubpf_register_debug_fn(counting, NULL, count);
    if (ubpf_exec(counting, mem, mem_size, &r0) < 0) {
        fprintf(stderr, "driver: ubpf_exec failed\n");
        return 1;
    }
    ubpf_destroy(counting);

    struct ubpf_vm *vm = load(code, code_size);
    // Runs per round: enough for the round to last SECONDS / ROUNDS.
    uint64_t runs = 1;
    for (;;) {
        double start = now_ns();
        for (uint64_t i = 0; i < runs; i++) ubpf_exec(vm, mem, mem_size, &r0);
        double spent = now_ns() - start;
        if (spent > seconds * 1e9 / rounds / 4) {
            runs = (uint64_t)(runs * (seconds * 1e9 / rounds) / spent) + 1;
            break;
        }
        runs *= 2;
    }
    double best = 1e300;
    for (int r = 0; r < rounds; r++) {
        double start = now_ns();
        for (uint64_t i = 0; i < runs; i++) ubpf_exec(vm, mem, mem_size, &r0);
        double per_run = (now_ns() - start) / runs;
        if (per_run < best) best = per_run;
    }
    ubpf_destroy(vm);
    printf("executed=%llu ns_per_run=%.1f r0=%llu\n", (unsigned long long)executed, best, (unsigned long long)r0);
    return 0;
}
