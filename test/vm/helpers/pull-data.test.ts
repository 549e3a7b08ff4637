import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, skipReason } from '../../helpers/env.js';
import { kernelRun, oracleMissing, ourDump } from '../runtime/util.js';
import { buildProg, clangMissing, results, runAll } from './util.js';

const packet = readFileSync(join(REPO, 'test', 'packets', 'ipv4-udp.bin'));

/** pull_data.c's steps: 0 for nothing and for the whole packet, -ENOMEM past it; then the Ethernet type and the length read directly. */
const EXPECTED = [0n, 0n, -12n, 0x0800n, BigInt(packet.length)];

describe('bpf_skb_pull_data', () => {
  it.skipIf(skipReason(clangMissing, 'pull_data programs'))('has nothing to pull in a test run’s linear skb', () => {
    const { rt, r0 } = runAll(buildProg('pull_data'), packet);
    expect(r0.get('tc_pull')).toBe(0);
    expect(results(rt).slice(0, EXPECTED.length)).toEqual(EXPECTED);
  });

  it.skipIf(skipReason(clangMissing ?? oracleMissing, 'pull_data against the kernel'))('returns what the kernel’s returns', () => {
    const path = buildProg('pull_data');
    const kernel = kernelRun(path, packet);
    const { rt, r0 } = runAll(path, packet);
    expect(kernel.runs.get('tc_pull')).toMatch(new RegExp(`^Return value: ${r0.get('tc_pull')},`));
    expect(ourDump(rt.map(rt.object.maps[0]!.id))).toEqual(kernel.dump('results'));
  });
});
