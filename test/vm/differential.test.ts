import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openObject } from '../../src/object/open.js';
import { TestRunError } from '../../src/vm/context/errors.js';
import { loadObject } from '../../src/vm/load.js';
import type { LoadedProgram } from '../../src/vm/loaded.js';
import type { VmMap } from '../../src/vm/maps/types.js';
import { runProgram, type RunOutput } from '../../src/vm/run.js';
import { Runtime } from '../../src/vm/runtime/runtime.js';
import { GOLDEN, OBJECTS, REPO, SHARED, skipReason } from '../helpers/env.js';

/**
 * bpfscope against the kernel on every program of objects/ and every packet the golden
 * files were made with (test/golden/README.md): kernel-oracle loaded each object once,
 * ran its programs once each in name order with `bpftool prog run ... data_in PACKET`,
 * then dumped the maps. We do the same on one Runtime and compare the return value (or
 * the kernel's refusal), data_out and every map's elements.
 */
interface Case {
  dir: string;
  object: string;
  packet: string;
}

const cases: Case[] = existsSync(GOLDEN)
  ? readdirSync(GOLDEN)
      .filter((d) => statSync(join(GOLDEN, d)).isDirectory() && readdirSync(join(GOLDEN, d)).some((f) => f.endsWith('.run.txt')))
      .map((dir) => {
        const [object, packet = 'ipv4-udp'] = dir.split('@') as [string, string?];
        return { dir, object, packet };
      })
      .filter((c) => existsSync(join(OBJECTS, `${c.object}.o`)))
      .sort((a, b) => (a.dir < b.dir ? -1 : 1))
  : [];

/** The packets every object the kernel test-runs on a packet should have golden runs for (scripts/make-golden.sh EXTRA). */
const PACKETS = ['ipv4-udp', 'ipv4-tcp', 'ipv6-udp', 'short', 'truncated-ipv4'];
const ORACLE = join(SHARED, 'tools', 'kernel-oracle');
const oracleNote = existsSync(ORACLE) ? `with ${ORACLE}` : `which needs ${ORACLE}, missing here`;
const noGolden = cases.length === 0 ? `test/golden has no kernel-oracle runs: make them as root with bash scripts/make-golden.sh (${oracleNote})` : undefined;
// An object the kernel ran on ipv4-udp but that lacks a packet's runs is not compared on it: say so.
for (const { object } of cases.filter((c) => c.packet === 'ipv4-udp' && kernelRan(c.dir))) {
  for (const packet of PACKETS.filter((p) => !cases.some((c) => c.object === object && c.packet === p))) {
    console.log(`skipped differential test of ${object} on ${packet}: no test/golden/${object}@${packet}: make it as root with bash scripts/make-golden.sh --missing ${object} (${oracleNote})`);
  }
}

function kernelRan(dir: string): boolean {
  return readdirSync(join(GOLDEN, dir)).some((f) => f.endsWith('.run.txt') && readFileSync(join(GOLDEN, dir, f), 'utf8').startsWith('Return value'));
}

/** The possible CPUs of the machine the golden files were made on (README.md). */
const GOLDEN_CPUS = 2;

type Outcome = { ok: RunOutput } | { refused: string };

interface KernelEntry {
  key: string[];
  value?: string[];
  values?: { cpu: number; value: string[] }[];
}

const hex = (bytes: Uint8Array): string[] => Array.from(bytes, (b) => `0x${b.toString(16).padStart(2, '0')}`);

