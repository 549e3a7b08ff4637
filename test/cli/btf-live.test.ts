import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bpftoolIdOrder } from '../../src/cli/btf-show.js';
import { bpfscope } from '../helpers/cli.js';
import { missing, skipReason } from '../helpers/env.js';
import { bpftool } from './btf-helpers.js';
import { goldenObjects } from './golden.js';

/**
 * `btf show` and `btf dump id|prog|map` against the real kernel: each object is loaded
 * with `bpftool prog loadall` (pins under /sys/fs/bpf, removed afterwards) and what
 * bpftool says about its BTF is compared with what bpfscope says about the same object
 * loaded with --object. Kernel ids differ from ours, so programs and maps are matched
 * by name. Only objects the test loads itself are compared. Needs root and bpftool.
 */
const cannot = missing({ bpftool: true, root: true });

describe("bpftool's id order in btf show", () => {
  it('follows libbpf hashmap chains, reversed whenever the table grows', () => {
    // Seen on this machine: maps 94, 95, 97, 98 of one BTF, alone in the table.
    const order = bpftoolIdOrder([94, 95, 97, 98].map((id) => ({ btfId: 7, id })));
    expect(order.get(7)).toEqual([98, 94, 95, 97]);
    // Two BTF objects: the fourth entry grows the table and reverses the first chain.
    const two = bpftoolIdOrder([
      { btfId: 1, id: 1 },
      { btfId: 1, id: 2 },
      { btfId: 1, id: 3 },
      { btfId: 2, id: 4 },
    ]);
    expect([...two.entries()]).toEqual([
      [1, [1, 2, 3]],
      [2, [4]],
    ]);
  });

  it("gives the kernel's order for the programs and maps of an object this test loads", (ctx) => {
    if (skipReason(cannot, 'live btf show order')) return ctx.skip();
    // Only the entry of our own BTF is compared; the prediction still reads every object
    // with BTF the kernel holds, as bpftool's table holds them all.
    const { btfId } = loadIntoKernel('maps');
    type Held = { id: number; btf_id?: number };
    // bpftool 7.1's `map show` reuses one bpf_map_info for every map, and this kernel
    // leaves btf_id alone for a map without BTF: the one before it shows through. So a
    // map listed with a BTF id is asked again on its own.
    const ownBtf = (m: Held): Held => (m.btf_id ? (JSON.parse(bpftool(['-j', 'map', 'show', 'id', String(m.id)]).stdout) as Held) : m);
    const snapshot = (): { progs: Held[]; maps: Held[] } => ({
      progs: JSON.parse(bpftool(['-j', 'prog', 'show']).stdout) as Held[],
      maps: (JSON.parse(bpftool(['-j', 'map', 'show']).stdout) as Held[]).map(ownBtf),
    });
    // Others may load and unload programs meanwhile: retry until nothing moved.
    for (let attempt = 0; attempt < 20; attempt++) {
      const btfShow = (): string => bpftool(['-j', 'btf', 'show', 'id', String(btfId)]).stdout;
      const before = snapshot();
      const shownText = btfShow();
      const after = snapshot();
      // Objects being freed (the kernel frees them after an RCU grace period) move too.
      if (JSON.stringify(before) !== JSON.stringify(after) || btfShow() !== shownText) {
        spawnSync('sleep', ['1']);
        continue;
      }
      const shown = JSON.parse(shownText) as { id: number; prog_ids: number[]; map_ids: number[] };
      const entries = (xs: Held[]): { btfId: number; id: number }[] => xs.filter((x) => x.btf_id).sort((a, b) => a.id - b.id).map((x) => ({ btfId: x.btf_id!, id: x.id }));
      expect(shown.map_ids.length).toBeGreaterThan(2);
      expect({ progs: bpftoolIdOrder(entries(before.progs)).get(btfId), maps: bpftoolIdOrder(entries(before.maps)).get(btfId) }).toEqual({ progs: shown.prog_ids, maps: shown.map_ids });
      return;
    }
    console.log('skipped live btf show order: the kernel kept changing under the test');
    ctx.skip();
  });
});

const pins: string[] = [];
afterAll(() => {
  for (const p of pins) rmSync(p, { recursive: true, force: true });
});

interface Loaded {
  btfId: number;
  progs: { name: string; pin: string; id: number }[];
  maps: { name: string; pin: string; id: number; btfId: number }[];
}

let loads = 0;

