import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openObject } from '../../src/object/open.js';
import type { EngineName } from '../../src/vm/vm.js';
import { load, type RunnableObject } from '../../src/vm/run.js';
import { OBJECTS, REPO } from '../helpers/env.js';

/**
 * The compiled engine against the interpreter on real programs: every program of
 * objects/ on every packet of test/packets (and on a context alone, for the tracing
 * types), in the same order on one loaded object per engine. Every run's result (return
 * value, packet and context out, or the refusal or fault) and, at the end, every map's
 * elements must be the same. The kernel comparison is test/vm/differential.test.ts; this
 * one makes sure it holds whichever engine runs.
 */

const PACKETS = join(REPO, 'test', 'packets');
const packets = readdirSync(PACKETS).filter((f) => f.endsWith('.bin')).sort();
const objects = readdirSync(OBJECTS).filter((f) => f.endsWith('.o')).sort();
const hex = (bytes: Uint8Array | undefined) => (bytes === undefined ? '-' : Buffer.from(bytes).toString('hex'));

/** The object loaded for an engine, or why it does not load (the same for both). */
function loadFor(file: string, engine: EngineName): RunnableObject | string {
  try {
    const spec = openObject(readFileSync(join(OBJECTS, file)), file);
    return load(spec, { runtime: { engine, cpus: 2, seed: 7, clock: () => 1_000_000n, task: { pid: 42, tgid: 42, uid: 0, gid: 0, comm: 'bench' } } });
  } catch (e) {
    return `load: ${(e as Error).message}`;
  }
}

/** Every run of every program, then every map, as lines. */
function transcript(file: string, engine: EngineName): string[] {
  const obj = loadFor(file, engine);
  if (typeof obj === 'string') return [obj];
  const lines: string[] = [];
  for (const program of obj.programs) {
    const inputs = [...packets.map((p) => ({ name: p, data: readFileSync(join(PACKETS, p)) as Uint8Array })), { name: 'ctx only', ctx: new Uint8Array(64).fill(1) }];
    for (const { name, ...input } of inputs) {
      let line: string;
      try {
        const out = program.run({ ...input, repeat: 3 });
        line = `retval ${out.retval} data ${hex(out.dataOut)} ctx ${hex(out.ctxOut)}`;
      } catch (e) {
        line = `${(e as Error).name}: ${(e as Error).message}`;
      }
      lines.push(`${program.name} ${name}: ${line}`);
    }
  }
  for (const m of obj.loaded.maps) {
    const map = obj.runtime.map(m.id);
    for (const { key, value } of map.entries()) {
      lines.push(`${m.name} ${hex(key)}: ${Array.isArray(value) ? value.map(hex).join(' ') : hex(value)}`);
    }
  }
  return lines;
}

describe.each(objects)('%s', (file) => {
  it('gives the same runs and maps on the jit as on the interpreter', () => {
    const reference = transcript(file, 'interpreter');
    expect(transcript(file, 'jit')).toEqual(reference);
    expect(reference.length).toBeGreaterThan(0);
  });
});
