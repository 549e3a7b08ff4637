import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BpfscopeError, RelocationError } from '../../../src/errors.js';
import { openObject } from '../../../src/object/open.js';
import { loadTarget, NO_TARGET, type LoadTarget } from '../../../src/object/target.js';
import type { ObjectSpec } from '../../../src/object/spec.js';
import { missing, REPO, skipReason } from '../../helpers/env.js';
import { shuffledVmlinux } from './layout-target.js';
import { buildTool, coreReloCount, insnDiffs, libbpfMissing, libbpfRelocate } from './libbpf-relocs.js';

/**
 * bpfscope's CO-RE relocation against libbpf's own: for each object, the instructions
 * libbpf hands the kernel (test/tools/libbpf-relocs.c, on the machine's libbpf) and
 * ProgramSpec.insns must be the same, up to map references, for every program libbpf
 * hands over. Targets: (a) the running kernel's BTF, (b) a vmlinux BTF that is not the
 * running kernel's: test/object/core/objects/kernel.o for the sample objects there, and
 * for the corpus the running kernel's types with every struct's members reversed and
 * every enum renumbered (layout-target.ts, compiled by clang).
 */

const SAMPLES = join(REPO, 'test', 'object', 'core', 'objects');
const SAMPLE_OBJECTS = ['fields', 'task', 'types', 'enums', 'poison'].map((s) => join(SAMPLES, `${s}.o`));
const SAMPLE_TARGET = join(SAMPLES, 'kernel.o');
const VMLINUX = '/sys/kernel/btf/vmlinux';
const CORPUS = process.env.CORPUS_OBJ ?? '/tmp/corpus/obj';

const reason = libbpfMissing();
const noVmlinux = existsSync(VMLINUX) ? undefined : `${VMLINUX} is missing (a kernel without BTF)`;
const noCorpus = existsSync(CORPUS)
  ? undefined
  : `no corpus objects in ${CORPUS} (build them with OUT=/tmp/corpus bash ../shared/corpus/build.sh, or set CORPUS_OBJ to their folder)`;
const noShuffle = missing({ clang: true, bpftool: true });

let tool = '';
let dir = '';
beforeAll(() => {
  if (reason) return;
  dir = mkdtempSync(join(tmpdir(), 'bpfscope-core-'));
  tool = buildTool(dir);
});

interface Outcome {
  /** Programs compared with libbpf's. */
  compared: number;
  /** Programs whose instructions changed from the compiled ones (so relocation did something). */
  relocated: number;
  diffs: string[];
  /** Objects or programs not compared, and why (what belongs to other parts of loading). */
  notCompared: string[];
}

function compare(objects: string[], target: LoadTarget, targetPath: string | undefined): Outcome {
  const out: Outcome = { compared: 0, relocated: 0, diffs: [], notCompared: [] };
  for (const obj of objects) {
    const name = obj.slice(obj.lastIndexOf('/') + 1);
    const theirs = libbpfRelocate(tool, obj, targetPath);
    let ours: ObjectSpec;
    let compiled: ObjectSpec;
    try {
      ours = openObject(obj, undefined, { target });
      compiled = openObject(obj, undefined, { target: NO_TARGET });
    } catch (e) {
      if (!(e instanceof BpfscopeError)) throw e;
      const prog = e.context.program;
      if (e instanceof RelocationError && e.reason.includes('CO-RE') && !('error' in theirs) && !(prog && theirs.skipped.has(prog))) {
        out.diffs.push(`${name}: bpfscope refuses what libbpf relocates: ${e.message}`);
      } else {
        out.notCompared.push(`${name}: bpfscope: ${e.message}`);
      }
      continue;
    }
    if ('error' in theirs) {
      out.notCompared.push(`${name}: libbpf: ${theirs.error}`);
      continue;
    }
    for (const [prog, why] of theirs.skipped) out.notCompared.push(`${name} ${prog}: libbpf: ${why}`);
    for (const [prog, insns] of theirs.programs) {
      const mine = ours.programs.find((p) => p.name === prog);
      if (!mine) {
        out.diffs.push(`${name} ${prog}: bpfscope has no such program`);
        continue;
      }
      out.compared++;
      const d = insnDiffs(mine.insns, insns);
      if (d.length) out.diffs.push(`${name} ${prog}: ${d.length} differences, first: ${d.slice(0, 3).join('; ')}`);
      const before = compiled.programs.find((p) => p.name === prog)!;
      if (insnDiffs(mine.insns, before.insns).length > 0) out.relocated++;
    }
  }
  return out;
}

