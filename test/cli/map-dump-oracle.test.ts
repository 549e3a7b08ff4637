import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bpfscope } from '../helpers/cli.js';
import { GOLDEN, OBJECTS } from '../helpers/env.js';

/**
 * The kernel oracle loads each object once, runs every program once in name order
 * with a packet, then dumps every map (test/golden/X@PKT/M.dump.txt). The same here
 * through the store: prog loadall with pinmaps, prog run of each program the kernel
 * ran, map dump of each pinned map, compared with bpftool's text.
 *
 * Masked: ids held as values (prog arrays, map-in-maps), and which CPU holds a
 * per-CPU value (the oracle ran on whichever CPU it was given; the VM runs on CPU 0).
 */
const runs = existsSync(GOLDEN)
  ? readdirSync(GOLDEN, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .filter((d) => readdirSync(join(GOLDEN, d)).some((f) => f.endsWith('.dump.txt')))
      .filter((d) => existsSync(join(OBJECTS, `${d.split('@')[0]}.o`)))
      .sort()
  : [];
if (!runs.length) console.log('skipped map dump oracle tests: no kernel-oracle output in test/golden');

function packetOf(dir: string): string {
  const at = dir.indexOf('@');
  return `test/packets/${at < 0 ? 'ipv4-udp' : dir.slice(at + 1)}.bin`;
}

/** Per-CPU values, whose CPU differs between the oracle's run and ours, as a sorted list. */
function normalise(text: string): unknown {
  if (!text.startsWith('[')) return text.replace(/^(key: .*  value:) (?:[0-9a-f]{2} ?){4}$/gm, '$1 ID');
  const elements = JSON.parse(text) as { key?: unknown; value?: unknown; values?: { cpu: number; value: unknown }[] }[];
  return elements.map((e) => (e.values ? { key: e.key, values: e.values.map((v) => JSON.stringify(v.value)).sort() } : e));
}

describe.each(runs)('map dumps after the oracle runs of %s agree with the kernel', (dir) => {
  const object = dir.split('@')[0]!;
  const state = mkdtempSync(join(tmpdir(), 'bpfscope-oracle-'));
  afterAll(() => rmSync(state, { recursive: true, force: true }));
  const run = (...args: string[]) => bpfscope(['--state', state, ...args]);
  const golden = join(GOLDEN, dir);
  const ranInKernel = readdirSync(golden)
    .filter((f) => f.endsWith('.run.txt') && readFileSync(join(golden, f), 'utf8').startsWith('Return value'))
    .map((f) => f.slice(0, -'.run.txt'.length))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  let loaded = false;
  const prepare = () => {
    if (loaded) return;
    loaded = true;
    expect(run('prog', 'loadall', `objects/${object}.o`, '/sys/fs/bpf/o', 'pinmaps', '/sys/fs/bpf/m').status).toBe(0);
    for (const p of ranInKernel) expect(run('prog', 'run', 'pinned', `/sys/fs/bpf/o/${p}`, 'data_in', packetOf(dir)).status).toBe(0);
  };
  const maps = readdirSync(golden).filter((f) => f.endsWith('.dump.txt')).map((f) => f.slice(0, -'.dump.txt'.length));
  it.each(maps)('%s', (map) => {
    prepare();
    const r = run('map', 'dump', 'pinned', `/sys/fs/bpf/m/${map.replace(/\./g, '_')}`);
    expect(normalise(r.stdout)).toEqual(normalise(readFileSync(join(golden, `${map}.dump.txt`), 'utf8')));
  });
});
