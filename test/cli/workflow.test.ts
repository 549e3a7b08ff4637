import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bpfscope } from '../helpers/cli.js';
import { BIN, REPO } from '../helpers/env.js';

/**
 * bpftool's workflow across separate invocations of the real bin/bpfscope, on one
 * store: load and pin, run, dump, update, run again, unpin.
 */
const PIN = '/sys/fs/bpf/wf';
const MAPS = '/sys/fs/bpf/wf_maps';
const PACKET = 'test/packets/ipv4-udp.bin';

function store(): { dir: string; run: (...args: string[]) => ReturnType<typeof bpfscope> } {
  const dir = mkdtempSync(join(tmpdir(), 'bpfscope-wf-'));
  return { dir, run: (...args) => bpfscope(['--state', dir, ...args]) };
}

function counter(run: (...args: string[]) => ReturnType<typeof bpfscope>, index: number): bigint {
  const r = run('-j', 'map', 'lookup', 'pinned', `${MAPS}/counters`, 'key', String(index), '0', '0', '0');
  expect(r.stderr).toBe('');
  return BigInt((JSON.parse(r.stdout) as { formatted: { value: number | string } }).formatted.value);
}

describe('the bpftool workflow through bin/bpfscope', () => {
  const s = store();
  afterAll(() => rmSync(s.dir, { recursive: true, force: true }));

  it('loadall pins every program and, with pinmaps, every map', () => {
    const r = s.run('prog', 'loadall', 'objects/maps.o', PIN, 'pinmaps', MAPS);
    expect(r).toMatchObject({ status: 0, stdout: '', stderr: '' });
    const progs = JSON.parse(s.run('-j', 'prog', 'show').stdout) as { name: string }[];
    expect(progs.map((p) => p.name).sort()).toEqual(['maps_main', 'maps_tail']);
    expect(s.run('prog', 'show', 'pinned', `${PIN}/maps_main`).stdout).toMatch(/^\d+: xdp  name maps_main  tag /);
    expect(s.run('map', 'show', 'pinned', `${MAPS}/counters`).stdout).toMatch(/^\d+: array  name counters  flags 0x0\n/);
  });

  it('a run changes the maps, and the next invocation sees it', () => {
    const r = s.run('prog', 'run', 'pinned', `${PIN}/maps_main`, 'data_in', PACKET);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Return value: 2, duration: \d+ns\n$/);
    // maps_main adds 1 to counters[0] and tail-calls maps_tail (jumps[1]), which adds 0x100.
    expect(counter(s.run, 0)).toBe(0x101n);
    expect(s.run('map', 'dump', 'pinned', `${MAPS}/by_len`).stdout).toBe('[{\n        "key": 58,\n        "value": 1\n    }\n]\n');
  });

  it('an update is seen by the next run', () => {
    expect(s.run('map', 'update', 'pinned', `${MAPS}/counters`, 'key', '0', '0', '0', '0', 'value', 'hex', '00', '10', '00', '00', '00', '00', '00', '00')).toMatchObject({ status: 0, stdout: '' });
    expect(s.run('map', 'delete', 'pinned', `${MAPS}/jumps`, 'key', '1', '0', '0', '0')).toMatchObject({ status: 0 });
    expect(s.run('prog', 'run', 'pinned', `${PIN}/maps_main`, 'data_in', PACKET, 'repeat', '3').status).toBe(0);
    expect(counter(s.run, 0)).toBe(0x1000n + 3n);
    expect(s.run('map', 'lookup', 'pinned', `${MAPS}/by_len`, 'key', '58', '0', '0', '0').stdout).toBe('{\n    "key": 58,\n    "value": 4\n}\n');
  });

  it('unpinning a program unloads it; its maps stay while pinned; ids only grow', () => {
    const before = JSON.parse(s.run('-j', 'prog', 'show').stdout) as { id: number; name: string }[];
    expect(s.run('unpin', `${PIN}/maps_tail`)).toMatchObject({ status: 0, stdout: '', stderr: '' });
    const after = JSON.parse(s.run('-j', 'prog', 'show').stdout) as { id: number; name: string }[];
    expect(after.map((p) => p.name)).toEqual(['maps_main']);
    expect(counter(s.run, 0)).toBe(0x1003n);
    expect(s.run('unpin', PIN).status).toBe(0);
    expect(s.run('prog', 'show').stdout).toBe('');
    expect(s.run('map', 'show', 'pinned', `${MAPS}/counters`).status).toBe(0);
    expect(s.run('unpin', MAPS).status).toBe(0);
    expect(s.run('map', 'show').stdout).toBe('');
    expect(s.run('unpin', MAPS)).toMatchObject({ status: 254, stderr: `Error: can't unpin (${MAPS}): No such file or directory\n` });
    s.run('prog', 'load', 'objects/maps.o', PIN);
    const again = JSON.parse(s.run('-j', 'prog', 'show').stdout) as { id: number }[];
    expect(again).toHaveLength(1);
    expect(again[0]!.id).toBeGreaterThan(Math.max(...before.map((p) => p.id)));
  });

  it('prog load keeps only the first program; maps nothing holds are gone when the command ends', () => {
    expect(s.run('map', 'show', 'name', 'inner_b').stdout).toBe('');
    expect(s.run('prog', 'load', 'objects/maps.o', PIN)).toMatchObject({ status: 255, stderr: expect.stringContaining('Error: failed to pin program xdp\n') });
    expect(s.run('unpin', PIN).status).toBe(0);
  });
});

