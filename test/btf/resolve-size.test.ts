import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2BIG, EINVAL } from '../../src/errno.js';
import { BtfError } from '../../src/errors.js';
import { parseBtf } from '../../src/btf/parse.js';
import { MAX_RESOLVE_DEPTH, resolveSize } from '../../src/btf/resolve-size.js';
import { Layout } from '../../src/btf/c-layout.js';
import { skipReason } from '../helpers/env.js';
import { BtfBuilder, K } from './builder.js';

/** Every case size resolution has: sized kinds, each kind passed through, chains about the depth limit, overflow. */
function cases(): Uint8Array {
  const b = new BtfBuilder();
  const int = b.int('int', 4, 1);
  b.ref(K.PTR, int);
  const s = b.composite(K.STRUCT, 's', 12, [['a', int, 0]]);
  b.composite(K.UNION, 'u', 4, [['a', int, 0]]);
  b.enum('e', 4, [['A', 1]]);
  b.float('float', 8);
  b.fwd('f');
  const proto = b.proto(int, []);
  b.func('fn', proto);
  const v = b.var('v', s);
  b.datasec('.data', 12, [[v, 0, 12]]);
  b.declTag('tag', s, -1);
  b.ref(K.TYPE_TAG, int, 'user');
  b.ref(K.RESTRICT, b.ref(K.VOLATILE, b.ref(K.CONST, int)));
  const a3 = b.array(int, int, 3);
  b.array(b.array(a3, int, 5), int, 7);
  b.array(b.ref(K.PTR, 0), int, 1 << 29);
  b.array(b.ref(K.PTR, 0), int, 1 << 28);
  b.array(b.array(int, int, 0x10000), int, 0x10000);
  b.array(b.array(int, int, 0x4000), int, 0x10000);
  b.array(b.array(int, int, 0), int, 0xffffffff);
  b.ref(K.TYPEDEF, 0, 'void_t');
  for (const depth of [MAX_RESOLVE_DEPTH - 2, MAX_RESOLVE_DEPTH - 1, MAX_RESOLVE_DEPTH, MAX_RESOLVE_DEPTH + 1]) {
    let t = int;
    for (let i = 0; i < depth; i++) t = i % 2 ? b.ref(K.CONST, t) : b.array(t, int, 1);
  }
  return b.build();
}

/** btf__parse_raw, then btf__resolve_size for every id, one line each. */
const HARNESS = `#include <stdio.h>
#include <bpf/btf.h>
int main(int argc, char **argv) {
  struct btf *btf = btf__parse_raw(argv[1]);
  if (!btf) return 1;
  for (unsigned id = 0; id < btf__type_cnt(btf); id++) printf("%lld\\n", (long long)btf__resolve_size(btf, id));
  return 0;
}
`;

const reason =
  (existsSync('/usr/include/bpf/btf.h') ? undefined : 'libbpf-dev is not installed (apt-get install libbpf-dev)') ??
  (spawnSync('sh', ['-c', 'command -v gcc'], { stdio: 'ignore' }).status === 0 ? undefined : 'gcc is not installed');

describe('resolveSize', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpfscope-resolve-size-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("answers as libbpf's btf__resolve_size, on a Btf, a TypeTable and through Btf.size", (ctx) => {
    if (skipReason(reason, "the comparison with libbpf's btf__resolve_size")) return ctx.skip();
    const blob = cases();
    writeFileSync(join(dir, 'cases.btf'), blob);
    writeFileSync(join(dir, 'harness.c'), HARNESS);
    execFileSync('gcc', ['-O1', '-Wall', '-o', join(dir, 'harness'), join(dir, 'harness.c'), '-lbpf']);
    const libbpf = execFileSync(join(dir, 'harness'), [join(dir, 'cases.btf')], { encoding: 'utf8' }).trim().split('\n').map(Number);
    const btf = parseBtf(blob);
    const ids = [...Array(btf.typeCount).keys()];
    expect(ids.map((id) => resolveSize(btf, id))).toEqual(libbpf);
    expect(ids.map((id) => new Layout(btf.table(), 8).resolveSize(id))).toEqual(libbpf);
    expect(ids.map((id) => (libbpf[id]! < 0 ? [-libbpf[id]!] : btf.size(id)))).toEqual(
      ids.map((id) => {
        try {
          return btf.size(id);
        } catch (e) {
          return [(e as BtfError).errno];
        }
      }),
    );
    // The cases reach every answer: sizes, EINVAL (no size, too deep) and E2BIG.
    expect(new Set(libbpf.filter((n) => n < 0))).toEqual(new Set([-EINVAL, -E2BIG]));
  });

  it('throws on a reference loop, which the kernel refuses before any size is asked', () => {
    const b = new BtfBuilder();
    const c = b.ref(K.CONST, 2);
    b.ref(K.TYPEDEF, 1, 'loop');
    const btf = parseBtf(b.build());
    expect(() => resolveSize(btf, c)).toThrow(/reference loop/);
    expect(() => btf.size(c)).toThrow(BtfError);
  });
});
