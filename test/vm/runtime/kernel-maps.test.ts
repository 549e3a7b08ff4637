import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAP_TYPE } from '../../../src/object/kinds.js';
import { TestRunError } from '../../../src/vm/context/errors.js';
import type { LoadedMap, LoadedProgram } from '../../../src/vm/loaded.js';
import type { RingbufMap } from '../../../src/vm/maps/ringbuf.js';
import { runProgram } from '../../../src/vm/run.js';
import type { Runtime } from '../../../src/vm/runtime/index.js';
import { OBJECTS, REPO, skipReason } from '../../helpers/env.js';
import { byKey } from '../helpers/util.js';
import { kernelRun, oracleMissing, ourDump, ourRing, ourSlots, possibleCpus, runtimeFor, type KernelRun } from './util.js';

/** The objects whose programs BPF_PROG_TEST_RUN runs on a packet (XDP, tc, socket filters). */
const OBJECT_NAMES = ['xdp', 'socket', 'tc', 'subprogs', 'globals', 'maps', 'two_in_one', 'loop', 'fnv', 'alu'];
const PACKETS = ['ipv4-udp', 'ipv4-tcp', 'ipv6-udp', 'short', 'truncated-ipv4', 'ipv4-udp-1500'];

/** What bpftool prints of a run, up to the duration (the return value, or the refusal), and the packet it wrote out. */
function ourRun(rt: Runtime, p: LoadedProgram, packet: Uint8Array): { run: string; dataOut?: number[] } {
  try {
    const out = runProgram(rt, p, { data: packet });
    return { run: `Return value: ${out.retval}`, dataOut: [...out.dataOut!] };
  } catch (e) {
    if (e instanceof TestRunError) return { run: `Error: failed to run program: ${e.message}` };
    throw e;
  }
}

/**
 * Each map as the kernel's can be read back: elements as bpftool dumps them; prog arrays
 * and map-in-maps by the names of what their slots hold (the ids are each side's own);
 * ring buffers, which have no elements, by their positions and bytes. (No object here
 * has a perf event array; its slots would hold perf events, which test runs never open.)
 */
function compareMap(rt: Runtime, kernel: KernelRun, m: LoadedMap, packetName: string): void {
  const map = rt.map(m.id);
  const what = { packetName, map: m.name };
  if (m.spec.type === MAP_TYPE.ringbuf) expect({ ...what, ring: ourRing(map as RingbufMap) }).toEqual({ ...what, ring: kernel.ring(m.name) });
  else if ([MAP_TYPE.progArray, MAP_TYPE.arrayOfMaps, MAP_TYPE.hashOfMaps].includes(m.spec.type)) expect({ ...what, slots: ourSlots(rt, map) }).toEqual({ ...what, slots: kernel.slots(m.name) });
  else expect({ ...what, entries: byKey(ourDump(map)) }).toEqual({ ...what, entries: byKey(kernel.dump(m.name)) });
}

describe.skipIf(skipReason(oracleMissing, 'runs and map contents against the kernel'))('test runs against the kernel: return value, data_out and maps', () => {
  describe.each(OBJECT_NAMES)('%s.o', (name) => {
    it.each(PACKETS)('every program on %s, in name order on one instance', (packetName) => {
      const path = join(OBJECTS, `${name}.o`);
      const packet = readFileSync(join(REPO, 'test', 'packets', `${packetName}.bin`));
      const kernel = kernelRun(path, packet);
      const rt = runtimeFor(path, { cpus: possibleCpus() });
      for (const p of [...rt.object.programs].sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const dataOut = kernel.dataOut.get(p.name);
        const theirs = { run: kernel.runs.get(p.name)?.split(',')[0], ...(dataOut && { dataOut: [...dataOut] }) };
        expect({ packetName, program: p.name, ...ourRun(rt, p, packet) }).toEqual({ packetName, program: p.name, ...theirs });
      }
      for (const m of rt.object.maps) compareMap(rt, kernel, m, packetName);
    });
  });
});
