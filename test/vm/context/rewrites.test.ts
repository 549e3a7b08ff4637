import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openObject } from '../../../src/object/open.js';
import { load } from '../../../src/vm/run.js';
import { bpfscope } from '../../helpers/cli.js';
import { GOLDEN, missing, REPO } from '../../helpers/env.js';

/**
 * The kernel's context rewrites on a probe object that touches every field bpfscope
 * rewrites (test/vm/context/src/ctx_fields.c): whole and narrow loads, stores, vlan and
 * pkt_type bit fields, packet pointers, data_meta, a context passed to a subprogram,
 * LD_ABS of every width. Golden files from kernel-oracle (scripts/make-golden-contexts.sh).
 */
const SRC = join(REPO, 'test', 'vm', 'context', 'src');
const OBJECT = join(SRC, 'ctx_fields.o');
const golden = join(GOLDEN, 'contexts', 'ctx_fields');
const noGolden = existsSync(join(golden, 'progs.json')) ? undefined : `${golden} is missing`;
if (noGolden) console.log(`skipped context rewrite tests: ${noGolden}`);
const programs = noGolden ? [] : (JSON.parse(readFileSync(join(golden, 'progs.json'), 'utf8')) as { name: string }[]).map((p) => p.name);

describe.each(programs)('%s', (name) => {
  const rel = 'test/vm/context/src/ctx_fields.o';

  it.each([
    ['plain', [], 'xlated.txt'],
    ['linum', ['linum'], 'linum.txt'],
    ['opcodes', ['opcodes'], 'opcodes.txt'],
    ['visual', ['visual'], 'visual.dot'],
  ] as const)('prog dump xlated %s is byte-identical to the kernel\'s', (_form, args, file) => {
    const r = bpfscope(['--object', rel, 'prog', 'dump', 'xlated', 'name', name, ...args]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(readFileSync(join(golden, `${name}.${file}`), 'utf8'));
  });

  it('runs on the oracle\'s packet as the kernel ran it', () => {
    const obj = load(openObject(OBJECT));
    const r = obj.program(name).run({ data: readFileSync(join(REPO, 'test', 'packets', 'ipv4-udp.bin')), repeat: 1 });
    expect(`Return value: ${r.retval}`).toBe(readFileSync(join(golden, `${name}.run.txt`), 'utf8').replace(/, duration.*\n$/, ''));
    expect(Buffer.from(r.dataOut!)).toEqual(readFileSync(join(golden, `${name}.data_out.bin`)));
  });
});

const noClang = missing({ clang: true, file: '/usr/include/bpf/bpf_helpers.h' });
it.skipIf(noClang !== undefined)('the committed probe object is what its source builds to', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfscope-ctx-'));
  try {
    const built = join(dir, 'ctx_fields.o');
    const arch = `/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
    const cc = spawnSync('clang', ['-target', 'bpf', '-O2', '-g', '-mcpu=v3', `-I${arch}`, `-fdebug-prefix-map=${REPO}=.`, `-ffile-prefix-map=${REPO}=.`, '-fno-ident', '-Wall', '-c', 'test/vm/context/src/ctx_fields.c', '-o', built], { cwd: REPO, encoding: 'utf8' });
    expect(cc.status, cc.stderr).toBe(0);
    expect(readFileSync(built)).toEqual(readFileSync(OBJECT));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
if (noClang) console.log(`skipped the probe object rebuild check: ${noClang}`);
