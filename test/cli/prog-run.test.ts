import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bpfscope } from '../helpers/cli.js';
import { GOLDEN, missing, OBJECTS, REPO } from '../helpers/env.js';

const tmp = mkdtempSync(join(tmpdir(), 'bpfscope-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const packet = (name: string) => join(REPO, 'test', 'packets', `${name}.bin`);
const noDuration = (text: string) => text.replace(/duration( \(average\))?: \d+ns/g, 'duration$1: Nns').replace(/"duration":( ?)\d+/g, '"duration":$1N');

/** Every program run the oracle recorded: our line and data_out against bpftool's on the real kernel. */
const runs = existsSync(GOLDEN)
  ? readdirSync(GOLDEN)
      .filter((d) => statSync(join(GOLDEN, d)).isDirectory())
      .flatMap((dir) => {
        const [object, pkt = 'ipv4-udp'] = dir.split('@') as [string, string?];
        return readdirSync(join(GOLDEN, dir))
          .filter((f) => f.endsWith('.run.txt'))
          .map((f) => ({ dir, object, pkt, name: f.slice(0, -'.run.txt'.length) }));
      })
      .filter((r) => existsSync(join(OBJECTS, `${r.object}.o`)))
  : [];
if (runs.length === 0) console.log('skipped prog run golden tests: test/golden has no kernel-oracle runs');

describe.each(runs)('prog run $object $name on $pkt', ({ dir, object, pkt, name }) => {
  it('prints what bpftool printed and writes the same data_out', () => {
    const out = join(tmp, `${dir}-${name}.bin`);
    const r = bpfscope(['--object', `objects/${object}.o`, 'prog', 'run', 'name', name, 'data_in', packet(pkt), 'data_out', out]);
    const golden = readFileSync(join(GOLDEN, dir, `${name}.run.txt`), 'utf8');
    if (golden.startsWith('Error: ')) {
      expect(r.stderr).toBe(golden);
      expect(r.stdout).toBe('');
      // bpftool exits with the low byte of -errno.
      expect(r.status).toBe(golden.includes('Invalid argument') ? 256 - 22 : 256 - 524 + 512);
      return;
    }
    expect(r.status).toBe(0);
    expect(noDuration(r.stdout)).toBe(noDuration(golden));
    expect(readFileSync(out)).toEqual(readFileSync(join(GOLDEN, dir, `${name}.data_out.bin`)));
  });
});

describe('prog run output forms', () => {
  const xdp = ['--object', 'objects/xdp.o', 'prog', 'run', 'name', 'xdp_parse', 'data_in', packet('ipv4-udp')];

  it('data_out - prints the packet as bpftool\'s hex dump, then the result', () => {
    const r = bpfscope([...xdp, 'data_out', '-']);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('0000000\t0200 0000 0002 0200 0000 0001 0800 4500 | ........ ......E.');
    expect(lines[3]).toBe('0000030\t2062 7066 7363 6f70 650a                |  bpfscop e.');
    expect(noDuration(lines[4]!)).toBe('Return value: 2, duration: Nns');
  });

  it('-j gives the packet as decimal bytes with retval and duration; repeat averages', () => {
    const r = bpfscope(['-j', ...xdp, 'data_out', '-', 'repeat', '3']);
    const json = JSON.parse(r.stdout) as { data_out: number[]; retval: number; duration: number };
    expect(json.data_out).toEqual([...readFileSync(packet('ipv4-udp'))]);
    expect(json.retval).toBe(2);
    expect(noDuration(bpfscope([...xdp, 'repeat', '3']).stdout)).toBe('Return value: 2, duration (average): Nns\n');
  });

  it('data_size_out smaller than the packet fails with ENOSPC, exit status 228', () => {
    const r = bpfscope([...xdp, 'data_out', '-', 'data_size_out', '10']);
    expect(r.stderr).toBe('Error: failed to run program: No space left on device\n');
    expect(r.status).toBe(228);
    const j = bpfscope(['-j', ...xdp, 'data_size_out', '10']);
    expect(j.stdout).toBe('{"error":"failed to run program: No space left on device"}\n');
  });

  it('tc: ctx_in and ctx_out carry __sk_buff, with what the program wrote', () => {
    const ctx = new Uint8Array(192);
    new DataView(ctx.buffer).setUint32(48, 7, true); // cb[0]
    const ctxIn = join(tmp, 'ctx.bin');
    const ctxOut = join(tmp, 'ctx-out.bin');
    writeFileSync(ctxIn, ctx);
    const r = bpfscope(['--object', 'objects/tc.o', 'prog', 'run', 'name', 'tc_mark', 'data_in', packet('ipv4-udp'), 'ctx_in', ctxIn, 'ctx_out', ctxOut]);
    expect(r.status).toBe(0);
    const bytes = readFileSync(ctxOut);
    const out = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(out.getUint32(48, true)).toBe(7);
    expect(out.getUint32(40, true)).toBe(1);
    expect(out.getUint32(160, true)).toBe(readFileSync(packet('ipv4-udp')).length);
  });

  it('trace_printk lines go to stderr during the run', () => {
    const r = bpfscope(['--object', 'objects/globals.o', 'prog', 'run', 'name', 'xdp_globals', 'data_in', packet('ipv4-udp-1500')]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^ +bpfscope-\d+ +\[000\] .{5} +\d+\.\d{6}: bpf_trace_printk: big packet\n/);
  });

  it('--budget stops a run that executes more instructions, naming the program and instruction', () => {
    const run = (budget: string) =>
      bpfscope(['--object', 'objects/fnv.o', '--budget', budget, 'prog', 'run', 'name', 'xdp_fnv', 'data_in', packet('ipv4-udp-1500')]);
    const spent = run('100');
    expect(spent.status).toBe(255);
    expect(spent.stdout).toBe('');
    expect(spent.stderr).toMatch(/^Error: program xdp_fnv: insn \d+: .*the instruction budget of 100 is spent.*\n$/);
    expect(run('1000000').stdout).toMatch(/^Return value: 2, duration: \d+ns\n$/);
    expect(run('0').stderr).toBe('Error: budget 0 is not a positive integer\n');
  });

  it('says what is wrong with the command line as bpftool does', () => {
    expect(bpfscope(['--object', 'objects/xdp.o', 'prog', 'run', 'name', 'xdp_parse']).stderr).toBe("Error: 'run' needs at least 4 arguments, 2 found\n");
    expect(bpfscope([...xdp, 'data', 'x']).stderr).toBe("Error: ambiguous prefix: 'data' could be 'data_in' or 'data_out' or 'data_size_out'\n");
    expect(bpfscope([...xdp, 'repeat', 'x']).stderr).toBe("Error: can't parse x as repeat number\n");
    expect(bpfscope(['--object', 'objects/xdp.o', 'prog', 'run', 'name', 'xdp_parse', 'data_in', '/nonexistent']).stderr).toBe('Error: failed to open /nonexistent: No such file or directory\n');
  });
});

/** The same commands through the real bpftool on this kernel, where we can. */
const live = missing({ root: true, bpftool: true, file: '/sys/fs/bpf' });
describe.skipIf(live !== undefined)('prog run against the live kernel\'s bpftool', () => {
  if (live) console.log(`skipped live prog run comparisons: ${live}`);

  it('takes and gives back xdp_md as the kernel does: metadata from data_in, the loopback device, its checks', () => {
    const pin = `/sys/fs/bpf/bpfscope-prog-run-xdp-${process.pid}`;
    try {
      const loaded = spawnSync('bpftool', ['prog', 'loadall', join(OBJECTS, 'xdp.o'), pin], { encoding: 'utf8' });
      expect(loaded.status, loaded.stderr).toBe(0);
      const size = readFileSync(packet('ipv4-udp')).length;
      const contexts = [[8, size], [0, size, 0, 1], [0, size, 0, 1, 1], [0, size, 0, 9], [0, size, 0, 0, 0, 1], [6, size], [0, size + 1], [0, size, 0, 0, 0, 0, 5]];
      contexts.forEach((words, i) => {
        const ctxIn = join(tmp, `xdp-ctx-${i}.bin`);
        const bytes = new Uint32Array(Math.max(6, words.length));
        bytes.set(words);
        writeFileSync(ctxIn, new Uint8Array(bytes.buffer));
        const args = ['data_in', packet('ipv4-udp'), 'data_out', '-', 'ctx_in', ctxIn, 'ctx_out', '-'];
        const kernel = spawnSync('bpftool', ['prog', 'run', 'pinned', join(pin, 'xdp_parse'), ...args], { encoding: 'utf8' });
        const ours = bpfscope(['--object', 'objects/xdp.o', 'prog', 'run', 'name', 'xdp_parse', ...args]);
        expect(noDuration(ours.stdout), `ctx_in ${words.join(',')}`).toBe(noDuration(kernel.stdout));
        expect(ours.stderr).toBe(kernel.stderr);
      });
    } finally {
      rmSync(pin, { recursive: true, force: true });
    }
  });

  it('prints the same hex dump, JSON and context for tc_mark', () => {
    const pin = `/sys/fs/bpf/bpfscope-prog-run-${process.pid}`;
    try {
      const loaded = spawnSync('bpftool', ['prog', 'loadall', join(OBJECTS, 'tc.o'), pin], { encoding: 'utf8' });
      expect(loaded.status, loaded.stderr).toBe(0);
      const ctx = new Uint8Array(192);
      new DataView(ctx.buffer).setUint32(8, 0x1234, true);
      new DataView(ctx.buffer).setUint32(52, 3, true);
      const ctxIn = join(tmp, 'live-ctx.bin');
      writeFileSync(ctxIn, ctx);
      for (const pkt of ['ipv4-udp', 'ipv6-udp', 'truncated-ipv4']) {
        for (const json of [[], ['-j'], ['-p']]) {
          const args = ['data_in', packet(pkt), 'data_out', '-', 'ctx_in', ctxIn, 'ctx_out', '-'];
          const kernel = spawnSync('bpftool', [...json, 'prog', 'run', 'pinned', join(pin, 'tc_mark'), ...args], { encoding: 'utf8' });
          const ours = bpfscope([...json, '--object', 'objects/tc.o', 'prog', 'run', 'name', 'tc_mark', ...args]);
          expect(noDuration(ours.stdout)).toBe(noDuration(kernel.stdout));
          expect(ours.stderr).toBe(kernel.stderr);
          expect(ours.status).toBe(kernel.status);
        }
      }
    } finally {
      rmSync(pin, { recursive: true, force: true });
    }
  });
});
