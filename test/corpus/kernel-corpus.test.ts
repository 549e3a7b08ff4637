import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, missing, REPO, skipReason } from '../helpers/env.js';
import { corpusMissing, corpusObjects, partload } from '../helpers/corpus.js';
import { checkAgainstObjdump, programSymbols } from '../helpers/objdump-compare.js';
import { openObject } from '../../src/object/open.js';
import { NO_TARGET } from '../../src/object/target.js';
// @ts-expect-error: a plain ES module shared with compare.mjs, without types
import { compareObject } from './normalize.mjs';

/**
 * Every program of the real-world corpus that the real kernel loads (libbpf's loader,
 * one program at a time where the whole object fails) opens in bpfscope with the
 * kernel's type and tag, and `prog dump xlated` equals the kernel's up to what only the
 * kernel knows and the rewrites its verifier makes after proving a program
 * (normalize.mjs, test/golden/NOTES.md).
 */
const loader = partload();
const reason =
  corpusMissing() ??
  missing({ root: true, bpftool: true }) ??
  loader.reason ??
  (spawnSync('mountpoint', ['-q', '/sys/fs/bpf']).status === 0 ? undefined : 'bpffs is not mounted at /sys/fs/bpf');
const skip = skipReason(reason, 'the kernel corpus comparison');

interface Outcome {
  program: string;
  failure?: string;
  rewrites?: string[];
}

describe.skipIf(skip)('the corpus against the kernel', () => {
  let objDir = '';
  let refDir = '';
  beforeAll(() => {
    objDir = corpusObjects();
    refDir = mkdtempSync(join(tmpdir(), 'bpfscope-kref-'));
    for (const file of readdirSync(objDir).filter((f) => f.endsWith('.o')).sort()) {
      execFileSync('bash', [join(REPO, 'test/corpus/kernel-reference.sh'), loader.path!, join(objDir, file), join(refDir, file.slice(0, -2))], { stdio: 'ignore', timeout: 600_000 });
    }
  }, 1_800_000);
  afterAll(() => {
    if (refDir) rmSync(refDir, { recursive: true, force: true });
  });

  it('gives the kernel type, tag and instructions for every program the kernel loads', () => {
    const failed: string[] = [];
    let passed = 0;
    let rewritten = 0;
    for (const object of readdirSync(refDir).sort()) {
      for (const o of compareObject(BIN, join(objDir, `${object}.o`), join(refDir, object)) as Outcome[]) {
        if (o.failure) failed.push(`${object} ${o.program}: ${o.failure}`);
        else passed++;
        if (o.rewrites) rewritten++;
      }
    }
    const known = new Map(
      readFileSync(join(REPO, 'test/corpus/known-differences.txt'), 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => [l.slice(0, l.indexOf(':')), l] as const),
    );
    const unexpected = failed.filter((f) => !known.has(f.slice(0, f.indexOf(':'))));
    const fixed = [...known.keys()].filter((k) => !failed.some((f) => f.startsWith(`${k}:`)));
    for (const f of failed) console.log(`corpus FAIL ${f}${known.has(f.slice(0, f.indexOf(':'))) ? ' (known)' : ''}`);
    console.log(`corpus: ${passed - rewritten} equal, ${rewritten} equal up to the kernel's post-verification rewrites`);
    console.log(`corpus: ${passed} passed, ${failed.length} failed`);
    expect(passed).toBeGreaterThan(0);
    expect(unexpected).toEqual([]);
    // Only where the programs are there to compare can a known difference be seen gone.
    if (passed + failed.length > 200) expect(fixed).toEqual([]);
  }, 600_000);

  it.skipIf(skipReason(missing({ objdump: true }), 'refused corpus objects against llvm-objdump'))(
    'opens the objects libbpf refuses, with the programs their sections hold, as llvm-objdump shows them',
    () => {
      const refused = readdirSync(refDir)
        .filter((n) => /^open failed/m.test(readFileSync(join(refDir, n, 'partload.txt'), 'utf8')))
        .sort();
      for (const name of refused) {
        const file = join(objDir, `${name}.o`);
        const spec = openObject(file, undefined, { target: NO_TARGET });
        expect(spec.programs.map((p) => p.name).sort(), name).toEqual(programSymbols(file));
        const { problems, compared } = checkAgainstObjdump(file, spec);
        expect(problems, name).toEqual([]);
        expect(compared, name).toBeGreaterThanOrEqual(spec.programs.length);
      }
      console.log(`corpus: ${refused.length} objects libbpf refuses opened and equal to llvm-objdump`);
      expect(refused.length).toBeGreaterThan(0);
    },
  );
});
