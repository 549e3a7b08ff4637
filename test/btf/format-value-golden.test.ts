import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { dumpMapJson, dumpMapPlain, type MapDumpEntry } from '../../src/btf/format-value-map.js';
import { openObject } from '../../src/object/open.js';
import type { MapSpec, ObjectSpec } from '../../src/object/spec.js';
import { OBJECTS } from '../helpers/env.js';
import { GOLDEN_CPUS, GOLDEN_VALUES, dumpSpecOf, entriesFromJson, goldenMaps, loadedEntries, readText } from './format-value-helpers.js';

/**
 * Our map dumps against the real bpftool's, byte for byte (golden-values/README.md):
 * objects loaded and never run, so each map holds what loading gave it, which we
 * compute from the object alone; and one run of values.o on a packet, where the
 * entries the program wrote are read from bpftool's own hex.
 */

function mapNamed(obj: ObjectSpec, name: string): MapSpec {
  const m = obj.maps.find((x) => x.name === name);
  if (!m) throw new Error(`${obj.fileName}: no map ${name}`);
  return m;
}

function checkDir(dir: string, obj: ObjectSpec, entriesOf: (m: MapSpec, json: string) => MapDumpEntry[]): void {
  const maps = goldenMaps(dir);
  it('has golden dumps', () => expect(maps.length).toBeGreaterThan(0));
  for (const name of maps) {
    it(name, () => {
      const m = mapNamed(obj, name);
      const json = readText(join(dir, `${name}.dump.json`));
      const spec = dumpSpecOf(m, obj.btf);
      const entries = entriesOf(m, json);
      expect(dumpMapPlain(spec, entries)).toBe(readText(join(dir, `${name}.dump.txt`)));
      expect(dumpMapJson(spec, entries, false)).toBe(json);
    });
  }
}

/** Right after loading: from the object; kernel ids (prog arrays, map-in-maps) from bpftool's hex. */
const atLoad = (m: MapSpec, json: string): MapDumpEntry[] => loadedEntries(m, GOLDEN_CPUS) ?? entriesFromJson(json);

describe('map dump after loading, as bpftool 7.1 prints it', () => {
  for (const name of ['fnv', 'globals', 'hello', 'maps', 'raw_tp', 'socket', 'tracepoint', 'xdp']) {
    describe(name, () => checkDir(join(GOLDEN_VALUES, name), openObject(join(OBJECTS, `${name}.o`)), atLoad));
  }
  describe('values', () => checkDir(join(GOLDEN_VALUES, 'values'), openObject(join(GOLDEN_VALUES, 'values.o')), atLoad));
});

describe('map dump after a run (values.o on ipv4-udp)', () => {
  // xdp_values writes no global variable, so data maps still hold their initial bytes.
  const afterRun = (m: MapSpec, json: string): MapDumpEntry[] => (m.initialData ? loadedEntries(m, GOLDEN_CPUS)! : entriesFromJson(json));
  checkDir(join(GOLDEN_VALUES, 'values@ipv4-udp'), openObject(join(GOLDEN_VALUES, 'values.o')), afterRun);
});

describe('-p map dump', () => {
  const obj = openObject(join(GOLDEN_VALUES, 'values.o'));
  const dir = join(GOLDEN_VALUES, 'values-pretty');
  // Pinned under libbpf's pin names: the map name with dots made underscores.
  for (const pinName of goldenMaps(dir)) {
    it(pinName, () => {
      const m = obj.maps.find((x) => x.name.replaceAll('.', '_') === pinName)!;
      expect(m).toBeDefined();
      const entries = loadedEntries(m, GOLDEN_CPUS)!;
      expect(dumpMapJson(dumpSpecOf(m, obj.btf), entries, true)).toBe(readText(join(dir, `${pinName}.dump.json`)));
    });
  }
});