function loadIntoKernel(obj: string): Loaded {
  const pin = `/sys/fs/bpf/bpfscope-btf-test-${process.pid}-${++loads}-${obj}`;
  pins.push(pin, `${pin}-maps`);
  const r = bpftool(['prog', 'loadall', `objects/${obj}.o`, pin, 'pinmaps', `${pin}-maps`]);
  if (r.status !== 0) throw new Error(`bpftool prog loadall objects/${obj}.o: ${r.stderr}`);
  const show = (kind: string, path: string): { id: number; name: string; btf_id?: number } =>
    JSON.parse(bpftool(['-j', kind, 'show', 'pinned', path]).stdout) as { id: number; name: string; btf_id?: number };
  const progs = readdirSync(pin).map((f) => {
    const info = show('prog', join(pin, f));
    return { name: info.name, pin: join(pin, f), id: info.id, btfId: info.btf_id ?? 0 };
  });
  // An object without maps pins none: no directory.
  const maps = (existsSync(`${pin}-maps`) ? readdirSync(`${pin}-maps`) : []).map((f) => {
    const info = show('map', join(`${pin}-maps`, f));
    return { name: info.name, pin: join(`${pin}-maps`, f), id: info.id, btfId: info.btf_id ?? 0 };
  });
  return { btfId: progs[0]?.btfId ?? 0, progs, maps };
}

const objects = cannot ? [] : goldenObjects();
if (cannot) console.log(`skipped live btf comparisons: ${cannot}`);

describe.each(objects)('btf of objects/%s.o as the kernel holds it', (obj) => {
  let loaded: Loaded;
  beforeAll(() => {
    loaded = loadIntoKernel(obj);
  });
  const ours = (args: string[]): ReturnType<typeof bpfscope> => bpfscope(['--object', `objects/${obj}.o`, ...args]);
  const same = (theirs: ReturnType<typeof bpftool>, mine: ReturnType<typeof bpfscope>, kernelId?: number): void => {
    // Error lines name the BTF id; ours is 1, the kernel's is its own.
    const unId = (s: string): string => (kernelId === undefined ? s : s.replaceAll(`(${kernelId})`, '(ID)'));
    expect({ status: mine.status, stdout: mine.stdout, stderr: unId(mine.stderr) }).toEqual({ status: theirs.status, stdout: theirs.stdout, stderr: unId(theirs.stderr) });
  };

  it('btf dump id: raw, -j, -p and format c', () => {
    for (const [flags, args] of [[[], []], [['-j'], []], [['-p'], []], [[], ['format', 'c']]] as const) {
      same(bpftool([...flags, 'btf', 'dump', 'id', String(loaded.btfId), ...args]), ours([...flags, 'btf', 'dump', 'id', '1', ...args]));
    }
  });

  it('btf dump prog, for each program', () => {
    for (const p of loaded.progs) {
      same(bpftool(['btf', 'dump', 'prog', 'pinned', p.pin]), ours(['btf', 'dump', 'prog', 'name', p.name]));
      same(bpftool(['-j', 'btf', 'dump', 'prog', 'id', String(p.id)]), ours(['-j', 'btf', 'dump', 'prog', 'name', p.name]));
    }
  });

  it('btf dump map [key|value|kv|all] [format c], for each map', () => {
    for (const m of loaded.maps) {
      for (const which of [[], ['key'], ['value'], ['kv'], ['all']]) {
        same(bpftool(['btf', 'dump', 'map', 'pinned', m.pin, ...which]), ours(['btf', 'dump', 'map', 'name', m.name, ...which]), m.btfId);
      }
      same(bpftool(['-j', 'btf', 'dump', 'map', 'pinned', m.pin]), ours(['-j', 'btf', 'dump', 'map', 'name', m.name]), m.btfId);
      same(bpftool(['btf', 'dump', 'map', 'pinned', m.pin, 'format', 'c']), ours(['btf', 'dump', 'map', 'name', m.name, 'format', 'c']), m.btfId);
    }
  });

  it('btf show id: size, kind and the programs and maps that hold it', () => {
    const theirs = JSON.parse(bpftool(['-j', 'btf', 'show', 'id', String(loaded.btfId)]).stdout) as { size: number; kernel: boolean; prog_ids: number[]; map_ids: number[] };
    const mine = JSON.parse(ours(['-j', 'btf', 'show', 'id', '1']).stdout) as typeof theirs;
    const ourProgs = JSON.parse(ours(['-j', 'prog', 'show']).stdout) as { id: number; name: string }[];
    const ourMaps = JSON.parse(ours(['-j', 'map', 'show']).stdout) as { id: number; name: string }[];
    const names = (ids: number[], table: { id: number; name: string }[]): string[] => ids.map((id) => table.find((x) => x.id === id)!.name).sort();
    expect({ size: mine.size, kernel: mine.kernel, progs: names(mine.prog_ids, ourProgs), maps: names(mine.map_ids, ourMaps) }).toEqual({
      size: theirs.size,
      kernel: theirs.kernel,
      progs: names(theirs.prog_ids, loaded.progs),
      maps: names(theirs.map_ids, loaded.maps),
    });
    // The plain line has bpftool's layout.
    expect(ours(['btf', 'show', 'id', '1']).stdout).toMatch(/^1: name <anon> {2}size \d+B {2}prog_ids [\d,]+( {2}map_ids [\d,]+)?\n$/);
  });
});
