import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import * as errno from '../src/errno.js';
import { BpfscopeError } from '../src/errors.js';
import { skipReason } from './helpers/env.js';

const rows = errno.errnoRows();

/** glibc's strerror for each number, through perl's `$!` (which calls it). */
function glibcStrerror(numbers: number[]): string[] | undefined {
  const r = spawnSync('perl', ['-e', 'for (@ARGV) { $! = $_; print "$!\\n" }', ...numbers.map(String)], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').slice(0, numbers.length) : undefined;
}

describe('errno table', () => {
  it("has Linux's number for every name (Node's os.constants.errno)", () => {
    const linux = constants.errno as Record<string, number>;
    for (const r of rows) if (r.name !== 'ENOTSUPP') expect([r.name, linux[r.name]]).toEqual([r.name, r.errno]);
    expect(errno.ENOTSUPP).toBe(524);
  });

  it('exports one constant per row, named as the row', () => {
    const exported = errno as unknown as Record<string, unknown>;
    for (const r of rows) expect(exported[r.name]).toBe(r.errno);
  });

  it("gives glibc's strerror text", (ctx) => {
    const texts = process.platform === 'linux' ? glibcStrerror(rows.map((r) => r.errno)) : undefined;
    if (skipReason(texts ? undefined : 'needs perl on glibc Linux', "glibc's strerror")) return ctx.skip();
    expect(rows.map((r) => errno.strerror(-r.errno))).toEqual(texts);
  });

  it('reads a text, a name and a number back', () => {
    for (const r of rows) {
      expect(errno.errnoOfText(errno.strerror(r.errno))).toBe(r.errno);
      expect(errno.errnoOfName(r.name)).toBe(r.errno);
      expect(errno.errnoName(-r.errno)).toBe(r.name);
    }
    expect(errno.strerror(4001)).toBe('Unknown error 4001');
  });

  it('puts errno and code on the base error class', () => {
    const e = new BpfscopeError('refused', {}, -errno.EEXIST);
    expect([e.errno, e.code]).toEqual([errno.EEXIST, 'EEXIST']);
    const plain = new BpfscopeError('bad');
    expect([plain.errno, plain.code]).toEqual([undefined, undefined]);
  });
});
