import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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

/**
 * memlock of hashes that the golden cases cannot hold, as the kernel on the machine the
 * later cases were made on (6.18.44-fc-v1045) printed it, less the 64 bytes its struct
 * bpf_htab has over the build the golden files come from (896 against 832).
 */
describe('map show memlock of hashes, as the kernel computes it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfscope-memlock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (...args: string[]) => bpfscope(['--state', dir, ...args]);
  const memlock = (name: string) => Number(/memlock (\d+)B/.exec(run('map', 'show', 'name', name).stdout)?.[1]);
  const BPF_HTAB_GROWTH = 64;

  it('hash_of_maps: a hash with no spare elements', () => {
    expect(run('map', 'create', '/sys/fs/bpf/inner', 'type', 'array', 'key', '4', 'value', '4', 'entries', '1', 'name', 'inner').status).toBe(0);
    for (const [name, key, entries, flags, kernel] of [['hom1', 4, 1, 0, 1056], ['hom4', 4, 4, 0, 1296], ['hom3', 8, 3, 0, 1232], ['hom100', 4, 100, 0, 9424], ['homnp', 4, 4, 1, 1024]] as const) {
      const create = run('map', 'create', `/sys/fs/bpf/${name}`, 'type', 'hash_of_maps', 'key', String(key), 'value', '4', 'entries', String(entries), 'name', name, 'flags', String(flags), 'inner_map', 'name', 'inner');
      expect(create.status).toBe(0);
      expect(memlock(name)).toBe(kernel - BPF_HTAB_GROWTH);
    }
  });

  it('without preallocation, what the elements take: it grows with each', () => {
    for (const [type, kernel] of [['hash', [1024, 1096, 1168]], ['percpu_hash', [1024, 1128, 1232]]] as const) {
      const name = `np_${type}`;
      expect(run('map', 'create', `/sys/fs/bpf/${name}`, 'type', type, 'key', '4', 'value', '4', 'entries', '4', 'name', name, 'flags', '1').status).toBe(0);
      const seen = [memlock(name)];
      for (const k of ['1', '2']) {
        expect(run('map', 'update', 'name', name, 'key', k, '0', '0', '0', 'value', '1', '0', '0', '0').status).toBe(0);
        seen.push(memlock(name));
      }
      expect(seen).toEqual(kernel.map((n) => n - BPF_HTAB_GROWTH));
    }
  });
});
