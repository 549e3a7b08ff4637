import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dumpMapJson, dumpMapPlain } from '../../src/btf/format-value-map.js';
import { openObject } from '../../src/object/open.js';
import { compileBpf, missing, skipReason, SHARED } from '../helpers/env.js';
import { GOLDEN_VALUES, dumpSpecOf, entriesFromJson, goldenMaps, loadedEntries, readText } from './format-value-helpers.js';

/**
 * golden-values/values.c compiled here, loaded by the real kernel through
 * kernel-oracle (no packet: nothing runs), every map dump of the real bpftool
 * compared with ours computed from the object alone (kernel ids aside). One oracle
 * run takes seconds; the dumps after a run are checked against the committed
 * golden files only.
 */
const ORACLE = join(SHARED, 'tools', 'kernel-oracle');
const reason = missing({ clang: true, bpftool: true, root: true, file: ORACLE });

function possibleCpus(): number {
  const text = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
  return Math.max(...text.split(',').map((r) => Number(r.split('-').at(-1)) + 1));
}

describe('values.c in the live kernel', () => {
  it('dumps every map as bpftool does', (ctx) => {
    if (skipReason(reason, 'live map dumps of values.c')) return ctx.skip();
    const dir = mkdtempSync(join(tmpdir(), 'bpfscope-values-'));
    try {
      const obj = join(dir, 'values.o');
      compileBpf(join(GOLDEN_VALUES, 'values.c'), obj);
      const spec = openObject(obj);
      const cpus = possibleCpus();
      const out = join(dir, 'oracle');
      const r = spawnSync(ORACLE, [obj, out], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const maps = goldenMaps(out);
      expect(maps.length).toBeGreaterThan(10);
      for (const name of maps) {
        const m = spec.maps.find((x) => x.name === name)!;
        expect(m, name).toBeDefined();
        const json = readText(join(out, `${name}.dump.json`));
        const entries = loadedEntries(m, cpus) ?? entriesFromJson(json);
        const dump = dumpSpecOf(m, spec.btf);
        expect(dumpMapPlain(dump, entries), name).toBe(readText(join(out, `${name}.dump.txt`)));
        expect(dumpMapJson(dump, entries, false), `${name} -j`).toBe(json);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
