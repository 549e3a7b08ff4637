import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bpfscope } from '../helpers/cli.js';

describe('bpfscope asm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfscope-asm-'));
  const file = join(dir, 'p.asm');
  writeFileSync(file, 'lddw %r0, 0x1122334455667788 # two slots\nexit\n');

  it('prints one slot per line as hex', () => {
    const r = bpfscope(['asm', file]);
    expect(r).toEqual({ status: 0, stdout: '1800000088776655\n0000000044332211\n9500000000000000\n', stderr: '' });
  });

  it('prints a JSON array of the slots with -j', () => {
    expect(JSON.parse(bpfscope(['-j', 'asm', file]).stdout)).toEqual(['1800000088776655', '0000000044332211', '9500000000000000']);
  });

  it('writes the raw bytes to a file', () => {
    const out = join(dir, 'p.bin');
    expect(bpfscope(['asm', file, 'file', out]).status).toBe(0);
    expect(readFileSync(out).toString('hex')).toBe('180000008877665500000000443322119500000000000000');
  });

  it('reads standard input for -', () => {
    expect(bpfscope(['asm', '-'], { input: 'mov32 %r0, 7\nexit\n' }).stdout).toBe('b400000007000000\n9500000000000000\n');
  });

  it('names the file and line of bad assembly, exit code 255', () => {
    writeFileSync(join(dir, 'bad.asm'), 'mov %r0, 1\njne %r0, 1, nowhere\nexit\n');
    const r = bpfscope(['asm', join(dir, 'bad.asm')]);
    expect(r.status).toBe(255);
    expect(r.stderr).toBe(`Error: ${join(dir, 'bad.asm')}: line 2: undefined label 'nowhere'\n`);
    expect(JSON.parse(bpfscope(['-j', 'asm', join(dir, 'bad.asm')]).stdout)).toEqual({ error: `${join(dir, 'bad.asm')}: line 2: undefined label 'nowhere'` });
  });

  it('refuses extra words', () => {
    expect(bpfscope(['asm', file, 'bogus']).stderr).toBe("Error: unexpected argument: 'bogus'\n");
  });
});
