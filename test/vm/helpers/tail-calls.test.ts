import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, skipReason } from '../../helpers/env.js';
import { kernelRun, oracleMissing, ourDump } from '../runtime/util.js';
import { buildProg, clangMissing, results, runAll } from './util.js';

const packet = readFileSync(join(REPO, 'test', 'packets', 'ipv4-udp.bin'));

describe('bpf_tail_call', () => {
  it.skipIf(skipReason(clangMissing, 'tail call programs'))('stops after the kernel’s 33 tail calls, and goes on past an empty slot', () => {
    const { rt, r0 } = runAll(buildProg('tail'), packet);
    // tail_self: the first run and 33 tail calls, the last of which goes on to return XDP_DROP.
    expect(results(rt, 'counts')).toEqual([34n, 1n, 1n]);
    expect(r0).toEqual(new Map([['tail_miss', 3], ['tail_self', 1]]));
  });

  it.skipIf(skipReason(clangMissing ?? oracleMissing, 'tail calls against the kernel'))('count as the kernel counts', () => {
    const path = buildProg('tail');
    const kernel = kernelRun(path, packet);
    const { rt, r0 } = runAll(path, packet);
    for (const [name, ret] of r0) expect(kernel.runs.get(name)).toMatch(new RegExp(`^Return value: ${ret},`));
    expect(ourDump(rt.map(rt.object.maps.find((m) => m.name === 'counts')!.id))).toEqual(kernel.dump('counts'));
  });
});
