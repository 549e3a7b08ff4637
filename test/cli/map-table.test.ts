import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bpfscope } from '../helpers/cli.js';

/** --table: boxes for people, over the same facts the plain output prints. */
describe('--table', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfscope-table-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (...args: string[]) => bpfscope(['--state', dir, ...args]);

  it('map show, map dump (by BTF and as hex) and prog show', () => {
    expect(run('prog', 'loadall', 'objects/maps.o', '/sys/fs/bpf/t', 'pinmaps', '/sys/fs/bpf/tm').status).toBe(0);
    expect(run('--table', 'map', 'show', 'name', 'counters').stdout).toBe(
      [
        '┌────┬───────┬──────────┬───────┬─────┬───────┬─────────────┬─────────┬────────┬────────┐',
        '│ id │ type  │ name     │ flags │ key │ value │ max_entries │ memlock │ btf_id │ frozen │',
        '├────┼───────┼──────────┼───────┼─────┼───────┼─────────────┼─────────┼────────┼────────┤',
        '│ 4  │ array │ counters │ 0x0   │ 4B  │ 8B    │ 4           │ 344B    │ 1      │        │',
        '└────┴───────┴──────────┴───────┴─────┴───────┴─────────────┴─────────┴────────┴────────┘',
        '',
      ].join('\n'),
    );
    expect(run('map', 'update', 'name', 'counters', 'key', '1', '0', '0', '0', 'value', '7', '0', '0', '0', '0', '0', '0', '0').status).toBe(0);
    const counters = run('--table', 'map', 'dump', 'name', 'counters').stdout.split('\n');
    expect(counters[0]).toBe('4: counters');
    expect(counters.filter((l) => l.startsWith('│ ')).slice(1)).toEqual(['│ 0   │ 0     │', '│ 1   │ 7     │', '│ 2   │ 0     │', '│ 3   │ 0     │']);
    const jumps = run('--table', 'map', 'dump', 'name', 'jumps').stdout.split('\n');
    expect(jumps.filter((l) => l.startsWith('│ ')).slice(1)).toEqual(['│ 01 00 00 00 │ 01 00 00 00 │']);
    const progs = run('--table', 'prog', 'show').stdout;
    expect(progs).toMatch(/│ 1  │ xdp  │ maps_tail │ 503a31e152333e65 │ yes │ \S+ │ \d+ +│ 224B   │ 4096B   │ 4,2         │ 1      │/);
    expect(progs.split('\n').filter((l) => l.startsWith('│ ')).length).toBe(3);
  });

  it('with -j or -p the output is bpftool\'s JSON, as without --table', () => {
    for (const args of [['map', 'show', 'name', 'counters'], ['map', 'dump', 'name', 'counters'], ['prog', 'show', 'name', 'maps_tail']]) {
      for (const mode of ['-j', '-p']) {
        const plain = run(mode, ...args);
        expect(plain.stdout.startsWith('{') || plain.stdout.startsWith('[')).toBe(true);
        expect(run('--table', mode, ...args)).toEqual(plain);
        expect(run(mode, ...args, '--table')).toEqual(plain);
      }
    }
  });
});