describe.skipIf(skipReason(noGolden, 'differential tests'))('bpfscope against the kernel-oracle runs in test/golden', () => {
  describe.each(cases)('$dir', ({ dir, object, packet }) => {
    const golden = join(GOLDEN, dir);
    const names = readdirSync(golden)
      .filter((f) => f.endsWith('.run.txt'))
      .map((f) => f.slice(0, -'.run.txt'.length))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const outcomes = new Map<string, Outcome>();
    const kernelPrograms = new Map((JSON.parse(readFileSync(join(golden, 'progs.json'), 'utf8')) as { id: number; name: string }[]).map((p) => [p.id, p.name]));
    let runtime: Runtime;

    beforeAll(() => {
      const ids = [0, 0, 0];
      const spec = openObject(readFileSync(join(OBJECTS, `${object}.o`)), `objects/${object}.o`);
      const loaded = loadObject(spec, { nextProgramId: () => ++ids[0]!, nextMapId: () => ++ids[1]!, nextBtfId: () => ++ids[2]! }, { possibleCpus: GOLDEN_CPUS });
      runtime = new Runtime(loaded, { cpus: GOLDEN_CPUS, seed: 1, trace: () => {} });
      const data = readFileSync(join(REPO, 'test', 'packets', `${packet}.bin`));
      for (const name of names) {
        const program = loaded.programs.find((p) => p.name === name)!;
        outcomes.set(name, run(program, data));
      }
    });

    function run(program: LoadedProgram, data: Uint8Array): Outcome {
      try {
        return { ok: runProgram(runtime, program, { data, repeat: 1 }) };
      } catch (e) {
        if (e instanceof TestRunError) return { refused: e.message };
        throw e;
      }
    }

    it.each(names)('%s: the same return value or refusal as the kernel', (name) => {
      const line = readFileSync(join(golden, `${name}.run.txt`), 'utf8').trim();
      const outcome = outcomes.get(name)!;
      if ('refused' in outcome) expect(`Error: failed to run program: ${outcome.refused}`).toBe(line);
      else expect(`Return value: ${outcome.ok.retval}`).toBe(line.replace(/, duration.*/, ''));
    });

    it.each(names.filter((n) => existsSync(join(golden, `${n}.data_out.bin`))))('%s: the same data_out', (name) => {
      const outcome = outcomes.get(name)!;
      expect('ok' in outcome).toBe(true);
      if ('ok' in outcome) expect(hex(outcome.ok.dataOut!)).toEqual(hex(readFileSync(join(golden, `${name}.data_out.bin`))));
    });

    const dumps = readdirSync(golden).filter((f) => f.endsWith('.dump.json'));
    // Objects without maps have no dumps to compare.
    if (dumps.length > 0) it('every map holds what the kernel\'s holds after the runs', () => {
      for (const file of dumps) {
        const mapName = file.slice(0, -'.dump.json'.length);
        const loaded = runtime.object.maps.find((m) => m.name === mapName);
        expect(loaded, `no map ${mapName}`).toBeDefined();
        const kernel = JSON.parse(readFileSync(join(golden, file), 'utf8')) as KernelEntry[];
        const map = runtime.map(loaded!.id);
        const ourName = (id: number) => runtime.object.programs.find((p) => p.id === id)?.name;
        expect(ourEntries(map, ourName), mapName).toEqual(kernelEntries(kernel, map, (id) => kernelPrograms.get(id)));
      }
    });
  });
});

/**
 * What a slot of an fd map compares as (undefined for maps of data): ids are each side's
 * own, so a prog array's slot compares as the program it names (progs.json of the same
 * load lists every program), a map-in-map's as only being there, since maps.json lists
 * only the maps programs reference and not the inner maps.
 */
function slot(map: VmMap, value: Uint8Array, programName: (id: number) => string | undefined): string | undefined {
  if (map.typeName !== 'prog_array') return ['array_of_maps', 'hash_of_maps'].includes(map.typeName) ? 'a map id' : undefined;
  const id = Buffer.from(value).readUInt32LE(0);
  return programName(id) ?? `no program with id ${id}`;
}

/** Per-CPU values as a sorted list: which CPU the kernel ran on is not ours to know. */
function ourEntries(map: VmMap, programName: (id: number) => string | undefined): unknown[] {
  return [...map.entries()].map((e) => ({
    key: hex(e.key),
    value: Array.isArray(e.value) ? e.value.map(hex).map(String).sort() : (slot(map, e.value, programName) ?? hex(e.value)),
  }));
}

function kernelEntries(entries: KernelEntry[], map: VmMap, programName: (id: number) => string | undefined): unknown[] {
  return entries.map((e) => ({
    key: e.key,
    value: e.values ? e.values.map((v) => String(v.value)).sort() : (slot(map, Uint8Array.from(e.value!, Number), programName) ?? e.value),
  }));
}
