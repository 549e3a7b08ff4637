import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GOLDEN, missing, OBJECTS, skipReason } from '../helpers/env.js';
import { bpfscopeBig, bpftool, firstDifference } from './btf-helpers.js';

/**
 * `btf dump file` through the real binary, against what bpftool 7.1 printed for every
 * object (test/golden/X/btf.*, made by kernel-oracle and bpftool) and against the live
 * bpftool on this machine's vmlinux.
 */
const objects = readdirSync(OBJECTS)
  .filter((f) => f.endsWith('.o'))
  .map((f) => f.slice(0, -2))
  .sort();

const FORMS = [
  { golden: 'btf.raw.txt', args: [] as string[], flags: [] as string[] },
  { golden: 'btf.c.txt', args: ['format', 'c'], flags: [] },
  { golden: 'btf.raw.json', args: [], flags: ['-j'] },
];

describe.each(objects)('btf dump file objects/%s.o equals bpftool 7.1', (obj) => {
  it.each(FORMS.map((f) => [f.golden, f] as const))('%s', (golden, form, ctx) => {
    const file = join(GOLDEN, obj, golden);
    if (skipReason(existsSync(file) ? undefined : `${file} is missing (npm run golden)`, `btf golden ${obj}/${golden}`)) return ctx.skip();
    const r = bpfscopeBig([...form.flags, 'btf', 'dump', 'file', `objects/${obj}.o`, ...form.args]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(file, 'utf8'));
  });
});

describe('btf dump file /sys/kernel/btf/vmlinux equals the live bpftool', () => {
  const vmlinux = '/sys/kernel/btf/vmlinux';
  const cannot = missing({ bpftool: true, file: vmlinux });
  it.each([
    ['raw', [], []],
    ['c', [], ['format', 'c']],
    ['-j', ['-j'], []],
    ['-p', ['-p'], []],
  ] as const)('%s', (_name, flags, args, ctx) => {
    if (skipReason(cannot, 'vmlinux btf dump comparison')) return ctx.skip();
    const theirs = bpftool([...flags, 'btf', 'dump', 'file', vmlinux, ...args]);
    const ours = bpfscopeBig([...flags, 'btf', 'dump', 'file', vmlinux, ...args]);
    expect(ours.status).toBe(theirs.status);
    expect(ours.stderr).toBe(theirs.stderr);
    expect(firstDifference(ours.stdout, theirs.stdout)).toBeUndefined();
  });

  it('-B vmlinux makes an object BTF split on it, as bpftool reads it', (ctx) => {
    if (skipReason(cannot, 'split BTF comparison')) return ctx.skip();
    for (const args of [['btf', 'dump', 'file', 'objects/xdp.o'], ['btf', 'dump', 'file', 'objects/maps.o', 'format', 'c']]) {
      const theirs = bpftool(['-B', vmlinux, ...args]);
      const ours = bpfscopeBig(['-B', vmlinux, ...args]);
      expect(ours.status).toBe(theirs.status);
      expect(firstDifference(ours.stdout, theirs.stdout)).toBeUndefined();
    }
  });
});
