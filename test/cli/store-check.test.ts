import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { bpfscope } from '../helpers/cli.js';
import { BIN, REPO } from '../helpers/env.js';

function withEnv(args: string[], env: Record<string, string>): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, BPFSCOPE_STATE: '', ...env } });
  return { stdout: r.stdout, stderr: r.stderr };
}

/** A damaged store gives one error naming the file and the way out; stale locks are broken. */
describe('store check and store reset', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfscope-check-'));
    dirs.push(dir);
    return { dir, run: (...args: string[]) => bpfscope(['--state', dir, ...args]) };
  };

  it('an empty store checks and shows nothing', () => {
    const s = fresh();
    expect(s.run('store', 'check')).toMatchObject({ status: 0, stdout: `${s.dir}: ok: 0 programs, 0 maps, 0 pins\n`, stderr: '' });
    expect(s.run('-j', 'store', 'check').stdout).toBe(`{"state":${JSON.stringify(s.dir)},"programs":0,"maps":0,"pins":0}\n`);
    expect(s.run('map', 'show')).toMatchObject({ status: 0, stdout: '' });
  });

  it('a state file that is not JSON: one line naming it, for every command, until reset', () => {
    const s = fresh();
    expect(s.run('map', 'create', '/sys/fs/bpf/m', 'type', 'array', 'key', '4', 'value', '4', 'entries', '1', 'name', 'm').status).toBe(0);
    writeFileSync(join(s.dir, 'state.json'), '{"format":"bpfscope-store",');
    const file = join(s.dir, 'state.json');
    for (const args of [['map', 'show'], ['store', 'check'], ['map', 'dump', 'pinned', '/sys/fs/bpf/m']]) {
      const r = s.run(...args);
      expect(r.status).toBe(255);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^Error: store file ${file.replace(/[/.]/g, '\\$&')} is damaged \\(not JSON: [^\\n]*\\); run 'bpfscope store check' for details or 'bpfscope store reset' to start empty\\n$`));
    }
    expect(s.run('store', 'reset')).toMatchObject({ status: 0, stdout: '', stderr: '' });
    expect(s.run('map', 'show')).toMatchObject({ status: 0, stdout: '' });
  });

  it('a state file of the wrong shape, and an object copy gone missing', () => {
    const s = fresh();
    writeFileSync(join(s.dir, 'state.json'), '{"format":"bpfscope-store","version":1,"generation":1,"cpus":2,"last":{"prog":0,"map":0,"btf":0},"objects":[],"maps":[{"id":1}],"pins":[]}');
    expect(s.run('map', 'show').stderr).toContain('is damaged (a map record without id or frozen)');
    expect(s.run('store', 'reset').status).toBe(0);
    expect(s.run('prog', 'load', 'objects/xdp.o', '/sys/fs/bpf/xdp').status).toBe(0);
    const objects = join(s.dir, 'objects');
    for (const f of readdirSync(objects)) rmSync(join(objects, f));
    const r = s.run('prog', 'show');
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/^Error: store file .*\/objects\/[0-9a-f]{64}\.o is damaged \(missing, needed by objects\/xdp\.o\); run 'bpfscope store check'/);
  });

  it('map contents the map refuses: one line naming the state file and the map, and store check reports it', () => {
    const s = fresh();
    expect(s.run('map', 'create', '/sys/fs/bpf/a', 'type', 'array', 'key', '4', 'value', '4', 'entries', '2', 'name', 'a').status).toBe(0);
    expect(s.run('map', 'update', 'name', 'a', 'key', '1', '0', '0', '0', 'value', '7', '0', '0', '0').status).toBe(0);
    const file = join(s.dir, 'state.json');
    // A value of 2 bytes for a map of 4-byte values: well-formed JSON, wrong contents.
    writeFileSync(file, readFileSync(file, 'utf8').replace('["01000000","07000000"]', '["01000000","0700"]'));
    const expected = `Error: store file ${file} is damaged (map 1 (a) does not load from its record: element 1 refused: Bad address); run 'bpfscope store check' for details or 'bpfscope store reset' to start empty\n`;
    for (const args of [['map', 'dump', 'name', 'a'], ['store', 'check']]) expect(s.run(...args)).toMatchObject({ status: 255, stdout: '', stderr: expected });
    // Contents that are not even hex are caught when the file is read.
    writeFileSync(file, readFileSync(file, 'utf8').replace('"0700"', '"zz"'));
    expect(s.run('map', 'show').stderr).toBe(`Error: store file ${file} is damaged (map 1: bad contents); run 'bpfscope store check' for details or 'bpfscope store reset' to start empty\n`);
    expect(s.run('store', 'reset').status).toBe(0);
    expect(s.run('store', 'check').status).toBe(0);
  });

  it('a damaged trace log: store check reports it as prog run and prog tracelog do; records of an uncommitted save are left out', () => {
    const s = fresh();
    expect(s.run('prog', 'load', 'objects/globals.o', '/sys/fs/bpf/g').status).toBe(0);
    const trace = join(s.dir, 'trace.log');
    const damage = (why: string) => `Error: store file ${trace} is damaged (${why}); run 'bpfscope store check' for details or 'bpfscope store reset' to start empty\n`;
    // A small packet: the program prints nothing, so stderr holds only the error.
    const run = ['prog', 'run', 'pinned', '/sys/fs/bpf/g', 'data_in', 'test/packets/ipv4-udp.bin'];
    for (const [text, why] of [
      ['[1,"ok"]\nnot json\n', 'line 2 is not a trace record'],
      ['"a line of an older format"\n', 'line 1 is not a trace record'],
      // The log is only ever replaced whole, so a line cut short is damage, not a write in progress.
      ['[1,"ok"]\n[1,"cut', 'line 2 has no newline at its end'],
    ] as const) {
      writeFileSync(trace, text);
      for (const args of [['store', 'check'], ['prog', 'tracelog'], run]) expect(s.run(...args)).toMatchObject({ status: 255, stdout: '', stderr: damage(why) });
    }
    // A record newer than the saved state is a killed writer's, whose run never counted.
    const generation = (JSON.parse(readFileSync(join(s.dir, 'state.json'), 'utf8')) as { generation: number }).generation;
    writeFileSync(trace, `[${generation},"committed\\n"]\n[${generation + 1},"uncommitted\\n"]\n`);
    expect(s.run('store', 'check')).toMatchObject({ status: 0, stderr: '' });
    expect(s.run('prog', 'tracelog')).toMatchObject({ status: 0, stdout: 'committed\n' });
    expect(s.run('prog', 'tracelog')).toMatchObject({ status: 0, stdout: '' });
    expect(readFileSync(trace, 'utf8')).toBe('');
  });

  it('--object works on its own objects whatever the store holds', () => {
    const s = fresh();
    writeFileSync(join(s.dir, 'state.json'), 'garbage');
    expect(s.run('--object', 'objects/xdp.o', 'map', 'show').status).toBe(0);
    expect(s.run('--object', 'objects/xdp.o', 'store', 'check').stderr).toBe("Error: store commands work on the state directory, not on objects given with --object\n");
  });

  it('a lock left by a dead process, or left empty by one killed while creating it, is broken', () => {
    const s = fresh();
    expect(s.run('store', 'reset').status).toBe(0);
    // Pid 2^22 + 1 is above Linux's pid_max limit, so no process has it.
    writeFileSync(join(s.dir, 'lock'), `${2 ** 22 + 1} 12345\n`);
    expect(s.run('map', 'create', '/sys/fs/bpf/a', 'type', 'array', 'key', '4', 'value', '4', 'entries', '1', 'name', 'a').status).toBe(0);
    writeFileSync(join(s.dir, 'lock'), '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(s.dir, 'lock'), old, old);
    expect(s.run('map', 'create', '/sys/fs/bpf/b', 'type', 'array', 'key', '4', 'value', '4', 'entries', '1', 'name', 'b').status).toBe(0);
    expect(s.run('map', 'show').stdout).toMatch(/^1: array  name a .*\n.*\n2: array  name b /);
  });

  it('BPFSCOPE_STATE and XDG_STATE_HOME choose the directory', () => {
    const s = fresh();
    const viaEnv = withEnv(['store', 'check'], { BPFSCOPE_STATE: s.dir });
    expect(viaEnv.stdout).toBe(`${s.dir}: ok: 0 programs, 0 maps, 0 pins\n`);
    const viaXdg = withEnv(['store', 'check'], { XDG_STATE_HOME: s.dir });
    expect(viaXdg.stdout).toBe(`${join(s.dir, 'bpfscope')}: ok: 0 programs, 0 maps, 0 pins\n`);
  });
});
