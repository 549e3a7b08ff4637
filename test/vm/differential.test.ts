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
import { GOLDEN, OBJECTS, REPO } from '../helpers/env.js';

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
if (cases.length === 0) console.log('skipped differential tests: test/golden has no kernel-oracle runs');

/** The possible CPUs of the machine the golden files were made on (README.md). */
const GOLDEN_CPUS = 2;

type Outcome = { ok: RunOutput } | { refused: string };

interface KernelEntry {
  key: string[];
  value?: string[];
  values?: { cpu: number; value: string[] }[];
}

const hex = (bytes: Uint8Array): string[] => Array.from(bytes, (b) => `0x${b.toString(16).padStart(2, '0')}`);

describe.each(cases)('$dir', ({ dir, object, packet }) => {
  const golden = join(GOLDEN, dir);
  const names = readdirSync(golden)
    .filter((f) => f.endsWith('.run.txt'))
    .map((f) => f.slice(0, -'.run.txt'.length))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const outcomes = new Map<string, Outcome>();
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
      expect(ourEntries(runtime.map(loaded!.id)), mapName).toEqual(kernelEntries(kernel, runtime.map(loaded!.id)));
    }
  });
});

/** Program and map ids inside fd maps (prog arrays, map-in-maps) are each side's own: only keys compare. */
function holdsIds(map: VmMap): boolean {
  return ['prog_array', 'array_of_maps', 'hash_of_maps'].includes(map.typeName);
}

/** Per-CPU values as a sorted list: which CPU the kernel ran on is not ours to know. */
function ourEntries(map: VmMap): unknown[] {
  return [...map.entries()].map((e) => ({
    key: hex(e.key),
    value: holdsIds(map) ? 'id' : Array.isArray(e.value) ? e.value.map(hex).map(String).sort() : hex(e.value),
  }));
}

function kernelEntries(entries: KernelEntry[], map: VmMap): unknown[] {
  return entries.map((e) => ({
    key: e.key,
    value: holdsIds(map) ? 'id' : e.values ? e.values.map((v) => String(v.value)).sort() : e.value,
  }));
}