describe('a prog array no pin holds loses its slots when the command ends, as the kernel clears it', () => {
  const s = store();
  afterAll(() => rmSync(s.dir, { recursive: true, force: true }));
  it('without pinmaps the tail call finds no program', () => {
    expect(s.run('prog', 'loadall', 'objects/maps.o', PIN).status).toBe(0);
    expect(s.run('prog', 'run', 'pinned', `${PIN}/maps_main`, 'data_in', PACKET).status).toBe(0);
    const counters = s.run('map', 'dump', 'name', 'counters').stdout;
    expect(counters).toContain('"key": 0,\n        "value": 1\n');
  });
});

/** Runs bin/bpfscope without waiting: many at once. */
function spawnCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, TZ: 'UTC' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('concurrent invocations never lose an update', () => {
  const s = store();
  afterAll(() => rmSync(s.dir, { recursive: true, force: true }));
  it('eight processes each running a counter program 100 times leave exactly 800', async () => {
    expect(s.run('prog', 'loadall', 'objects/maps.o', PIN, 'pinmaps', MAPS).status).toBe(0);
    // Without the tail call, maps_main adds exactly 1 to counters[0] per run.
    expect(s.run('map', 'delete', 'pinned', `${MAPS}/jumps`, 'key', '1', '0', '0', '0').status).toBe(0);
    const runs = await Promise.all(
      Array.from({ length: 8 }, () => spawnCli(['--state', s.dir, 'prog', 'run', 'pinned', `${PIN}/maps_main`, 'data_in', PACKET, 'repeat', '100'])),
    );
    for (const r of runs) expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(counter(s.run, 0)).toBe(800n);
    // The hash keyed by packet length counted the same runs.
    expect(s.run('map', 'lookup', 'pinned', `${MAPS}/by_len`, 'key', '58', '0', '0', '0').stdout).toBe('{\n    "key": 58,\n    "value": 800\n}\n');
  }, 120_000);

  it('concurrent map updates of different keys all land', async () => {
    expect(s.run('map', 'create', '/sys/fs/bpf/conc', 'type', 'hash', 'key', '4', 'value', '4', 'entries', '64', 'name', 'conc').status).toBe(0);
    const updates = await Promise.all(
      Array.from({ length: 8 }, (_, i) => spawnCli(['--state', s.dir, 'map', 'update', 'pinned', '/sys/fs/bpf/conc', 'key', String(i), '0', '0', '0', 'value', String(i), '0', '0', '0'])),
    );
    for (const r of updates) expect(r.status).toBe(0);
    expect(s.run('map', 'dump', 'pinned', '/sys/fs/bpf/conc').stdout).toMatch(/Found 8 elements\n$/);
  }, 120_000);
});

describe('prog tracelog', () => {
  const s = store();
  afterAll(() => rmSync(s.dir, { recursive: true, force: true }));
  it('prints the trace_printk records of earlier runs once, as trace_pipe does', () => {
    expect(s.run('prog', 'load', 'objects/globals.o', '/sys/fs/bpf/g').status).toBe(0);
    // xdp_globals prints "big packet\n" for packets of big_packet (512) bytes or more.
    expect(s.run('prog', 'run', 'pinned', '/sys/fs/bpf/g', 'data_in', 'test/packets/ipv4-udp-1500.bin', 'repeat', '2').status).toBe(0);
    expect(s.run('prog', 'run', 'pinned', '/sys/fs/bpf/g', 'data_in', PACKET).status).toBe(0);
    const record = / {8}bpfscope-\d+ +\[000\] \S+ +\d+\.\d{6}: bpf_trace_printk: big packet\n\n/;
    const plain = s.run('prog', 'tracelog');
    expect(plain.status).toBe(0);
    expect(plain.stdout).toMatch(new RegExp(`^(${record.source}){2}$`));
    expect(s.run('prog', 'tracelog').stdout).toBe('');
    expect(s.run('prog', 'run', 'pinned', '/sys/fs/bpf/g', 'data_in', 'test/packets/ipv4-udp-1500.bin').status).toBe(0);
    const json = JSON.parse(s.run('-j', 'prog', 'tracelog').stdout) as string[];
    expect(json).toHaveLength(2);
    expect(json[0]).toMatch(/: bpf_trace_printk: big packet\n$/);
    expect(json[1]).toBe('\n');
  });
});

describe('btf commands on the store', () => {
  const s = store();
  afterAll(() => rmSync(s.dir, { recursive: true, force: true }));
  it('btf show lists the loaded objects\' BTF; btf dump takes pinned programs and maps', () => {
    expect(s.run('prog', 'loadall', 'objects/maps.o', PIN, 'pinmaps', MAPS).status).toBe(0);
    expect(s.run('btf', 'show').stdout).toMatch(/^1: name <anon>  size \d+B  prog_ids 2,1  map_ids [\d,]+\n$/);
    expect(s.run('btf', 'dump', 'map', 'pinned', `${MAPS}/counters`).stdout).toBe("[8] TYPEDEF '__u32' type_id=9\n[29] TYPEDEF '__u64' type_id=30\n");
    expect(s.run('btf', 'dump', 'prog', 'pinned', `${PIN}/maps_main`).stdout).toBe(s.run('btf', 'dump', 'id', '1').stdout);
    expect(s.run('btf', 'dump', 'map', 'pinned', `${PIN}/maps_main`)).toMatchObject({ status: 255, stderr: 'Error: incorrect object type: prog\n' });
  });
});
