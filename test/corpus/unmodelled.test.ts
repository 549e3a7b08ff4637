import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BpfscopeError } from '../../src/errors.js';
import { openObject } from '../../src/object/open.js';
import { load } from '../../src/vm/run.js';
import { REPO, skipReason } from '../helpers/env.js';
import { corpusMissing, corpusObjects } from '../helpers/corpus.js';

/**
 * Every helper, kfunc, map type and program type the programs of ../shared/corpus need
 * and bpfscope's VM does not model: each is what `prog run` names when it refuses the
 * run. The list is kept in docs/vm.md; this test says when it is out of date.
 */
const reason = corpusMissing();

/** A subject as docs/vm.md lists it: helpers and kfuncs as named, maps by type, program types as named. */
function listed(subject: string): string {
  const map = /^(\S+) map /.exec(subject);
  return map ? `${map[1]} maps` : subject;
}

function documented(): string[] {
  const text = readFileSync(join(REPO, 'docs', 'vm.md'), 'utf8');
  const at = text.indexOf('### What corpus programs need that the VM does not model');
  const block = /```text\n([\s\S]*?)```/.exec(text.slice(at));
  if (at < 0 || !block) throw new Error('docs/vm.md lost its list of what corpus programs need');
  return block[1]!.split('\n').filter(Boolean).map((l) => l.replace(/ \(\d+ programs?\)$/, ''));
}

describe.skipIf(skipReason(reason, 'what corpus programs need of the VM'))('what the corpus needs that the VM does not model', () => {
  it('is what docs/vm.md lists, and everything else runs', () => {
    const dir = corpusObjects();
    const needs = new Map<string, number>();
    let programs = 0;
    let complete = 0;
    const unloadable: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.o')).sort()) {
      let obj: ReturnType<typeof load>;
      try {
        obj = load(openObject(join(dir, file)));
      } catch (e) {
        // Objects whose load fails as libbpf's does (bcc's tools that size maps at run time) have no programs to run.
        if (!(e instanceof BpfscopeError)) throw e;
        unloadable.push(file);
        continue;
      }
      for (const p of obj.programs) {
        programs++;
        const subjects = [...new Set(p.unmodelled().map(listed))];
        if (subjects.length === 0) complete++;
        for (const s of subjects) needs.set(s, (needs.get(s) ?? 0) + 1);
      }
    }
    const found = [...needs.keys()].sort();
    console.log(`corpus: ${unloadable.length} objects fail to load as with libbpf (${unloadable.join(', ')})`);
    console.log(`corpus: ${programs} programs, ${complete} with nothing the VM lacks; ${found.length} things lacked:`);
    for (const s of found) console.log(`  ${s} (${needs.get(s)} programs)`);
    expect(documented()).toEqual(found);
  }, 300_000);
});
