import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPrefix, strtoul, Words } from '../../src/cli/common.js';
import { bpfscope, type CliResult } from '../helpers/cli.js';
import { missing, skipReason } from '../helpers/env.js';

const hasGcc = spawnSync('sh', ['-c', 'command -v gcc'], { stdio: 'ignore' }).status === 0;

/** Words strtoul must read as glibc reads them, and some it must refuse. */
const NUMBERS = ['', '0', '1', '+1', '-1', ' 7', '\t+0x1f', '010', '08', '0x', '0xg', '0X1A', '+', '-', ' ', '1x', 'x1', '4294967296', '18446744073709551615', '18446744073709551616', '-18446744073709551615', '99999999999999999999999', '-0', '00', '0x0'];

describe('strtoul', () => {
  it.skipIf(skipReason(hasGcc ? undefined : 'gcc is not installed', 'strtoul against glibc'))('reads every word as glibc strtoul(…, &end, 0 and 16) does, and refuses what leaves *end on a character', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfscope-strtoul-'));
    writeFileSync(
      join(dir, 's.c'),
      '#include <stdio.h>\n#include <stdlib.h>\nint main(int argc, char **argv) {\n' +
        '  for (int i = 1; i < argc; i++) for (int b = 0; b <= 16; b += 16) { char *end; unsigned long v = strtoul(argv[i], &end, b);\n' +
        '    if (*end) printf("-\\n"); else printf("%lu\\n", v); }\n  return 0;\n}\n',
    );
    execFileSync('gcc', ['-O0', '-o', join(dir, 's'), join(dir, 's.c')]);
    const glibc = execFileSync(join(dir, 's'), NUMBERS, { encoding: 'utf8' }).trimEnd().split('\n');
    const ours = NUMBERS.flatMap((w) => ([0, 16] as const).map((base) => strtoul(w, base)?.toString() ?? '-'));
    expect(ours).toEqual(glibc);
  });
});

describe('the word cursor', () => {
  it('takes prefixes as bpftool is_prefix does: the empty word is a prefix of every keyword', () => {
    expect(isPrefix('', 'show')).toBe(true);
    expect(isPrefix('sh', 'show')).toBe(true);
    expect(isPrefix('shows', 'show')).toBe(false);
    const words = new Words(['prog', 'show', 'id', '1']);
    words.next();
    expect(words.accept('list')).toBe(false);
    expect(words.accept('show')).toBe(true);
    expect([words.previous, words.current, words.count]).toEqual(['show', 'id', 2]);
  });
});

/**
 * Command lines whose answer from the real bpftool does not depend on what the host
 * has loaded: handles that name nothing (names no program or map has, ids past any the
 * kernel hands out, id 0), malformed ones, and words read by bpftool's prefix and
 * strtoul rules. bpfscope runs them with objects/xdp.o loaded, which names none of them.
 */
const SAME_AS_BPFTOOL: string[][] = [
  ['prog', 'show', 'name', 'nope_bpfscope'],
  ['prog', 'show', 'tag', '0123456789abcdef'],
  ['map', 'show', 'name', 'nope_bpfscope'],
  ['prog', 'dump', 'xlated', 'name', 'nope_bpfscope'],
  ['map', 'dump', 'name', 'nope_bpfscope'],
  ['btf', 'dump', 'prog', 'name', 'nope_bpfscope'],
  ['btf', 'dump', 'map', 'name', 'nope_bpfscope'],
  ['map', 'lookup', 'name', 'nope_bpfscope', 'key', '0'],
  ['prog', 'run', 'name', 'nope_bpfscope', 'data_in', '/dev/null'],
  ['prog', 'pin', 'name', 'nope_bpfscope', '/sys/fs/bpf/nope_bpfscope'],
  ['prog', '', 'name', 'nope_bpfscope'],
  ['prog', 'show', 'id', '+4000000000'],
  ['prog', 'show', 'id', ' 4000000000'],
  ['prog', 'show', 'id', '4294967296'],
  ['prog', 'show', 'id', ''],
  ['prog', 'show', 'id', '1x'],
  ['btf', 'dump', 'prog', 'id', '+4000000000'],
  ['btf', 'dump', 'map', 'id', ' 4000000000'],
  ['map', 'show', 'id', '0x0'],
  ['map', 'show', '', ''],
  ['prog', 'show', 'name'],
  ['prog', 'show', 'id', '1', 'extra'],
  ['map', 'show', 'name'],
  ['prog', 'show', 'pinned', '/nonexistent_bpfscope"x'],
  ['b'],
];

describe('handles and words, compared with the real bpftool', () => {
  const reason = missing({ bpftool: true, root: true });
  const bpftool = (args: string[]): CliResult => {
    const r = spawnSync('bpftool', args, { encoding: 'utf8' });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  it.skipIf(skipReason(reason, 'comparisons with bpftool'))('the handles and words bpftool answers without looking at what is loaded', () => {
    for (const args of SAME_AS_BPFTOOL) {
      for (const mode of [[], ['-j'], ['-p']]) {
        const line = [...mode, ...args];
        expect({ line, ...bpfscope(['--object', 'objects/xdp.o', ...line]) }).toEqual({ line, ...bpftool(line) });
      }
    }
  });

  it.skipIf(skipReason(reason, 'comparisons with bpftool'))('usage where bpftool gives it: null with -j, the usage text on stderr without', () => {
    for (const args of [[''], ['prog', 'dump', 'xlated', 'id'], ['map', 'dump'], ['map', 'lookup'], ['prog', 'frobnicate'], ['frobnicate']]) {
      const ours = bpfscope(['--object', 'objects/xdp.o', '-j', ...args]);
      const theirs = bpftool(['-j', ...args]);
      expect({ args, ...ours }).toEqual({ args, ...theirs });
      // The texts are each tool's own; what surrounds them is bpftool's.
      const plain = bpfscope(['--object', 'objects/xdp.o', ...args]);
      const plainTheirs = bpftool(args);
      const shape = (r: CliResult) => [r.status, r.stdout, r.stderr.split(' ')[0], r.stderr.includes('Error')];
      expect({ args, shape: shape(plain) }).toEqual({ args, shape: shape(plainTheirs) });
    }
  });
});
