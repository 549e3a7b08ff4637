import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BTF_KIND, essentialName, parseBtf, type Btf } from '../../src/btf/index.js';
import { missing, skipReason } from '../helpers/env.js';
import { BtfBuilder } from './builder.js';

describe('essential names (bpf_core_essential_name_len)', () => {
  it.each([
    ['task_struct___old', 'task_struct'],
    ['a___b___c', 'a___b'],
    ['x____y', 'x____y'],
    ['x___', 'x___'],
    ['___x', '___x'],
    ['plain', 'plain'],
    ['ab___c', 'ab'],
  ])('%s is %s', (name, essential) => expect(essentialName(name)).toBe(essential));
});

/** What the index must answer, found the slow way: every own type decoded and compared. */
function byScan(btf: Btf, wanted: (name: string) => boolean): number[] {
  return btf.types.filter((t) => t.name !== '' && wanted(t.name)).map((t) => t.id);
}

describe('the name index', () => {
  it('finds types by exact and by essential name, in id order, flavors included', () => {
    const b = new BtfBuilder();
    const int = b.int('int', 4);
    const struct = (name: string) => b.composite(BTF_KIND.STRUCT, name, 4, [['pid', int, 0]]);
    struct('task');
    struct('task___old');
    b.ref(BTF_KIND.TYPEDEF, int, 'task');
    struct('task___a___b');
    struct('tas');
    struct('task____x');
    const btf = parseBtf(b.build());
    for (const name of ['task', 'task___old', 'task___a', 'tas', 'task____x', 'int', 'nope', '']) {
      expect(btf.find(name).map((t) => t.id), name).toEqual(byScan(btf, (n) => n === name));
      if (name !== '') expect(btf.idsWithEssentialName(name), name).toEqual(byScan(btf, (n) => essentialName(n) === name));
    }
  });

  it("agrees with a scan of this kernel's BTF on every name of a sample", (ctx) => {
    const path = '/sys/kernel/btf/vmlinux';
    if (skipReason(missing({ file: path }), 'the name index on vmlinux')) return ctx.skip();
    const btf = parseBtf(readFileSync(path));
    const all = btf.types;
    // Every 997th named type, and the flavorless part of each: a fixed sample across the ids.
    const names = all.filter((t, i) => t.name !== '' && i % 997 === 0).map((t) => t.name);
    const byName = new Map<string, number[]>();
    const byEssential = new Map<string, number[]>();
    for (const t of all) {
      if (t.name === '') continue;
      if (!byName.has(t.name)) byName.set(t.name, []);
      byName.get(t.name)!.push(t.id);
      const e = essentialName(t.name);
      if (!byEssential.has(e)) byEssential.set(e, []);
      byEssential.get(e)!.push(t.id);
    }
    expect(names.length).toBeGreaterThan(50);
    for (const name of names) {
      expect(btf.find(name).map((t) => t.id), name).toEqual(byName.get(name));
      expect(btf.idsWithEssentialName(essentialName(name)), name).toEqual(byEssential.get(essentialName(name)));
    }
  });
});
