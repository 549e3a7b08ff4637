import { describe, expect, it } from 'vitest';
import { bpfscope } from '../helpers/cli.js';
import { goldenObjects, goldenText, kernelMaps, kernelProgs } from './golden.js';

interface OurProg {
  id: number;
  type: string;
  name: string;
  tag: string;
  gpl_compatible: boolean;
  loaded_at: number;
  uid: number;
  bytes_xlated: number;
  jited: boolean;
  bytes_memlock: number;
  map_ids?: number[];
  btf_id?: number;
}

const objects = goldenObjects();
if (objects.length === 0) console.log('skipped prog show golden tests: test/golden has no kernel-oracle output');

describe.each(objects)('prog show agrees with the kernel for objects/%s.o', (obj) => {
  const kernel = kernelProgs(obj);
  const run = bpfscope(['-j', '--object', `objects/${obj}.o`, 'prog', 'show']);
  const ours = JSON.parse(run.stdout) as OurProg[];
  const ourMapNames = new Map<number, string>();
  const maps = bpfscope(['-j', '--object', `objects/${obj}.o`, 'map', 'show']);
  if (maps.status === 0) for (const m of JSON.parse(maps.stdout) as { id: number; name: string }[]) ourMapNames.set(m.id, m.name);
  const kernelMapNames = new Map(kernelMaps(obj).map((m) => [m.id, m.name] as const));

  it('loads every program the kernel loaded', () => {
    expect(run.status).toBe(0);
    expect(ours.map((p) => p.name).sort()).toEqual(kernel.map((p) => p.name).sort());
  });

  it.each(kernel.map((k) => [k.name, k] as const))('%s: type, tag, gpl, memlock and maps equal the kernel\'s', (_name, k) => {
    const p = ours.find((o) => o.name === k.name)!;
    expect({ type: p.type, tag: p.tag, gpl: p.gpl_compatible, memlock: p.bytes_memlock, jited: p.jited }).toEqual({
      type: k.type,
      tag: k.tag,
      gpl: k.gpl_compatible,
      memlock: k.bytes_memlock,
      jited: false,
    });
    // Map ids differ between kernels; the maps they name, in the kernel's order, must not.
    expect((p.map_ids ?? []).map((id) => ourMapNames.get(id) ?? id)).toEqual((k.map_ids ?? []).map((id) => kernelMapNames.get(id)));
    expect(p.btf_id !== undefined).toBe(k.btf_id !== undefined);
  });
});

describe.each(objects)('plain prog show of objects/%s.o has bpftool\'s layout', (obj) => {
  const kernelBlocks = goldenText(obj, 'progs.txt').split(/^(?=\d+: )/m).filter(Boolean);
  const ours = bpfscope(['--object', `objects/${obj}.o`, 'prog', 'show']).stdout.split(/^(?=\d+: )/m).filter(Boolean);

  it.each(kernelBlocks.map((b) => [b.split('\n')[0]!.replace(/^\d+: /, ''), b] as const))('%s', (_header, block) => {
    const name = /name (\S+)/.exec(block)![1];
    const mine = ours.find((b) => b.includes(` name ${name} `))!;
    // What only a kernel knows: ids, load time, JIT size, and which ids its maps got.
    const strip = (s: string): string =>
      s
        .replace(/^\d+: /, 'ID: ')
        .replace(/loaded_at \S+  uid \d+/, 'loaded_at TIME  uid UID')
        .replace(/xlated \d+B {2}(jited \d+B|not jited)/, 'xlated NB  JIT')
        .replace(/map_ids [\d,]+/, 'map_ids IDS')
        .replace(/btf_id \d+/, 'btf_id ID');
    expect(strip(mine)).toBe(strip(block));
  });
});
