import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openObject } from '../../src/object/open.js';
import { NO_TARGET } from '../../src/object/target.js';
import { bpfscope } from '../helpers/cli.js';
import { missing, REPO, skipReason } from '../helpers/env.js';
import { checkAgainstObjdump, programSymbols } from '../helpers/objdump-compare.js';

/** Objects another project ships prebuilt (test/object/prebuilt/README.md). */
const DIR = join(REPO, 'test', 'object', 'prebuilt');
const objects = readdirSync(DIR).filter((f) => /\.(o|elf)$/.test(f)).sort();

describe('prebuilt objects of cilium/ebpf', () => {
  it.skipIf(skipReason(missing({ objdump: true }), 'prebuilt objects against llvm-objdump'))(
    'open with every program their sections hold, instruction for instruction as llvm-objdump shows them, in both byte orders',
    () => {
      for (const name of objects) {
        const file = join(DIR, name);
        const spec = openObject(file, undefined, { target: NO_TARGET });
        expect(spec.programs.map((p) => p.name).sort(), name).toEqual(programSymbols(file));
        const { problems } = checkAgainstObjdump(file, spec);
        expect(problems, name).toEqual([]);
      }
    },
  );

  it("reads an arena's __ulong() map_extra as libbpf 1.7 does: an enum of one value", () => {
    // testdata/arena.c: __ulong(map_extra, 0x1ull << 44), __uint(max_entries, 100), BPF_F_MMAPABLE.
    for (const name of ['testdata_arena-el.elf']) {
      const arena = openObject(join(DIR, name), undefined, { target: NO_TARGET }).maps.find((m) => m.name === 'arena')!;
      expect([arena.mapExtra, arena.maxEntries, arena.flags]).toEqual([1n << 44n, 100, 0x400]);
    }
  });

  it('creates the maps libbpf would fail to create as cilium/ebpf creates them, and says what libbpf would say', () => {
    // cilium/ebpf's elf_reader.go: __type(value) gives no value size to ring buffers, arenas and perf
    // event arrays (canHaveValueSize); map.go's fixupMagicFields makes a perf event array's sizes 4.
    const cases: [string, string, number, number][] = [
      ['examples_ringbuffer_bpf_bpfel.o', 'events', 0, 0],
      ['examples_uretprobe_bpf_x86_bpfel.o', 'events', 4, 4],
      ['testdata_loader_nobtf-el.elf', 'perf_event_array', 4, 4],
    ];
    for (const [name, map, key, value] of cases) {
      const spec = openObject(join(DIR, name), undefined, { target: NO_TARGET });
      const m = spec.maps.find((x) => x.name === map)!;
      expect([m.keySize, m.valueSize], name).toEqual([key, value]);
      expect(spec.notes.filter((n) => n.startsWith(`libbpf 1.x: map '${map}': failed to create: Invalid argument(-22)`)), name).toHaveLength(1);
    }
  });

  describe.skipIf(skipReason(missing({ root: true, bpftool: true, file: '/sys/fs/bpf' }), 'prebuilt maps against the kernel'))('against the kernel', () => {
    const pins: string[] = [];
    afterEach(() => {
      for (const pin of pins.splice(0)) spawnSync('rm', ['-f', pin]);
    });

    it("shows those maps as the kernel shows a map created with cilium/ebpf's attributes", () => {
      const kernelShow = (pin: string, args: string[]) => {
        pins.push(pin);
        const made = spawnSync('bpftool', ['map', 'create', pin, ...args], { encoding: 'utf8' });
        expect(made.status, made.stderr).toBe(0);
        return JSON.parse(spawnSync('bpftool', ['-j', 'map', 'show', 'pinned', pin], { encoding: 'utf8' }).stdout) as Record<string, unknown>;
      };
      const ours = (name: string, map: string) => {
        const r = bpfscope(['--btf-target', 'none', '--object', join(DIR, name), '-j', 'map', 'show', 'name', map]);
        expect(r.status, r.stderr).toBe(0);
        return JSON.parse(r.stdout) as Record<string, unknown>;
      };
      const shown = ({ id: _id, ...rest }: Record<string, unknown>) => rest;
      const pin = `/sys/fs/bpf/bpfscope-prebuilt-${process.pid}`;
      expect(shown(ours('examples_ringbuffer_bpf_bpfel.o', 'events'))).toEqual(
        shown(kernelShow(`${pin}-rb`, ['type', 'ringbuf', 'key', '0', 'value', '0', 'entries', String(1 << 24), 'name', 'events'])),
      );
      expect(shown(ours('testdata_loader_nobtf-el.elf', 'perf_event_arra'))).toEqual(
        shown(kernelShow(`${pin}-pe`, ['type', 'perf_event_array', 'key', '4', 'value', '4', 'entries', '4096', 'name', 'perf_event_arra'])),
      );
    });
  });
});
