import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openObject } from '../../src/object/open.js';
import { packet } from '../../src/vm/builders/index.js';
import { load } from '../../src/vm/run.js';
import { OBJECTS } from '../helpers/env.js';

/** run() reports the instructions a run executed, counted alike by both engines. */
describe('executed instructions', () => {
  // An ARP frame takes xdp_parse through insns 0-12 (neither IPv4 nor IPv6), then to its exit at 54: 14 instructions.
  const arp = packet().ethernet({ src: '02:00:00:00:00:01' }).arp({ senderMac: '02:00:00:00:00:01', senderIp: '10.0.0.1', targetIp: '10.0.0.2' }).build();
  const udp = packet().ethernet().ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }).udp({ sport: 1, dport: 2 }).build();

  it.each(['interpreter', 'jit'] as const)('are counted by hand on the %s, and are per run with repeat', (engine) => {
    const prog = load(openObject(join(OBJECTS, 'xdp.o')), { runtime: { engine } }).program('xdp_parse');
    expect(prog.run({ data: arp })).toMatchObject({ retval: 2, executed: 14 });
    expect(prog.run({ data: arp, repeat: 5 }).executed).toBe(14);
  });

  it('are the same on both engines on a longer path', () => {
    const counts = (['interpreter', 'jit'] as const).map((engine) => load(openObject(join(OBJECTS, 'xdp.o')), { runtime: { engine } }).program('xdp_parse').run({ data: udp }).executed);
    expect(counts[0]).toBeGreaterThan(14);
    expect(counts[1]).toBe(counts[0]);
  });
});
