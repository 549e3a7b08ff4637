import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { batchCommands } from '../../src/cli/batch.js';
import { bpfscope } from '../helpers/cli.js';
import { GOLDEN } from '../helpers/env.js';

const DIR = join(GOLDEN, 'maps-cli');
const PIN = '/sys/fs/bpf/bpfscope-golden';

describe('batch files are read as bpftool reads them', () => {
  it('comments, blank lines, quotes, continuation lines', () => {
    expect(batchCommands('map show # all\n\n"map" \'dump\' id 1\nmap \\\n  update id 2 # x\n')).toEqual([
      { words: ['map', 'show'] },
      { words: ['map', 'dump', 'id', '1'] },
      { words: ['map', 'update', 'id', '2'] },
    ]);
    // A quote only opens a word at its start; the closing quote ends the word.
    expect(batchCommands('a"b" "c d"e\n')).toEqual([{ words: ['a"b"', 'c d', 'e'] }]);
    // '#' ends the line even inside quotes.
    expect(batchCommands('map "a # b"\n')).toEqual({ error: 'unterminated quoted string in command 0' });
    expect(batchCommands('map show\nmap \\\n')).toEqual({ error: 'missing continuation line on command 1' });
  });
});

describe('batch with --object: one invocation, one in-memory store', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfscope-batch-object-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  it('an update is seen by the next line, and nothing is kept afterwards', () => {
    const file = join(tmp, 'b.txt');
    writeFileSync(file, 'map update name counters key 1 0 0 0 value 9 0 0 0 0 0 0 0\nmap lookup name counters key 1 0 0 0\n');
    const r = bpfscope(['--object', 'objects/maps.o', 'batch', 'file', file]);
    expect(r).toMatchObject({ status: 0, stderr: '', stdout: '{\n    "key": 1,\n    "value": 9\n}\nprocessed 2 commands\n' });
    expect(bpfscope(['--object', 'objects/maps.o', 'map', 'lookup', 'name', 'counters', 'key', '1', '0', '0', '0']).stdout).toBe('{\n    "key": 1,\n    "value": 0\n}\n');
  });
});

const present = (() => {
  try {
    readFileSync(join(DIR, 'batch.plain.rc'));
    return true;
  } catch {
    return false;
  }
})();
if (!present) console.log('skipped batch golden tests: no bpftool output in test/golden/maps-cli (sudo bash scripts/make-golden-maps-cli.sh)');

describe.skipIf(!present)('batch file agrees with bpftool 7.1', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfscope-batch-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const golden = (f: string) => readFileSync(join(DIR, f), 'utf8');

  it.each(['batch', 'batch-error'].flatMap((b) => ['plain', 'j', 'p'].map((m) => [b, m] as const)))('%s, %s', (b, mode) => {
    const state = mkdtempSync(join(tmp, 'state-'));
    const file = join(tmp, `${b}.${mode}.txt`);
    writeFileSync(file, golden(`${b}.txt`).replaceAll('$PIN', PIN));
    const r = bpfscope(['--state', state, ...(mode === 'plain' ? [] : [`-${mode}`]), 'batch', 'file', file]);
    expect(r.stdout).toBe(golden(`${b}.${mode}.out`));
    expect(r.status).toBe(Number(golden(`${b}.${mode}.rc`)));
    // `map help` prints bpfscope's usage where bpftool prints its own.
    if (!golden(`${b}.${mode}.err`).startsWith('Usage:')) expect(r.stderr).toBe(golden(`${b}.${mode}.err`));
  });

  it('errors of the batch command itself', () => {
    expect(bpfscope(['batch', 'file'])).toMatchObject({ status: 255, stderr: 'Error: too few parameters for batch\n' });
    expect(bpfscope(['batch', 'file', 'a', 'b'])).toMatchObject({ status: 255, stderr: 'Error: too many parameters for batch\n' });
    expect(bpfscope(['batch', 'fil', '/nonexistent'])).toMatchObject({ status: 255, stderr: "Error: Can't open file (/nonexistent): No such file or directory\n" });
  });
});
