import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAP_TYPE } from '../../../src/object/kinds.js';
import { createdFlags, createMap } from '../../../src/vm/maps/index.js';
import { runProgram } from '../../../src/vm/run.js';
import { Runtime } from '../../../src/vm/runtime/index.js';
import { REPO, skipReason } from '../../helpers/env.js';
import { kernelRun, load, oracleMissing, ourDump, type MapUpdate } from '../runtime/util.js';
import { asmObject, MAP } from '../runtime/asm-object.js';
import { buildProg, clangMissing, results } from './util.js';

const packet = readFileSync(join(REPO, 'test', 'packets', 'ipv4-udp.bin'));

/** The loopback device in devs[1] and dev_hash[5], a 64-frame queue for CPU 0. */
const UPDATES: MapUpdate[] = [
  ['devs', [1, 0, 0, 0], [1, 0, 0, 0]],
  ['dev_hash', [5, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0]],
  ['cpus', [0, 0, 0, 0], [64, 0, 0, 0]],
];

/** Step by step, what redirect.c's calls return (XDP_ABORTED 0, DROP 1, PASS 2, TX 3, REDIRECT 4). */
const EXPECTED = [
  // devmap: present; missing (PASS); past the end (DROP); missing with BPF_F_BROADCAST; missing, TX | EXCLUDE_INGRESS; an unknown flag; a key over 32 bits (cut)
  4n, 2n, 1n, 4n, 3n, 0n, 4n,
  // devmap_hash: present, missing; cpumap: present, missing, broadcast (not for cpumaps); xskmap: empty, an unknown flag
  4n, 3n, 4n, 2n, 0n, 2n, 0n,
  // lookups: devs[1]'s ifindex, devs[2] none (the u32 -1), dev_hash[5] ifindex * 1000 + program id
  1n, 0xffffffffn, 1000n,
];

function ourRun(path: string) {
  const rt = new Runtime(load(path));
  for (const [name, key, value] of UPDATES) {
    const map = rt.object.maps.find((m) => m.name === name)!;
    expect(rt.map(map.id).sysUpdate(Uint8Array.from(key), Uint8Array.from(value)), name).toBe(0);
  }
  const retval = runProgram(rt, rt.object.programs[0]!, { data: packet }).retval;
  return { rt, retval };
}

