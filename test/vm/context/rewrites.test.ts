import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openObject } from '../../../src/object/open.js';
import { load, type RunOutput, type RunnableObject } from '../../../src/vm/run.js';
import { diffHunks, unexplained } from '../../cli/xlated-compare.js';
import { bpfscope } from '../../helpers/cli.js';
import { GOLDEN, missing, REPO } from '../../helpers/env.js';

/**
 * Probe objects for the kernel's context rewrites and the packet helpers
 * (test/vm/context/src/*.c): ctx_fields touches every field bpfscope rewrites (whole and
 * narrow loads, bit fields, stores, a context passed to a subprogram, LD_ABS of every
 * width); pkt_helpers calls the XDP and tc packet helpers at and past their limits.
 * Golden files from kernel-oracle (scripts/make-golden-contexts.sh): every dump form
 * must be byte-identical, and the runs (in the oracle's order, on one instance) must
 * return, leave the packet and fill the maps as the kernel's did.
 */
const SRC = join(REPO, 'test', 'vm', 'context', 'src');
const GOLDEN_DIR = join(GOLDEN, 'contexts');
const stems = existsSync(GOLDEN_DIR) ? readdirSync(GOLDEN_DIR).filter((d) => existsSync(join(SRC, `${d}.o`))).sort() : [];
if (stems.length === 0) console.log(`skipped context probe tests: ${GOLDEN_DIR} is missing`);

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe.each(stems)('%s', (stem) => {
  const golden = join(GOLDEN_DIR, stem);
  const rel = `test/vm/context/src/${stem}.o`;
  const names = (JSON.parse(readFileSync(join(golden, 'progs.json'), 'utf8')) as { name: string }[]).map((p) => p.name).sort(byteOrder);
  const runs = new Map<string, RunOutput>();
  let obj: RunnableObject;

  beforeAll(() => {
    obj = load(openObject(join(SRC, `${stem}.o`)), { runtime: { cpus: 2 } });
    const packet = readFileSync(join(REPO, 'test', 'packets', 'ipv4-udp.bin'));
    for (const name of names) runs.set(name, obj.program(name).run({ data: packet, repeat: 1 }));
  });

  describe.each(names)('%s', (name) => {
    const dump = (args: readonly string[]) => bpfscope(['--object', rel, 'prog', 'dump', 'xlated', 'name', name, ...args]);
    const kernelDump = (file: string) => normalise(readFileSync(join(golden, `${name}.${file}`), 'utf8'));
    // The kernel inlines map helpers (or calls the map's own function): where the program calls one, only the rest compares.
    const callsMapHelpers = /call bpf_map_\w+#/.test(dump([]).stdout);

    it.runIf(!callsMapHelpers).each([
      ['plain', [], 'xlated.txt'],
      ['linum', ['linum'], 'linum.txt'],
      ['opcodes', ['opcodes'], 'opcodes.txt'],
      ['visual', ['visual'], 'visual.dot'],
    ] as const)('prog dump xlated %s is byte-identical to the kernel\'s but for helper addresses', (_form, args, file) => {
      const r = dump(args);
      expect(r.stderr).toBe('');
      expect(normalise(r.stdout)).toBe(kernelDump(file));
    });

    it.runIf(callsMapHelpers).each([
      ['plain', [], 'xlated.txt'],
      ['linum', ['linum'], 'linum.txt'],
    ] as const)('prog dump xlated %s differs from the kernel\'s only where it rewrote map helpers', (_form, args, file) => {
      for (const hunk of diffHunks(normalise(dump(args).stdout).split('\n'), kernelDump(file).split('\n'))) {
        expect(unexplained(hunk), `kernel printed:\n${hunk.kernel.join('\n')}`).toEqual([]);
      }
    });

    it('returns and leaves the packet as the kernel\'s run did', () => {
      const r = runs.get(name)!;
      expect(`Return value: ${r.retval}`).toBe(readFileSync(join(golden, `${name}.run.txt`), 'utf8').replace(/, duration.*\n$/, ''));
      expect(Buffer.from(r.dataOut!)).toEqual(readFileSync(join(golden, `${name}.data_out.bin`)));
    });
  });

  const dumps = readdirSync(golden).filter((f) => f.endsWith('.dump.json'));
  if (dumps.length > 0) {
    it('the maps hold what the kernel\'s held after the runs', () => {
      for (const file of dumps) {
        const kernel = JSON.parse(readFileSync(join(golden, file), 'utf8')) as { key: string[]; value: string[] }[];
        const ours = [...obj.map(file.slice(0, -'.dump.json'.length)).entries()].map((e) => ({ key: hex(e.key), value: hex(e.value as Uint8Array) }));
        expect(ours).toEqual(kernel.map((e) => ({ key: e.key, value: e.value })));
      }
    });
  }
});

const hex = (bytes: Uint8Array): string[] => Array.from(bytes, (b) => `0x${b.toString(16).padStart(2, '0')}`);

/**
 * A helper call's address, and the id of a map, are the kernel's own (the map and its id
 * in the opcode bytes too). bpftool names a helper call by the kernel function it reaches,
 * which for XDP's redirects is XDP's own implementation of the helper.
 */
function normalise(text: string): string {
  return text
    .replace(/(call [A-Za-z_]\w*)#-?\d+/g, '$1#N')
    .replace(/call bpf_xdp_(redirect|redirect_map)#/g, 'call bpf_$1#')
    .replace(/map\[id:\d+\]/g, 'map[id:N]')
    .replace(/^( {7}85 00 00 00) .. .. .. ..$/gm, '$1 XX XX XX XX')
    .replace(/^( {7}18 [12]. 00 00) .. .. .. ../gm, '$1 XX XX XX XX');
}

const noClang = missing({ clang: true, file: '/usr/include/bpf/bpf_helpers.h' });
if (noClang) console.log(`skipped the probe object rebuild check: ${noClang}`);
it.skipIf(noClang !== undefined).each(stems)('the committed %s.o is what its source builds to', (stem) => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfscope-ctx-'));
  try {
    const built = join(dir, `${stem}.o`);
    const arch = `/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
    const flags = ['-target', 'bpf', '-O2', '-g', '-mcpu=v3', `-I${arch}`, `-fdebug-prefix-map=${REPO}=.`, `-ffile-prefix-map=${REPO}=.`, '-fno-ident', '-Wall'];
    const cc = spawnSync('clang', [...flags, '-c', `test/vm/context/src/${stem}.c`, '-o', built], { cwd: REPO, encoding: 'utf8' });
    expect(cc.status, cc.stderr).toBe(0);
    expect(readFileSync(built)).toEqual(readFileSync(join(SRC, `${stem}.o`)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