function report(what: string, o: Outcome): void {
  console.log(`${what}: ${o.compared} programs compared, ${o.relocated} of them relocated, ${o.diffs.length} differ; not compared: ${o.notCompared.length}`);
  for (const line of o.notCompared) console.log(`  not compared: ${line}`);
}

function corpusObjects(): string[] {
  return readdirSync(CORPUS)
    .filter((f) => f.endsWith('.o'))
    .sort()
    .map((f) => join(CORPUS, f))
    .filter((f) => coreReloCount(f) > 0);
}

describe('CO-RE relocation equals libbpf 1.x', () => {
  it.skipIf(skipReason(reason ?? noVmlinux, 'CO-RE against libbpf with the running kernel'))('sample objects, the running kernel\'s BTF', () => {
    const o = compare(SAMPLE_OBJECTS, loadTarget(), undefined);
    report('samples, running kernel', o);
    expect(o.diffs).toEqual([]);
    expect(o.compared).toBe(7);
  });

  it.skipIf(skipReason(reason, 'CO-RE against libbpf with a BTF of another kernel'))('sample objects, another kernel\'s BTF (objects/kernel.o)', () => {
    const o = compare(SAMPLE_OBJECTS, loadTarget({ btf: SAMPLE_TARGET }), SAMPLE_TARGET);
    report('samples, kernel.o', o);
    expect(o.diffs).toEqual([]);
    expect(o.compared).toBe(7);
    expect(o.relocated).toBe(7);
  });

  it.skipIf(skipReason(reason, 'CO-RE ambiguity against libbpf'))('refuses an ambiguous relocation where libbpf does, naming the program', () => {
    const obj = join(SAMPLES, 'ambiguous.o');
    const theirs = libbpfRelocate(tool, obj, SAMPLE_TARGET);
    expect('error' in theirs ? theirs.error : [...theirs.skipped.keys()]).toEqual(['ambiguous']);
    expect(() => openObject(obj, undefined, { target: loadTarget({ btf: SAMPLE_TARGET }) })).toThrow(
      /ambiguous\.o: section kprobe\/do_nanosleep: program ambiguous: insn 1: CO-RE relocation #0 .*field offset ambiguity/,
    );
  });

  it.skipIf(skipReason(reason ?? noVmlinux ?? noCorpus, 'CO-RE of the corpus against libbpf with the running kernel'))('corpus objects, the running kernel\'s BTF', () => {
    const o = compare(corpusObjects(), loadTarget(), undefined);
    report('corpus, running kernel', o);
    expect(o.diffs).toEqual([]);
    expect(o.compared).toBeGreaterThan(0);
  }, 300_000);

  it.skipIf(skipReason(reason ?? noVmlinux ?? noCorpus ?? noShuffle, 'CO-RE of the corpus against libbpf with a reshuffled vmlinux'))(
    'corpus objects, a vmlinux BTF with every struct reversed',
    () => {
      const header = execFileSync('bpftool', ['btf', 'dump', 'file', VMLINUX, 'format', 'c'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const source = join(dir, 'other-kernel.c');
      const target = join(dir, 'other-kernel.o');
      writeFileSync(source, shuffledVmlinux(header));
      execFileSync('clang', ['-g', '-O0', '-target', 'bpf', '-c', source, '-o', target]);
      const o = compare(corpusObjects(), loadTarget({ btf: target }), target);
      report('corpus, reshuffled vmlinux', o);
      expect(o.diffs).toEqual([]);
      expect(o.relocated).toBeGreaterThan(0);
    },
    600_000,
  );
});
