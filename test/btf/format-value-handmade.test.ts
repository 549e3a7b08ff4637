import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBtf } from '../../src/btf/index.js';
import { dumpMapJson, dumpMapPlain, type MapDumpEntry, type MapDumpSpec } from '../../src/btf/format-value-map.js';
import { missing, skipReason } from '../helpers/env.js';
import { GOLDEN_CPUS, GOLDEN_VALUES, readText } from './format-value-helpers.js';
import { handmade, type HandmadeMap } from './format-value-handmade.js';

/**
 * Hand-made BTF (kinds clang 14 never emits) in maps of the real kernel, dumped by the
 * real bpftool through btf-map-oracle.py: committed golden files under
 * golden-values/handmade/ (remade by `BPFSCOPE_MAKE_GOLDEN=1 npx vitest run` on this
 * file, as root; make.sh does it), and the same comparison live where root and bpftool
 * are here.
 */
const DIR = join(GOLDEN_VALUES, 'handmade');
const ORACLE = join(GOLDEN_VALUES, 'btf-map-oracle.py');

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function specOf(blob: Uint8Array, m: HandmadeMap): MapDumpSpec {
  return { keySize: m.keySize, valueSize: m.valueSize, perCpu: m.type === 6, btf: parseBtf(blob), btfKeyTypeId: m.keyTypeId, btfValueTypeId: m.valueTypeId };
}

/** What the real bpftool prints for each map, by name. */
function oracle(blob: Uint8Array, maps: HandmadeMap[]): Record<string, { plain?: string; json?: string; error?: string }> {
  const encode = (v: MapDumpEntry['value']): string | string[] => (v instanceof Uint8Array ? hex(v) : v.map(hex));
  const request = {
    btf: hex(blob),
    maps: maps.map((m) => ({ ...m, entries: m.entries.map((e) => ({ key: hex(e.key), value: encode(e.value) })) })),
  };
  const r = spawnSync('python3', [ORACLE], { input: JSON.stringify(request), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`btf-map-oracle: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as Record<string, { plain?: string; json?: string; error?: string }> & { error?: string };
  if (typeof out.error === 'string') throw new Error(out.error);
  return out;
}

function possibleCpus(): number {
  const text = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
  return Math.max(...text.split(',').map((r) => Number(r.split('-').at(-1)) + 1));
}

const liveReason = missing({ bpftool: true, root: true }) ?? (existsSync('/sys/fs/bpf') ? undefined : 'no /sys/fs/bpf');

if (process.env.BPFSCOPE_MAKE_GOLDEN === '1') {
  it('makes the golden files', () => {
    if (liveReason) throw new Error(`cannot make golden files: ${liveReason}`);
    if (possibleCpus() !== GOLDEN_CPUS) throw new Error(`golden files assume ${GOLDEN_CPUS} possible CPUs`);
    const { btf, maps } = handmade(GOLDEN_CPUS);
    const real = oracle(btf, maps);
    mkdirSync(DIR, { recursive: true });
    writeFileSync(join(DIR, 'handmade.btf'), btf);
    for (const m of maps) {
      const r = real[m.name]!;
      if (r.error !== undefined) throw new Error(`${m.name}: ${r.error}`);
      writeFileSync(join(DIR, `${m.name}.dump.txt`), r.plain!);
      writeFileSync(join(DIR, `${m.name}.dump.json`), r.json!);
    }
  });
} else {
  describe('hand-made BTF against golden bpftool dumps', () => {
    const { btf, maps } = handmade(GOLDEN_CPUS);
    it('builds the BTF the golden files were made from', () => {
      expect(hex(btf)).toBe(hex(readFileSync(join(DIR, 'handmade.btf'))));
    });
    for (const m of maps) {
      it(m.name, () => {
        const spec = specOf(btf, m);
        expect(dumpMapPlain(spec, m.entries)).toBe(readText(join(DIR, `${m.name}.dump.txt`)));
        expect(dumpMapJson(spec, m.entries, false)).toBe(readText(join(DIR, `${m.name}.dump.json`)));
      });
    }
  });

  describe('hand-made BTF against the live kernel and bpftool', () => {
    it('matches', (ctx) => {
      if (skipReason(liveReason, 'live hand-made BTF map dumps')) return ctx.skip();
      const { btf, maps } = handmade(possibleCpus());
      const real = oracle(btf, maps);
      for (const m of maps) {
        const spec = specOf(btf, m);
        expect(real[m.name]?.error, m.name).toBeUndefined();
        expect(dumpMapPlain(spec, m.entries), m.name).toBe(real[m.name]!.plain);
        expect(dumpMapJson(spec, m.entries, false), m.name).toBe(real[m.name]!.json);
      }
    });
  });
}
