import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { bpfscope } from '../helpers/cli.js';
import { OBJECTS } from '../helpers/env.js';

/**
 * `--kconfig FILE` through the real binary: the config `__kconfig` externs are read from
 * (objects/kconfig.o, objects/kconfig.config), plain or gzipped, kept with an object the
 * store loads, and one error line where the file or a value is bad.
 */
const dir = mkdtempSync(join(tmpdir(), 'bpfscope-kconfig-'));
const sample = join(OBJECTS, 'kconfig.o');
const config = join(OBJECTS, 'kconfig.config');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The .kconfig map's value bytes as `-j map dump` prints them. */
function value(args: string[]): string[] {
  const r = bpfscope(['-j', ...args, 'map', 'dump', 'name', 'kconfig.kconfig']);
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { value: string[] }[])[0]!.value;
}

describe('--kconfig FILE', () => {
  it('fills the .kconfig map from the file, as libbpf lays it out', () => {
    // CONFIG_NR_CPUS (u64) at 0, the weak unset one at 8, the tristate at 12, CONFIG_HZ at 16, then the bool and the string.
    const hex = (...bytes: number[]) => bytes.map((b) => `0x${b.toString(16).padStart(2, '0')}`);
    expect(value(['--kconfig', config, '--object', sample])).toEqual(
      hex(0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0xe8, 3, 0, 0, 1, ...Buffer.from('(none)'), 0, 0),
    );
  });

  it('reads a gzipped file as a plain one', () => {
    const gz = join(dir, 'config.gz');
    writeFileSync(gz, gzipSync(readFileSync(config)));
    expect(value(['--kconfig', gz, '--object', sample])).toEqual(value(['--kconfig', config, '--object', sample]));
  });

  it('is kept with an object the store loads', () => {
    const state = join(dir, 'state');
    const load = bpfscope(['--state', state, '--kconfig', config, 'prog', 'loadall', sample, '/sys/fs/bpf/kconfig']);
    expect(load.status, load.stderr).toBe(0);
    expect(value(['--state', state])).toEqual(value(['--kconfig', config, '--object', sample]));
  });

  it('a file that cannot be read is one error line naming it', () => {
    const r = bpfscope(['--kconfig', join(dir, 'nope'), '--object', sample, 'prog', 'show']);
    expect(r.status).toBe(255);
    expect(r.stderr).toBe(`Error: ${join(dir, 'nope')}: cannot read the kconfig file\n`);
  });

  it('a strong extern the file lacks is one error line naming its first use', () => {
    const partial = join(dir, 'partial.config');
    writeFileSync(partial, readFileSync(config, 'utf8').replace(/^CONFIG_NR_CPUS=.*\n/m, ''));
    const r = bpfscope(['--kconfig', partial, '--object', sample, 'prog', 'show']);
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/^Error: .*kconfig\.o: section socket: program kconfig_values: insn \d+: extern 'CONFIG_NR_CPUS' \(strong\): not resolved\n$/);
  });
});
