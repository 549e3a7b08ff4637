import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bpfscope } from '../helpers/cli.js';
import { GOLDEN } from '../helpers/env.js';
import { goldenObjects, goldenText, kernelMaps, kernelProgs } from './golden.js';
import { diffHunks, normaliseXlated, unexplained } from './xlated-compare.js';

const objects = goldenObjects();
if (objects.length === 0) console.log('skipped prog dump golden tests: test/golden has no kernel-oracle output');

function ourMapNames(obj: string): Map<number, string> {
  const r = bpfscope(['-j', '--object', `objects/${obj}.o`, 'map', 'show']);
  return new Map((JSON.parse(r.stdout) as { id: number; name: string }[]).map((m) => [m.id, m.name] as const));
}

const identical = new Set<string>();
const cases = objects.flatMap((obj) => kernelProgs(obj).map((p) => [obj, p.name] as const));

describe.each(cases)('prog dump xlated: objects/%s.o %s', (obj, name) => {
  const kernelNames = new Map(kernelMaps(obj).map((m) => [m.id, m.name] as const));
  const ours = ourMapNames(obj);
  const dump = (mode: string[]) => bpfscope(['--object', `objects/${obj}.o`, 'prog', 'dump', 'xlated', 'name', name, ...mode]);

  it.each([
    ['plain', [], 'xlated.txt'],
    ['linum', ['linum'], 'linum.txt'],
  ] as const)('%s: equal to bpftool but for the kernel\'s rewrites', (_mode, args, file) => {
    const r = dump([...args]);
    expect(r.status).toBe(0);
    const mine = normaliseXlated(r.stdout, ours).split('\n');
    const theirs = normaliseXlated(goldenText(obj, `${name}.${file}`), kernelNames).split('\n');
    for (const hunk of diffHunks(mine, theirs)) {
      expect(unexplained(hunk), `kernel printed:\n${hunk.kernel.join('\n')}`).toEqual([]);
      // A rewrite replaces instructions; it never adds or drops source or prototype lines.
      expect(hunk.kernel.filter((l) => /^;|:$/.test(l))).toEqual([]);
    }
  });

  const untouched = normaliseXlated(dump([]).stdout, ours) === normaliseXlated(goldenText(obj, `${name}.xlated.txt`), kernelNames);
  if (untouched) identical.add(`${obj}/${name}`);

  it.runIf(untouched)('is byte-identical in every form (no map helper was inlined)', () => {
    for (const [args, file] of [[['linum'], 'linum.txt'], [['opcodes'], 'opcodes.txt'], [['visual'], 'visual.dot']] as const) {
      const mine = normaliseXlated(dump([...args]).stdout, ours);
      const theirs = normaliseXlated(goldenText(obj, `${name}.${file}`), kernelNames);
      expect(maskCallImmBytes(mine)).toBe(maskCallImmBytes(theirs));
    }
    const json = bpfscope(['-j', '--object', `objects/${obj}.o`, 'prog', 'dump', 'xlated', 'name', name]);
    expect(normaliseXlated(json.stdout, ours)).toBe(normaliseXlated(goldenText(obj, `${name}.xlated.json`), kernelNames));
  });
});

/** In opcodes listings, a helper call's imm bytes and a map reference's id bytes are the kernel's own. */
function maskCallImmBytes(text: string): string {
  return text.replace(/^( {7}85 00 00 00) .. .. .. ..$/gm, '$1 XX XX XX XX').replace(/^( {7}18 [12]. 00 00) .. .. .. ../gm, '$1 XX XX XX XX');
}

it.skipIf(!existsSync(join(GOLDEN, 'xdp')))('several programs matched by name print each with its header, as bpftool does', () => {
  const r = bpfscope(['--object', 'objects/two_in_one.o', '--object', 'objects/two_in_one.o', 'prog', 'dump', 'xlated', 'name', 'xdp_first']);
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^1: xdp {2}name xdp_first {2}tag [0-9a-f]{16} {2}gpl\n/);
  expect(r.stdout).toMatch(/\n\n3: xdp {2}name xdp_first {2}tag /);
});

// test/golden/NOTES.md: beyond helper addresses and map ids, the kernel rewrites only context
// accesses and LD_ABS in these, which the load reproduces, so every form is byte-identical.
it.skipIf(objects.length === 0)('the programs without inlined map helpers are identical to the kernel\'s dump', () => {
  expect([...identical].sort()).toEqual(
    expect.arrayContaining([
      'alu/alu_loop',
      'globals/xdp_globals',
      'hello/hello',
      'loop/xdp_loop',
      'subprogs/tc_sub',
      'subprogs/xdp_sub',
      'tc/tc_mark',
      'two_in_one/xdp_first',
      'two_in_one/xdp_second',
      'xdp/xdp_drop',
      'xdp/xdp_pass',
    ]),
  );
});

it.skipIf(!existsSync(join(GOLDEN, 'socket')))('visual names the loaders LD_ABS became, as bpftool does', () => {
  const loaders = (dot: string) => dot.split('\n').flatMap((l) => l.match(/call bpf_skb_load_helper_\w+#-?\d+/g) ?? []);
  const ours = loaders(bpfscope(['--object', 'objects/socket.o', 'prog', 'dump', 'xlated', 'name', 'socket_filter', 'visual']).stdout);
  expect(ours).toHaveLength(3);
  expect(ours).toEqual(loaders(goldenText('socket', 'socket_filter.visual.dot')));
});
