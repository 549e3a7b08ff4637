import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BpfscopeError } from '../../../src/errors.js';
import { openObject } from '../../../src/object/open.js';
import { loadTarget } from '../../../src/object/target.js';
import { skipReason } from '../../helpers/env.js';
import { coreReloCount } from './libbpf-relocs.js';

/**
 * The kernel's tags of CO-RE programs: for every corpus object with CO-RE relocations
 * that the real kernel loaded (test/corpus/kernel-reference.sh wrote what bpftool says
 * of each program to KREF/<object>/<program>.show.json), the tag of bpfscope's
 * relocated program must be the kernel's. The tag digests the instructions libbpf
 * handed the kernel, so it checks relocation against the running kernel's BTF whatever
 * the kernel rewrites afterwards. Objects bpfscope cannot open yet (externs, section
 * names: other parts of loading) are listed, not failed.
 */
const CORPUS = process.env.CORPUS_OBJ ?? '/tmp/corpus/obj';
const KREF = process.env.KREF ?? '/tmp/kref';
const reason = !existsSync(CORPUS)
  ? `no corpus objects in ${CORPUS} (OUT=/tmp/corpus bash ../shared/corpus/build.sh, or set CORPUS_OBJ)`
  : !existsSync(KREF)
    ? `no kernel reference in ${KREF} (test/corpus/kernel-reference.sh, or set KREF)`
    : !existsSync('/sys/kernel/btf/vmlinux')
      ? '/sys/kernel/btf/vmlinux is missing'
      : undefined;

describe('CO-RE programs get the kernel\'s tags', () => {
  it.skipIf(skipReason(reason, 'the kernel tags of CO-RE programs'))('for every program the kernel loaded', () => {
    const target = loadTarget();
    const wrong: string[] = [];
    const unopened: string[] = [];
    let same = 0;
    for (const name of readdirSync(KREF).sort()) {
      const obj = join(CORPUS, `${name}.o`);
      const shows = existsSync(obj) ? readdirSync(join(KREF, name)).filter((f) => f.endsWith('.show.json')) : [];
      if (shows.length === 0 || coreReloCount(obj) === 0) continue;
      let programs;
      try {
        programs = openObject(obj, undefined, { target }).programs;
      } catch (e) {
        if (!(e instanceof BpfscopeError)) throw e;
        unopened.push(`${name} (${shows.length} programs): ${e.reason}`);
        continue;
      }
      for (const show of shows) {
        const program = show.slice(0, -'.show.json'.length);
        const kernel = JSON.parse(readFileSync(join(KREF, name, show), 'utf8')) as { tag: string };
        const ours = programs.find((p) => p.name === program);
        if (ours?.tag === kernel.tag) same++;
        else wrong.push(`${name} ${program}: ours ${ours?.tag ?? 'missing'}, kernel ${kernel.tag}`);
      }
    }
    console.log(`${same} CO-RE programs have the kernel's tag; objects not opened: ${unopened.length}`);
    for (const line of unopened) console.log(`  not opened: ${line}`);
    expect(wrong).toEqual([]);
    expect(same).toBeGreaterThan(0);
  }, 120_000);
});
