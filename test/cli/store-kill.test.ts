import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bpfscope } from '../helpers/cli.js';
import { BIN, REPO } from '../helpers/env.js';

/**
 * Writers killed with SIGKILL at spread-out moments (before, during and after their
 * transaction): after each kill the store still opens, `store check` passes, and every
 * command took effect either wholly or not at all.
 */
const PIN = '/sys/fs/bpf/kill';
const MAPS = '/sys/fs/bpf/kill_maps';

/** A small deterministic generator, so that a failure repeats. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

function killAfter(args: string[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    // Waiting for 'close' reaps the child, so its pid is dead (not a zombie) for the lock.
    child.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('a writer killed at any point leaves a store that opens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfscope-kill-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (...args: string[]) => bpfscope(['--state', dir, ...args]);

  it('prog runs and map updates killed at 24 moments', async () => {
    expect(run('prog', 'loadall', 'objects/maps.o', PIN, 'pinmaps', MAPS).status).toBe(0);
    expect(run('map', 'delete', 'pinned', `${MAPS}/jumps`, 'key', '1', '0', '0', '0').status).toBe(0);
    const random = lcg(5);
    for (let i = 0; i < 24; i++) {
      const writer =
        i % 3 === 2
          ? ['map', 'update', 'pinned', `${MAPS}/counters`, 'key', '2', '0', '0', '0', 'value', String(i), '0', '0', '0', '0', '0', '0', '0']
          : ['prog', 'run', 'pinned', `${PIN}/maps_main`, 'data_in', 'test/packets/ipv4-udp.bin', 'repeat', '100'];
      await killAfter(['--state', dir, ...writer], Math.floor(random() * 900));
      const check = run('store', 'check');
      expect(check.stderr).toBe('');
      expect(check.stdout).toMatch(/: ok: 2 programs, 9 maps, 11 pins\n$/);
    }
    const counters = JSON.parse(run('-j', 'map', 'dump', 'pinned', `${MAPS}/counters`).stdout) as { formatted: { key: number; value: number } }[];
    const runs = counters[0]!.formatted.value;
    // A run of 100 is saved whole or not at all, and the hash counted the same runs.
    expect(runs % 100).toBe(0);
    const byLen = run('-j', 'map', 'lookup', 'pinned', `${MAPS}/by_len`, 'key', '58', '0', '0', '0');
    expect(byLen.status === 254 ? 0 : (JSON.parse(byLen.stdout) as { formatted: { value: number } }).formatted.value).toBe(runs);
    // Nothing is left locked: a writer after the kills runs to the end.
    expect(run('prog', 'run', 'pinned', `${PIN}/maps_main`, 'data_in', 'test/packets/ipv4-udp.bin').status).toBe(0);
    // Nor locked, nor with temporary files of killed writers left once a writer has run.
    expect(readdirSync(dir).filter((f) => f.startsWith('lock') || f.includes('.tmp-'))).toEqual([]);
    expect(existsSync(join(dir, 'state.json'))).toBe(true);
  }, 120_000);

  it('prog loadall, map create and unpin killed at 12 moments: each done wholly or not at all', async () => {
    const other = mkdtempSync(join(tmpdir(), 'bpfscope-kill-'));
    const run2 = (...args: string[]) => bpfscope(['--state', other, ...args]);
    const shown = (kind: 'prog' | 'map', path: string) => run2(kind, 'show', 'pinned', path).status === 0;
    try {
      const random = lcg(11);
      const count = (checked: string, what: string) => Number(new RegExp(`(\\d+) ${what}`).exec(checked)?.[1] ?? 0);
      let before = '';
      for (let i = 0; i < 12; i++) {
        const dirOf = (n: number) => `/sys/fs/bpf/load${n}`;
        const writer =
          i % 3 === 0
            ? ['prog', 'loadall', 'objects/maps.o', dirOf(i), 'pinmaps', `${dirOf(i)}_maps`]
            : i % 3 === 1
              ? ['map', 'create', `/sys/fs/bpf/made${i}`, 'type', 'hash', 'key', '4', 'value', '4', 'entries', '8', 'name', `made${i}`]
              : ['unpin', dirOf(i - 2)];
        await killAfter(['--state', other, ...writer], Math.floor(random() * 600));
        const check = run2('store', 'check');
        expect(check.stderr).toBe('');
        expect(check.stdout).toMatch(/: ok: \d+ programs, \d+ maps, \d+ pins\n$/);
        // A loadall pins both programs and every map, or nothing; an unpin of its directory removes both pins or neither.
        const loaded = i % 3 === 1 ? undefined : dirOf(i % 3 === 0 ? i : i - 2);
        if (loaded) {
          const progs = [shown('prog', `${loaded}/maps_main`), shown('prog', `${loaded}/maps_tail`)];
          expect(progs[0]).toBe(progs[1]);
          if (i % 3 === 0) expect(shown('map', `${loaded}_maps/counters`)).toBe(progs[0]);
        } else {
          // A map create adds its map and its pin together.
          expect(count(check.stdout, 'maps') - count(before, 'maps')).toBe(shown('map', `/sys/fs/bpf/made${i}`) ? 1 : 0);
        }
        before = check.stdout;
      }
      expect(run2('map', 'create', '/sys/fs/bpf/last', 'type', 'array', 'key', '4', 'value', '4', 'entries', '1', 'name', 'last').status).toBe(0);
      expect(readdirSync(other).filter((f) => f.startsWith('lock') || f.includes('.tmp-'))).toEqual([]);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 120_000);
});
