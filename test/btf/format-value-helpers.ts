import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Btf } from '../../src/btf/index.js';
import type { MapDumpEntry, MapDumpSpec } from '../../src/btf/format-value-map.js';
import { mapTypeId } from '../../src/object/kinds.js';
import type { MapSpec } from '../../src/object/spec.js';
import { REPO } from '../helpers/env.js';

export const GOLDEN_VALUES = join(REPO, 'test', 'btf', 'golden-values');

/** Possible CPUs of the machine the golden files were made on (README). */
export const GOLDEN_CPUS = 2;

const PER_CPU = new Set(['percpu_hash', 'percpu_array', 'lru_percpu_hash', 'percpu_cgroup_storage'].map((n) => mapTypeId(n)!));
const ARRAYS = new Set(['array', 'percpu_array'].map((n) => mapTypeId(n)!));
/** Maps whose values hold kernel ids (program, map): only the kernel's bytes will do. */
const ID_VALUES = new Set(['prog_array', 'array_of_maps', 'hash_of_maps'].map((n) => mapTypeId(n)!));

/**
 * The dump facts of a map as libbpf 1.1 creates it: the object's BTF when the map has
 * a value type (libbpf leaves prog arrays and map-in-maps without one, and a key type
 * alone is refused by the kernel, whereupon libbpf retries without BTF).
 */
export function dumpSpecOf(m: MapSpec, btf: Btf | undefined): MapDumpSpec {
  const withBtf = btf !== undefined && m.btfValueTypeId !== 0;
  return {
    keySize: m.keySize,
    valueSize: m.valueSize,
    perCpu: PER_CPU.has(m.type),
    btf: withBtf ? btf : undefined,
    btfKeyTypeId: withBtf ? m.btfKeyTypeId : 0,
    btfValueTypeId: withBtf ? m.btfValueTypeId : 0,
  };
}

/**
 * What a map holds right after loading, before any program runs: a global data map
 * its initial bytes under key 0, an array zeros in every slot, hash-like maps and
 * ring buffers nothing. Undefined for maps whose values are kernel ids.
 */
export function loadedEntries(m: MapSpec, cpus: number): MapDumpEntry[] | undefined {
  if (ID_VALUES.has(m.type)) return undefined;
  if (m.initialData) return [{ key: new Uint8Array(m.keySize), value: m.initialData }];
  if (!ARRAYS.has(m.type)) return [];
  return Array.from({ length: m.maxEntries }, (_, i) => {
    const key = new Uint8Array(m.keySize);
    new DataView(key.buffer).setUint32(0, i, true);
    const zero = (): Uint8Array => new Uint8Array(m.valueSize);
    return { key, value: PER_CPU.has(m.type) ? Array.from({ length: cpus }, zero) : zero() };
  });
}

/**
 * The raw bytes bpftool printed in a `-j map dump`: the kernel's keys and values, as
 * input for the formatter (only the hex arrays are read, never the formatted part).
 */
export function entriesFromJson(text: string): MapDumpEntry[] {
  // A float makes bpftool's output invalid JSON; the marker is in `formatted` only.
  const parsed = JSON.parse(text.replaceAll('(unsupported-kind', 'null')) as {
    key: string[];
    value?: string[];
    values?: { cpu: number; value: string[] }[];
  }[];
  const bytes = (hex: string[]): Uint8Array => Uint8Array.from(hex, (h) => parseInt(h, 16));
  return parsed.map((e) => ({
    key: bytes(e.key),
    value: e.values ? e.values.map((v) => bytes(v.value)) : bytes(e.value!),
  }));
}

/** The map names with a golden plain or JSON dump in a directory. */
export function goldenMaps(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const names = new Set<string>();
  for (const f of readdirSync(dir)) {
    const m = /^(.*)\.dump\.(txt|json)$/.exec(f);
    if (m) names.add(m[1]!);
  }
  return [...names].sort();
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
