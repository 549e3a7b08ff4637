import { describe, expect, it } from 'vitest';
import { runProgram } from '../../../src/vm/run.js';
import { Runtime } from '../../../src/vm/runtime/index.js';
import { skipReason } from '../../helpers/env.js';
import { kernelRunCtx, load, oracleMissing, ourDump } from '../runtime/util.js';
import { buildProg, clangMissing, results } from './util.js';

/** ctx_in: args[0] an address nothing is mapped at, in the kernel (user space the oracle's process never mapped) and in the VM. */
const ctx = new Uint8Array(new BigUint64Array([0x7000_0000_0000n]).buffer);

/** Step by step, what probe_read.c's calls return and leave (see the C). */
const EXPECTED = [
  // bpf_probe_read: a stack string ("probe st" as a u64); NULL and an unmapped user address: -EFAULT, zeroed; nothing at NULL: 0
  0n, 0x74732065626f7270n, -14n, 0n, -14n, 0n, 0n,
  // bpf_probe_read_str: cut to 8 bytes (dst[6..7] = 's', 0), whole (13 with the NUL), empty (1: stack memory takes the kernel copy), NULL
  8n, 0x7300n, 13n, 1n, -14n, 0n,
  // bpf_probe_read_user: NULL and an unmapped address: -EFAULT, zeroed; nothing at NULL: 0
  -14n, 0n, -14n, 0n, 0n,
  // nothing to copy: _str 0; _kernel at NULL -ERANGE, at the stack 0
  0n, -34n, 0n,
];

describe('probe_read, probe_read_str, probe_read_user', () => {
  const run = () => {
    const path = buildProg('probe_read');
    const rt = new Runtime(load(path));
    expect(runProgram(rt, rt.object.programs[0]!, { ctx }).retval).toBe(0);
    return { path, rt };
  };

  it.skipIf(skipReason(clangMissing, 'probe_read programs'))('return what the kernel’s helpers return', () => {
    expect(results(run().rt).slice(0, EXPECTED.length)).toEqual(EXPECTED);
  });

  it.skipIf(skipReason(clangMissing ?? oracleMissing, 'probe_read helpers against the kernel'))('leave the results as the kernel leaves them', () => {
    const { path, rt } = run();
    const kernel = kernelRunCtx(path, 'probe_read', ctx, [0]);
    expect(kernel.runs.get('probe_read#0')).toBe('{"retval": 0}');
    expect(ourDump(rt.map(rt.object.maps.find((m) => m.name === 'results')!.id))).toEqual(kernel.dump('results'));
  });
});
