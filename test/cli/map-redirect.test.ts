import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bpfscope } from '../helpers/cli.js';
import { missing, skipReason } from '../helpers/env.js';

/**
 * The redirect maps (devmap, devmap_hash, cpumap, xskmap) from the command line: the
 * same commands through the live kernel's bpftool and through bpfscope's store must
 * print the same and exit the same. The one device is the loopback device (ifindex 1).
 */
const live = missing({ root: true, bpftool: true, file: '/sys/fs/bpf' });
const state = mkdtempSync(join(tmpdir(), 'bpfscope-redirect-maps-'));
afterAll(() => rmSync(state, { recursive: true, force: true }));

const pin = (type: string) => `/sys/fs/bpf/bpfscope-redirect-${process.pid}-${type}`;

/** Commands per map type; PIN stands for the map's pin path. */
const SCRIPTS: Record<string, string[][]> = {
  devmap: [
    ['map', 'create', 'PIN', 'type', 'devmap', 'key', '4', 'value', '8', 'entries', '4', 'name', 'devs'],
    ['map', 'show', 'pinned', 'PIN'],
    ['map', 'update', 'pinned', 'PIN', 'key', '1', '0', '0', '0', 'value', '1', '0', '0', '0', '255', '255', '255', '255'],
    ['map', 'update', 'pinned', 'PIN', 'key', '2', '0', '0', '0', 'value', '1', '0', '0', '0', '0', '0', '0', '0', 'noexist'],
    ['map', 'update', 'pinned', 'PIN', 'key', '2', '0', '0', '0', 'value', '0', '0', '0', '0', '3', '0', '0', '0'],
    ['map', 'update', 'pinned', 'PIN', 'key', '4', '0', '0', '0', 'value', '1', '0', '0', '0', '0', '0', '0', '0'],
    ['map', 'dump', 'pinned', 'PIN'],
    ['-j', 'map', 'dump', 'pinned', 'PIN'],
    ['map', 'lookup', 'pinned', 'PIN', 'key', '0', '0', '0', '0'],
    ['map', 'delete', 'pinned', 'PIN', 'key', '0', '0', '0', '0'],
    ['map', 'delete', 'pinned', 'PIN', 'key', '9', '0', '0', '0'],
  ],
  devmap_hash: [
    ['map', 'create', 'PIN', 'type', 'devmap_hash', 'key', '4', 'value', '4', 'entries', '4', 'name', 'dev_hash'],
    ['map', 'show', 'pinned', 'PIN'],
    ...[5, 1, 9, 13, 2].map((k) => ['map', 'update', 'pinned', 'PIN', 'key', String(k), '0', '0', '0', 'value', '1', '0', '0', '0']),
    ['map', 'update', 'pinned', 'PIN', 'key', '5', '0', '0', '0', 'value', '0', '0', '0', '0'],
    // The memlock counts the elements held.
    ['map', 'show', 'pinned', 'PIN'],
    ['map', 'dump', 'pinned', 'PIN'],
    ['map', 'delete', 'pinned', 'PIN', 'key', '7', '0', '0', '0'],
  ],
  cpumap: [
    ['map', 'create', 'PIN', 'type', 'cpumap', 'key', '4', 'value', '4', 'entries', '4', 'name', 'cpus'],
    ['map', 'show', 'pinned', 'PIN'],
    ['map', 'update', 'pinned', 'PIN', 'key', '0', '0', '0', '0', 'value', '192', '0', '0', '0'],
    ['map', 'update', 'pinned', 'PIN', 'key', '0', '0', '0', '0', 'value', '1', '64', '0', '0'],
    ['map', 'update', 'pinned', 'PIN', 'key', '4', '0', '0', '0', 'value', '1', '0', '0', '0'],
    ['map', 'dump', 'pinned', 'PIN'],
  ],
  xskmap: [
    ['map', 'create', 'PIN', 'type', 'xskmap', 'key', '4', 'value', '4', 'entries', '2', 'name', 'xsks'],
    ['map', 'show', 'pinned', 'PIN'],
    // fd 200: nothing bpftool has open (what any value is to bpfscope, which has no fds).
    ['map', 'update', 'pinned', 'PIN', 'key', '0', '0', '0', '0', 'value', '200', '0', '0', '0'],
    ['map', 'dump', 'pinned', 'PIN'],
    ['map', 'lookup', 'pinned', 'PIN', 'key', '0', '0', '0', '0'],
  ],
};

/** Map ids differ between the kernel and a fresh store. */
const noId = (s: string) => s.replace(/^\d+: /gm, 'ID: ');

describe.skipIf(skipReason(live, 'redirect map commands against the live kernel'))('redirect maps from the command line, as bpftool on this kernel', () => {
  it.each(Object.keys(SCRIPTS))('%s', (type) => {
    const path = pin(type);
    try {
      for (const command of SCRIPTS[type]!) {
        const args = command.map((w) => (w === 'PIN' ? path : w));
        const k = spawnSync('bpftool', args, { encoding: 'utf8' });
        const ours = bpfscope(['--state', state, ...args]);
        const what = args.join(' ');
        expect(noId(ours.stdout), what).toBe(noId(k.stdout));
        expect(ours.stderr, what).toBe(k.stderr);
        expect(ours.status, what).toBe(k.status);
      }
    } finally {
      rmSync(path, { force: true });
    }
  });
});