describe('bpf_redirect_map', () => {
  it.skipIf(skipReason(clangMissing, 'redirect_map programs'))('returns what the kernel’s returns for each redirect map type', () => {
    const { rt, retval } = ourRun(buildProg('redirect'));
    expect(retval).toBe(4);
    expect(results(rt).slice(0, EXPECTED.length)).toEqual(EXPECTED);
  });

  it.skipIf(skipReason(clangMissing ?? oracleMissing, 'redirect_map against the kernel'))('leaves results and device maps as the kernel leaves them', () => {
    const path = buildProg('redirect');
    const kernel = kernelRun(path, packet, UPDATES);
    const { rt, retval } = ourRun(path);
    expect(kernel.runs.get('xdp_redirects')).toMatch(new RegExp(`^Return value: ${retval},`));
    for (const name of ['results', 'dev_hash']) {
      const m = rt.object.maps.find((x) => x.name === name)!;
      expect({ name, entries: ourDump(rt.map(m.id)) }).toEqual({ name, entries: kernel.dump(name) });
    }
  });

  it('faults a call with a map that is no redirect map, which the verifier refuses', () => {
    const rt = new Runtime(asmObject([{ name: 'probe', text: `lddw %r1, ${MAP(0)}\nmov %r2, 0\nmov %r3, 0\ncall 51\nexit` }], [{ name: 'arr', type: MAP_TYPE.array, keySize: 4, valueSize: 4, maxEntries: 1 }]));
    expect(() => runProgram(rt, rt.object.programs[0]!, { data: packet })).toThrow(/^program probe: insn 4: \(85\) call bpf_redirect_map#51: cannot pass map_type 2 into func bpf_redirect_map#51$/);
  });

  it('lets a program read a device map entry it looks up, not write it (the map is BPF_F_RDONLY_PROG)', () => {
    const lookup = `lddw %r1, ${MAP(0)}\nstw [%r10-4], 0\nmov %r2, %r10\nadd %r2, -4\ncall 1\n`;
    const rt = new Runtime(asmObject([
      { name: 'reads', text: `${lookup}ldxw %r0, [%r0+0]\nexit` },
      { name: 'writes', text: `${lookup}stw [%r0+0], 2\nexit` },
    ], [{ name: 'devs', type: MAP_TYPE.devmap, keySize: 4, valueSize: 4, maxEntries: 1 }]));
    expect(rt.map(rt.object.maps[0]!.id).sysUpdate(Uint8Array.of(0, 0, 0, 0), Uint8Array.of(1, 0, 0, 0))).toBe(0);
    expect(createdFlags({ type: MAP_TYPE.devmap, flags: 0 })).toBe(0x80);
    const [reads, writes] = rt.object.programs;
    expect(runProgram(rt, reads!, { data: packet }).retval).toBe(1);
    expect(() => runProgram(rt, writes!, { data: packet })).toThrow(/insn 6: \(62\) \*\(u32 \*\)\(r0 \+0\) = 2: write of 4 bytes at .* is read-only$/);
  });
});

describe('device, CPU and AF_XDP socket maps from user space', () => {
  const attrs = (type: number, valueSize = 4, maxEntries = 4) => ({ type, keySize: 4, valueSize, maxEntries, flags: 0 });
  const k = (n: number) => Uint8Array.of(n, 0, 0, 0);

  it('devmap: the loopback device only, slots emptied by 0 or delete, every index a key', () => {
    const m = createMap(attrs(MAP_TYPE.devmap, 8));
    expect(m.sysUpdate(k(0), Uint8Array.of(1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff), 2)).toBe(0); // BPF_EXIST on an empty slot; fd -1: no program
    expect(m.sysLookup(k(0))).toEqual(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0));
    expect(m.sysUpdate(k(1), Uint8Array.of(9, 0, 0, 0, 0, 0, 0, 0))).toBe(-22); // no such device
    expect(m.sysUpdate(k(1), Uint8Array.of(1, 0, 0, 0, 3, 0, 0, 0))).toBe(-22); // fd 3 is no devmap program
    expect(m.sysUpdate(k(1), Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0), 1)).toBe(-17); // BPF_NOEXIST always
    expect(m.sysUpdate(k(4), Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0))).toBe(-7);
    expect(m.sysLookup(k(1))).toBe(-2);
    expect(m.sysGetNextKey(k(2))).toEqual(k(3));
    expect(m.sysDelete(k(3))).toBe(0);
    expect(m.sysDelete(k(4))).toBe(-22);
    expect(m.sysUpdate(k(0), new Uint8Array(8))).toBe(0);
    expect(m.sysLookup(k(0))).toBe(-2);
  });

  it('devmap_hash: buckets by the low bits, newest first; BPF_EXIST unchecked; full at max_entries', () => {
    const m = createMap(attrs(MAP_TYPE.devmapHash, 8));
    const lo = Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0);
    for (const key of [5, 1, 9, 13]) expect(m.sysUpdate(k(key), lo, key === 9 ? 2 : 0)).toBe(0);
    const keys: number[] = [];
    for (let key = m.sysGetNextKey(undefined); typeof key !== 'number'; key = m.sysGetNextKey(key)) keys.push(key[0]!);
    expect(keys).toEqual([13, 9, 1, 5]); // as the kernel's dump of the same updates
    expect(m.sysUpdate(k(2), lo)).toBe(-7);
    expect(m.sysUpdate(k(5), lo, 1)).toBe(-17);
    expect(m.sysUpdate(k(5), new Uint8Array(8))).toBe(-22);
    expect(m.sysDelete(k(7))).toBe(-2);
    expect(m.sysGetNextKey(k(7))).toEqual(k(13));
  });

  it('cpumap: a queue per possible CPU; xskmap: no sockets to store, no lookups', () => {
    const c = createMap(attrs(MAP_TYPE.cpumap, 4, 8), { cpus: 2 });
    expect(c.sysUpdate(k(0), Uint8Array.of(192, 0, 0, 0))).toBe(0);
    expect(c.sysUpdate(k(7), Uint8Array.of(1, 0, 0, 0))).toBe(-19);
    expect(c.sysUpdate(k(8), Uint8Array.of(1, 0, 0, 0))).toBe(-7);
    expect(c.sysUpdate(k(0), Uint8Array.of(1, 0x40, 0, 0))).toBe(-75);
    expect(c.sysLookup(k(0))).toEqual(Uint8Array.of(192, 0, 0, 0));
    expect(() => createMap(attrs(MAP_TYPE.cpumap, 4, 257))).toThrow(/NR_CPUS/);
    const x = createMap(attrs(MAP_TYPE.xskmap));
    expect(x.sysUpdate(k(0), Uint8Array.of(200, 0, 0, 0))).toBe(-9);
    expect(x.sysUpdate(k(9), Uint8Array.of(1, 0, 0, 0))).toBe(-7);
    expect(x.sysLookup(k(0))).toBe(-95);
    expect(x.sysDelete(k(0))).toBe(0);
  });
});
