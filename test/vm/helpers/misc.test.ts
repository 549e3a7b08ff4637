import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, skipReason } from '../../helpers/env.js';
import { kernelRun, oracleMissing, ourDump } from '../runtime/util.js';
import { buildProg, byKey, clangMissing, results, runAll } from './util.js';

const packet = readFileSync(join(REPO, 'test', 'packets', 'ipv4-udp.bin'));

/** Step by step, what misc.c's calls return (see the C). */
const EXPECTED = [
  // csum_diff: pushing, pulling, diffing both ways, sizes that are not multiples of 4, nothing
  58443n, 7092n, 46348n, 23847n, 51316n, 21930n,
  // probe_read_kernel: a stack string ("kernel s" as a u64); NULL: -ERANGE and the destination zeroed
  0n, 0x73206c656e72656bn, -34n, 0n,
  // probe_read_kernel_str: cut to 8 bytes (7 and the NUL, dst[6..7] = ' ', 0), whole (14 with the NUL), NULL
  8n, 8192n, 14n, -34n, 0n,
  // bpf_loop: 10 calls summing 0..9; stopped by the callback at i = 4 after 5 calls; flags; too many (the inlined 32-bit -E2BIG)
  10n, 45n, 5n, 10n, -22n, 0xfffffff9n,
  // for_each_map_elem over keys 1-5 (value 3k; the callback deletes key 3): 5 calls, sum of 1000k + 3k; flags
  5n, 15045n, -22n,
  // ring buffer: size, output, output with an unknown flag, 16 bytes + 8 of header available, producer after a reservation,
  // a reservation larger than the ring, positions after a discarded and a submitted record, an unknown query
  4096n, 0n, -22n, 24n, 40n, 0n, 56n, 0n, 0n,
];

describe('csum_diff, probe_read, bpf_loop, for_each_map_elem, spin locks, ring buffer', () => {
  it.skipIf(skipReason(clangMissing, 'misc helper programs'))('return what the kernel’s helpers return', () => {
    const { rt } = runAll(buildProg('misc'), packet);
    expect(results(rt).slice(0, EXPECTED.length)).toEqual(EXPECTED);
    const walk = rt.map(rt.object.maps.find((m) => m.name === 'walk')!.id);
    expect([...walk.entries()].map((e) => e.key[0]).sort()).toEqual([1, 2, 4, 5]);
    const guarded = rt.map(rt.object.maps.find((m) => m.name === 'guarded')!.id).sysLookup(new Uint8Array(4)) as Uint8Array;
    // The lock word back at 0, n = 1, sum = 5.
    expect([...guarded]).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0]);
    // Its value holds a bpf_spin_lock (BTF): BPF_F_LOCK updates are taken, freezing is refused with ENOTSUPP.
    const locked = rt.map(rt.object.maps.find((m) => m.name === 'guarded')!.id);
    expect(locked.sysUpdate(new Uint8Array(4), new Uint8Array(16), 4)).toBe(0);
    expect(locked.freeze()).toBe(-524);
    expect(rt.map(rt.object.maps.find((m) => m.name === 'walk')!.id).sysUpdate(new Uint8Array(4), new Uint8Array(8), 4)).toBe(-22);
  });

  it.skipIf(skipReason(clangMissing ?? oracleMissing, 'misc helpers against the kernel'))('leave the maps as the kernel leaves them', () => {
    const path = buildProg('misc');
    const kernel = kernelRun(path, packet);
    const { rt, r0 } = runAll(path, packet);
    expect(kernel.runs.get('misc')).toMatch(new RegExp(`^Return value: ${r0.get('misc')},`));
    for (const name of ['results', 'walk', 'guarded']) {
      const m = rt.object.maps.find((x) => x.name === name)!;
      expect({ name, entries: byKey(ourDump(rt.map(m.id))) }).toEqual({ name, entries: byKey(kernel.dump(name)) });
    }
  });
});
