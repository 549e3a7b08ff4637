import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bpfscope } from '../../helpers/cli.js';
import { compileBpf, missing, skipReason } from '../../helpers/env.js';
// @ts-expect-error: a plain ES module shared with compare.mjs, without types
import { compareProgram, mapNames } from '../../corpus/normalize.mjs';

/**
 * Kernel symbols and kfuncs against the real kernel: bpftool loads each object (libbpf
 * resolves its externs against this kernel, the kernel verifies), then its program's
 * type, tag and `prog dump xlated` must be bpfscope's (up to the ids and call numbers
 * only a kernel knows, and the code its verifier removes as dead); where the kernel
 * refuses, bpfscope must refuse with the kernel's reason. The object's BTF the kernel
 * then holds must be the one bpfscope shows.
 */
const reason =
  missing({ clang: true, bpftool: true, root: true }) ??
  (existsSync('/sys/kernel/btf/vmlinux') ? undefined : 'the kernel has no BTF (/sys/kernel/btf/vmlinux)') ??
  (spawnSync('mountpoint', ['-q', '/sys/fs/bpf']).status === 0 ? undefined : 'bpffs is not mounted at /sys/fs/bpf');
const skip = skipReason(reason, 'the ksym and kfunc kernel comparisons');

const HEADER = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
/* libbpf 1.2+ has it in bpf_helpers.h; 1.1 does not. */
#define bpf_ksym_exists(sym) ({ _Static_assert(!__builtin_constant_p(!!sym), #sym " should be marked as __weak"); !!sym; })
char LICENSE[] SEC("license") = "GPL";
struct bpf_cpumask {};
`;

const CASES: [string, string][] = [
  [
    'typeless ksyms, present and weak missing, and a weak missing typed one (address 0)',
    `extern void bpf_trace_run1 __ksym;
extern void bpfscope_missing_sym __ksym __weak;
extern const int bpfscope_missing_var __ksym __weak;
__u64 addrs[3];
SEC("socket") int p(struct __sk_buff *skb) {
	addrs[0] = (__u64)&bpf_trace_run1;
	addrs[1] = (__u64)&bpfscope_missing_sym;
	addrs[2] = (__u64)&bpfscope_missing_var;
	return 0;
}`,
  ],
  [
    'kfunc calls, bpf_ksym_exists of a present and of a missing weak kfunc',
    `extern struct bpf_cpumask *bpf_cpumask_create(void) __ksym __weak;
extern void bpf_cpumask_release(struct bpf_cpumask *) __ksym __weak;
extern void bpfscope_missing_kfunc(void) __ksym __weak;
SEC("tp_btf/task_newtask") int p(void *ctx) {
	if (bpf_ksym_exists(bpfscope_missing_kfunc))
		bpfscope_missing_kfunc();
	if (bpf_ksym_exists(bpf_cpumask_create)) {
		struct bpf_cpumask *mask = bpf_cpumask_create();
		if (mask)
			bpf_cpumask_release(mask);
		return 1;
	}
	return 0;
}`,
  ],
  [
    'a typed per-CPU variable (its address is the kernel\'s to find in kallsyms)',
    `extern const int bpf_prog_active __ksym;
__u64 addr;
SEC("socket") int p(struct __sk_buff *skb) {
	addr = (__u64)&bpf_prog_active;
	return 0;
}`,
  ],
];

describe.skipIf(skip)('ksyms and kfuncs as the kernel loads them', () => {
  let dir = '';
  const objects: string[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpfscope-ksyms-'));
    CASES.forEach(([, source], i) => {
      const src = join(dir, `ksyms${i}.c`);
      writeFileSync(src, HEADER + source);
      compileBpf(src, join(dir, `ksyms${i}.o`));
      objects.push(join(dir, `ksyms${i}.o`));
    });
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(CASES.map(([name], i) => [name, i] as const))('%s', (_name, i) => {
    const obj = objects[i]!;
    const pin = `/sys/fs/bpf/bpfscope-ksyms-${process.pid}-${i}`;
    try {
      const load = spawnSync('bpftool', ['-d', 'prog', 'loadall', obj, pin], { encoding: 'utf8' });
      if (load.status !== 0) {
        // The kernel's verifier log says why; bpfscope's one line must say the same.
        const refused = bpfscope(['--object', obj, 'prog', 'show']);
        expect(refused.status).toBe(255);
        const why = /^Error: .*: insn \d+: (.*)$/.exec(refused.stderr.trim())?.[1];
        expect(why, refused.stderr).toBeDefined();
        expect(load.stderr.split('\n')).toContain(why);
        return;
      }
      const ours = bpfscope(['-j', '--object', obj, 'prog', 'show']);
      expect(ours.status, ours.stderr).toBe(0);
      const kernelShow = JSON.parse(spawnSync('bpftool', ['-j', 'prog', 'show', 'pinned', `${pin}/p`], { encoding: 'utf8' }).stdout);
      const kernelXlated = spawnSync('bpftool', ['prog', 'dump', 'xlated', 'pinned', `${pin}/p`], { encoding: 'utf8' }).stdout;
      const mine = (JSON.parse(ours.stdout) as { name: string }[]).find((p) => p.name === 'p');
      const xlated = bpfscope(['--object', obj, 'prog', 'dump', 'xlated', 'name', 'p']);
      expect(xlated.status, xlated.stderr).toBe(0);
      // Map ids are the kernel's and ours: compared as the maps' names.
      const mapsOf = (out: string) => mapNames(JSON.parse(out) as { id: number; name: string }[]) as Map<number, string>;
      const kernelMaps = mapsOf(spawnSync('bpftool', ['-j', 'map', 'show'], { encoding: 'utf8' }).stdout);
      const ourMaps = mapsOf(bpfscope(['-j', '--object', obj, 'map', 'show']).stdout);
      const verdict = compareProgram(kernelShow, kernelXlated, mine, xlated.stdout, kernelMaps, ourMaps) as string | undefined | { rewrites: string[] };
      expect(typeof verdict === 'string' ? verdict : '').toBe('');
      if (verdict) expect(verdict.rewrites).toEqual(['dead code removed']);
      // The object's BTF as libbpf edited it for the kernel (extern DATASECs, dummy_ksym).
      const kernelBtf = spawnSync('bpftool', ['btf', 'dump', 'id', String(kernelShow.btf_id)], { encoding: 'utf8' }).stdout;
      expect(bpfscope(['--object', obj, 'btf', 'dump', 'id', '1']).stdout).toBe(kernelBtf);
    } finally {
      rmSync(pin, { recursive: true, force: true });
    }
  });

  it('kfunc calls print as bpftool prints them: the kernel function\'s name, then #imm', () => {
    const obj = objects[1]!;
    const r = bpfscope(['--object', obj, 'prog', 'dump', 'xlated', 'name', 'p']);
    const id = /\[(\d+)\] FUNC 'bpf_cpumask_create'/.exec(spawnSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux'], { encoding: 'utf8', maxBuffer: 1 << 30 }).stdout)![1];
    // bpfscope keeps the BTF id libbpf passes where the kernel shows its call offset.
    expect(r.stdout).toContain(`(85) call bpf_cpumask_create#${id}\n`);
  });
});
