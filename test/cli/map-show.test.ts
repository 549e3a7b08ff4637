import { describe, expect, it } from 'vitest';
import { bpfscope } from '../helpers/cli.js';
import { goldenObjects, goldenText } from './golden.js';

const objects = goldenObjects();
if (objects.length === 0) console.log('skipped map show golden tests: test/golden has no kernel-oracle output');

/** What only a kernel knows: ids, and whether the prog array's owner was JITed. */
function mask(block: string): string {
  return block.replace(/^\d+: /, 'ID: ').replace(/btf_id \d+/, 'btf_id ID').replace(/owner( not)? jited/, 'owner JIT');
}

// Objects whose programs use no map have nothing to compare.
const withMaps = objects.filter((obj) => goldenText(obj, 'maps.txt').trim() !== '');

describe.each(withMaps)('map show agrees with bpftool for objects/%s.o', (obj) => {
  const kernel = goldenText(obj, 'maps.txt').split(/^(?=\d+: )/m).filter(Boolean);
  const ours = bpfscope(['--object', `objects/${obj}.o`, 'map', 'show']).stdout.split(/^(?=\d+: )/m).filter(Boolean);
  it.each(kernel.map((b) => [/name (\S+)/.exec(b)![1]!, b] as const))('%s', (name, block) => {
    const mine = ours.find((b) => new RegExp(`  name ${name.replace(/\./g, '\\.')}  `).test(b));
    expect(mine && mask(mine)).toBe(mask(block));
  });
});
