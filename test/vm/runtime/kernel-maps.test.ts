import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAP_TYPE } from '../../../src/object/kinds.js';
import { TestRunError } from '../../../src/vm/context/errors.js';
import type { LoadedProgram } from '../../../src/vm/loaded.js';
import { runProgram } from '../../../src/vm/run.js';
import type { Runtime } from '../../../src/vm/runtime/index.js';
import { OBJECTS, REPO, skipReason } from '../../helpers/env.js';
import { byKey } from '../helpers/util.js';
import { kernelRun, oracleMissing, ourDump, possibleCpus, runtimeFor } from './util.js';

/** The objects whose programs BPF_PROG_TEST_RUN runs on a packet (XDP, tc, socket filters). */
const OBJECT_NAMES = ['xdp', 'socket', 'tc', 'subprogs', 'globals', 'maps', 'two_in_one', 'loop', 'fnv', 'alu'];
const PACKETS = ['ipv4-udp', 'ipv4-tcp', 'ipv6-udp', 'truncated-ipv4', 'ipv4-udp-1500'];
/** Maps whose values are ids or records rather than data bpftool can dump alike. */
const NOT_DUMPED = new Set<number>([MAP_TYPE.progArray, MAP_TYPE.arrayOfMaps, MAP_TYPE.hashOfMaps, MAP_TYPE.ringbuf, MAP_TYPE.perfEventArray]);

/** What bpftool prints of a run, up to the duration: the return value, or the refusal. */
function ourRun(rt: Runtime, p: LoadedProgram, packet: Uint8Array): string {
  try {
    return `Return value: ${runProgram(rt, p, { data: packet }).retval}`;
  } catch (e) {
    if (e instanceof TestRunError) return `Error: failed to run program: ${e.message}`;
    throw e;
  }
}

describe.skipIf(skipReason(oracleMissing, 'map contents against the kernel'))('map contents after test runs, against the kernel', () => {
  it.each(OBJECT_NAMES)('%s.o: every program on each packet leaves the maps as in the kernel', (name) => {
    const path = join(OBJECTS, `${name}.o`);
    for (const packetName of PACKETS) {
      const packet = readFileSync(join(REPO, 'test', 'packets', `${packetName}.bin`));
      const kernel = kernelRun(path, packet);
      const rt = runtimeFor(path, { cpus: possibleCpus() });
      for (const p of [...rt.object.programs].sort((a, b) => (a.name < b.name ? -1 : 1))) {
        expect({ packetName, program: p.name, run: kernel.runs.get(p.name)?.split(',')[0] }).toEqual({ packetName, program: p.name, run: ourRun(rt, p, packet) });
      }
      for (const m of rt.object.maps) {
        if (NOT_DUMPED.has(m.spec.type)) continue;
        expect({ packetName, map: m.name, entries: byKey(ourDump(rt.map(m.id))) }).toEqual({ packetName, map: m.name, entries: byKey(kernel.dump(m.name)) });
      }
    }
  });
});
