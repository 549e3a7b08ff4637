import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bpfscope } from '../helpers/cli.js';
import { GOLDEN } from '../helpers/env.js';

/**
 * The map and prog-load command lines of test/golden/maps-cli/cases.txt, run in order
 * against one fresh store, each compared with what the real bpftool printed for it
 * (scripts/make-golden-maps-cli.sh). Masked: what only a kernel knows (ids, memlock of
 * maps the kernel sizes by its allocator) and libbpf's own log lines.
 */
const DIR = join(GOLDEN, 'maps-cli');
const PIN = '/sys/fs/bpf/bpfscope-golden';

interface Case {
  n: number;
  line: string;
  words: string[];
  keep: boolean;
}

function cases(): Case[] {
  const out: Case[] = [];
  let n = 0;
  for (const raw of readFileSync(join(DIR, 'cases.txt'), 'utf8').split('\n')) {
    if (raw === '' || raw.startsWith('#')) continue;
    const keep = !raw.startsWith('- ');
    const line = keep ? raw : raw.slice(2);
    out.push({ n: ++n, line, words: line.replaceAll('$PIN', PIN).split(/\s+/), keep });
  }
  return out;
}

/** Ids: the kernel's run into the thousands, the store's start at 1. */
function mask(text: string): string {
  return text
    .replace(/^\d+: /gm, 'ID: ')
    .replace(/"id":\s*\d+/g, '"id":ID')
    .replace(/^libbpf: .*\n/gm, '');
}

/** Cases whose output holds a kernel id as value bytes (an inner map's id in a map-in-map). */
const ID_VALUES = new Set(['map dump pinned $PIN/outer', '-j map dump pinned $PIN/outer']);

const present = existsSync(join(DIR, 'cases.txt')) && existsSync(join(DIR, '1.rc'));
if (!present) console.log('skipped map command golden tests: test/golden/maps-cli has no bpftool output (sudo bash scripts/make-golden-maps-cli.sh)');

describe.skipIf(!present)('map commands agree with bpftool 7.1 (test/golden/maps-cli)', () => {
  const state = mkdtempSync(join(tmpdir(), 'bpfscope-golden-'));
  afterAll(() => rmSync(state, { recursive: true, force: true }));
  const all = cases();
  const results = new Map<number, ReturnType<typeof bpfscope>>();
  const run = (c: Case) => {
    if (!results.has(c.n)) {
      for (const earlier of all) {
        if (earlier.n > c.n) break;
        if (!results.has(earlier.n)) results.set(earlier.n, bpfscope(['--state', state, ...earlier.words]));
      }
    }
    return results.get(c.n)!;
  };
  it.each(all.filter((c) => c.keep && !ID_VALUES.has(c.line)).map((c) => [c.n, c.line, c] as const))('%i: %s', (n, _line, c) => {
    const r = run(c);
    const expected = {
      stdout: mask(readFileSync(join(DIR, `${n}.out`), 'utf8')),
      stderr: mask(readFileSync(join(DIR, `${n}.err`), 'utf8')),
      status: Number(readFileSync(join(DIR, `${n}.rc`), 'utf8')),
    };
    expect({ stdout: mask(r.stdout), stderr: mask(r.stderr), status: r.status }).toEqual(expected);
  });
});
