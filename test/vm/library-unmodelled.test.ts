import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBpfObject, NotModelledError, type BpfObject } from '../../src/index.js';
import { compileBpf, missing, skipReason } from '../helpers/env.js';

/**
 * The library splits loading from running as the CLI does: an object whose program
 * calls a helper the VM does not run, and which holds a map type the VM only creates,
 * loads; its maps answer; only run() throws, a NotModelledError naming the helper.
 */
const SOURCE = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
char LICENSE[] SEC("license") = "GPL";
struct { __uint(type, BPF_MAP_TYPE_STACK_TRACE); __uint(key_size, 4); __uint(value_size, 8 * 16); __uint(max_entries, 8); } stacks SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } last SEC(".maps");
SEC("kprobe/do_exit") int on_exit(void *ctx) {
	__u32 k = 0;
	__u64 task = (__u64)bpf_get_current_task();
	bpf_map_update_elem(&last, &k, &task, BPF_ANY);
	return bpf_get_stackid(ctx, &stacks, 0);
}
SEC("kprobe/do_fork") int on_fork(void *ctx) { return bpf_get_stackid(ctx, &stacks, 0); }
`;
const reason = missing({ clang: true, file: '/usr/include/bpf/bpf_helpers.h' });
skipReason(reason, 'the library on what the VM does not model');

describe.skipIf(reason !== undefined)('loadBpfObject on what the VM does not model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfscope-lib-unmodelled-'));
  const file = join(dir, 'unmodelled.o');
  let obj: BpfObject;
  beforeAll(() => {
    writeFileSync(join(dir, 'unmodelled.c'), SOURCE);
    compileBpf(join(dir, 'unmodelled.c'), file);
    obj = loadBpfObject(file);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads: programs with their instructions, maps with their types, the stack map empty', () => {
    expect(obj.programs.map((p) => p.name)).toEqual(['on_exit', 'on_fork']);
    expect(obj.program('on_exit').loaded.xlated.length).toBeGreaterThan(0);
    expect(obj.map('stacks').type).toBe('stack_trace');
    expect([...obj.map('stacks').entries()]).toEqual([]);
    expect(obj.map('stacks').lookup(0)).toBeUndefined();
  });

  it('run() throws a NotModelledError naming the first helper the VM lacks, with file, section, program and pc', () => {
    let error: unknown;
    try {
      obj.program('on_exit').run({ ctx: new Uint8Array(168) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NotModelledError);
    const e = error as NotModelledError;
    expect(e.subject).toBe('helper bpf_get_current_task#35');
    expect(e.context).toMatchObject({ file, section: 'kprobe/do_exit', program: 'on_exit' });
    expect(e.message).toMatch(/^.*: insn \d+: helper bpf_get_current_task#35 is not modelled by bpfscope's VM$/);
    // The first thing met in program order: here the map that bpf_get_stackid is given.
    expect(() => obj.program('on_fork').run({ ctx: new Uint8Array(168) })).toThrow(/insn 0: stack_trace map stacks is not modelled by bpfscope's VM$/);
    // Nothing ran: the array is as loaded.
    expect(obj.map('last').lookup(0)).toBe(0n);
  });
});
