import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, skipReason } from '../../helpers/env.js';
import { kernelRun, oracleMissing, ourDump, possibleCpus } from '../runtime/util.js';
import { buildProg, byKey, clangMissing, results, runAll } from './util.js';

const packet = readFileSync(join(REPO, 'test', 'packets', 'ipv4-udp.bin'));

/** Step by step, what map_ops.c's calls return (see the C). */
const EXPECTED = [
  0, -17, -2, -2, -22, -22, -7, 9, 0, // hash: NOEXIST twice, EXIST/delete missing, BPF_F_LOCK without a lock, unknown flag, full, lookup, miss
  0, -17, -7, -22, 0, // array: update, NOEXIST, past the end, delete, lookup past the end
  0, 0x1122, 0x1122, 0, // per-CPU hash: update, lookup, lookup_percpu on CPU 0, on a CPU that does not exist
  26, // LRU: the newest survives
  0, 0, -7, 0, 0, 2, 0, 2, -2, // queue: push, push, full, BPF_EXIST drops the oldest, peek, value, pop, value, empty
  0, 2, // stack: pop gives the last pushed
  0, 0, -2, // bloom: push, a hit, a miss
].map(BigInt);

describe('map helpers', () => {
  it.skipIf(skipReason(clangMissing, 'map helper programs'))('return what the kernel’s map operations return', () => {
    const { rt, r0 } = runAll(buildProg('map_ops'), packet);
    expect(r0.get('map_ops')).toBe(2);
    expect(results(rt).slice(0, EXPECTED.length)).toEqual(EXPECTED);
  });

  it.skipIf(skipReason(clangMissing ?? oracleMissing, 'map helpers against the kernel'))('leave the maps as the kernel leaves them', () => {
    const path = buildProg('map_ops');
    const kernel = kernelRun(path, packet);
    const { rt, r0 } = runAll(path, packet, { cpus: possibleCpus() });
    expect(kernel.runs.get('map_ops')).toMatch(new RegExp(`^Return value: ${r0.get('map_ops')},`));
    for (const name of ['results', 'small', 'arr', 'pcpu', 'lru']) {
      const m = rt.object.maps.find((x) => x.name === name)!;
      expect({ name, entries: byKey(ourDump(rt.map(m.id))) }).toEqual({ name, entries: byKey(kernel.dump(name)) });
    }
  });
});
