import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bpfscope } from '../helpers/cli.js';
import { compileBpf, missing, REPO, skipReason } from '../helpers/env.js';

/**
 * `prog run` on small objects built here from test/cli/progs/*.c: faults, a run that
 * fails on a helper the VM lacks, a tail call into an empty slot, ctx_size_out, and --object state
 * across a batch. Where root and bpftool are present, the kernel's bpftool runs the
 * same objects (those it accepts) and must print the same.
 */
const SRC = join(REPO, 'test', 'cli', 'progs');
const PACKET = join(REPO, 'test', 'packets', 'ipv4-udp.bin');
const noClang = missing({ clang: true, file: '/usr/include/bpf/bpf_helpers.h' });
const live = missing({ root: true, bpftool: true, file: '/sys/fs/bpf' });
const noDuration = (text: string) => text.replace(/duration: \d+ns/g, 'duration: Nns').replace(/"duration":\d+/g, '"duration":N');

const tmp = mkdtempSync(join(tmpdir(), 'bpfscope-run-cases-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const obj = (name: string) => join(tmp, `${name}.o`);

/** One XDP ctx_in: xdp_md with data_end the packet's size. */
function xdpCtx(): string {
  const file = join(tmp, 'xdp_md.bin');
  writeFileSync(file, new Uint8Array(new Uint32Array([0, readFileSync(PACKET).length, 0, 0, 0, 0]).buffer));
  return file;
}

/** Runs bpftool on the object loaded into the kernel (pinned under a directory of this test's own). */
function withKernel<T>(object: string, body: (prog: (name: string) => string, maps: string) => T): T {
  const pin = `/sys/fs/bpf/bpfscope-run-cases-${process.pid}`;
  try {
    const loaded = spawnSync('bpftool', ['prog', 'loadall', object, pin, 'pinmaps', `${pin}-maps`], { encoding: 'utf8' });
    if (loaded.status !== 0) throw new Error(`the kernel refused ${object}: ${loaded.stderr}`);
    return body((name) => join(pin, name), `${pin}-maps`);
  } finally {
    rmSync(pin, { recursive: true, force: true });
    rmSync(`${pin}-maps`, { recursive: true, force: true });
  }
}

const bpftool = (args: string[]) => {
  const r = spawnSync('bpftool', args, { encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
};

describe.skipIf(skipReason(noClang, 'prog run cases built from test/cli/progs'))('prog run on built objects', () => {
  beforeAll(() => {
    for (const name of ['faults', 'unknown_helper', 'tail_empty']) compileBpf(join(SRC, `${name}.c`), obj(name));
  });

  const run = (object: string, name: string, extra: string[] = []) => bpfscope(['--object', obj(object), 'prog', 'run', 'name', name, 'data_in', PACKET, ...extra]);

  it('a NULL dereference stops the run: one error line naming program, pc and address, status 255', () => {
    const r = run('faults', 'xdp_null');
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Error: program xdp_null: insn \d+: \(79\) r0 = \*\(u64 \*\)\(r0 \+0\): read of 8 bytes at 0x0: NULL pointer \(nothing is mapped at 0x0-0xfff\)\n$/);
    expect(r.status).toBe(255);
    expect(bpfscope(['-j', '--object', obj('faults'), 'prog', 'run', 'name', 'xdp_null', 'data_in', PACKET]).stdout).toMatch(/^\{"error":"program xdp_null: insn \d+: .*NULL pointer.*"\}\n$/);
  });

  it('a read at data_end stops the run the same way', () => {
    const r = run('faults', 'xdp_past_end');
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Error: program xdp_past_end: insn 1: \(71\) r0 = \*\(u8 \*\)\(r1 \+0\): read of 1 byte at 0x[0-9a-f]+ is outside xdp packet \(58 bytes at 0x[0-9a-f]+; offset 58\)\n$/);
    expect(r.status).toBe(255);
  });

  it('a helper the VM does not implement fails the run, naming the helper; nothing runs', () => {
    const r = run('unknown_helper', 'tc_vlan');
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`Error: prog run: ${obj('unknown_helper')}: section tc: program tc_vlan: insn 2: helper bpf_skb_vlan_push#18 is not modelled by bpfscope's VM\n`);
    expect(r.status).toBe(255);
  });

  it('a tail call into an empty slot goes on after the call; one into a filled slot does not come back', () => {
    expect(noDuration(run('tail_empty', 'xdp_empty_slot').stdout)).toBe('Return value: 42, duration: Nns\n');
    expect(noDuration(run('tail_empty', 'xdp_filled_slot').stdout)).toBe('Return value: 1, duration: Nns\n');
  });

  it('ctx_size_out smaller than xdp_md fails with ENOSPC, status 228', () => {
    const ctx = xdpCtx();
    const small = run('tail_empty', 'xdp_empty_slot', ['ctx_in', ctx, 'ctx_out', join(tmp, 'ctx-out.bin'), 'ctx_size_out', '23']);
    expect(small).toEqual({ status: 228, stdout: '', stderr: 'Error: failed to run program: No space left on device\n' });
    const fits = run('tail_empty', 'xdp_empty_slot', ['ctx_in', ctx, 'ctx_out', join(tmp, 'ctx-out.bin'), 'ctx_size_out', '24']);
    expect(fits.status).toBe(0);
    expect(readFileSync(join(tmp, 'ctx-out.bin'))).toEqual(readFileSync(ctx));
  });

  it('--object state lasts across a batch: two runs, then the map shows both', () => {
    const file = join(tmp, 'batch.txt');
    writeFileSync(file, `prog run name xdp_empty_slot data_in ${PACKET}\nprog run name xdp_filled_slot data_in ${PACKET}\nmap dump name runs\n`);
    const r = bpfscope(['-j', '--object', obj('tail_empty'), 'batch', 'file', file]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [first, second, dump] = JSON.parse(r.stdout) as [{ output: { retval: number } }, { output: { retval: number } }, { output: { formatted: unknown }[] }];
    expect([first.output.retval, second.output.retval]).toEqual([42, 1]);
    expect(dump.output.map((e) => e.formatted)).toEqual([
      { key: 0, value: 1 },
      { key: 1, value: 1 },
    ]);
    // The next invocation starts from a fresh load.
    const fresh = JSON.parse(bpfscope(['-j', '--object', obj('tail_empty'), 'map', 'dump', 'name', 'runs']).stdout) as { formatted: unknown }[];
    expect(fresh.map((e) => e.formatted)).toEqual([
      { key: 0, value: 0 },
      { key: 1, value: 0 },
    ]);
  });

  describe.skipIf(skipReason(live, 'prog run cases against the live kernel'))('against the kernel’s bpftool', () => {
    it('the tail calls return and count as in the kernel', () => {
      withKernel(obj('tail_empty'), (prog, maps) => {
        for (const name of ['xdp_empty_slot', 'xdp_filled_slot']) {
          const kernel = bpftool(['prog', 'run', 'pinned', prog(name), 'data_in', PACKET]);
          expect(noDuration(run('tail_empty', name).stdout)).toBe(noDuration(kernel.stdout));
        }
        // Each program once: xdp_empty_slot counted in slot 0, xdp_target (through xdp_filled_slot) in slot 1.
        const dump = JSON.parse(bpftool(['-j', 'map', 'dump', 'pinned', join(maps, 'runs')]).stdout) as { formatted: unknown }[];
        expect(dump.map((e) => e.formatted)).toEqual([
          { key: 0, value: 1 },
          { key: 1, value: 1 },
        ]);
      });
    });

    it('ctx_size_out: the same error, output and status as bpftool', () => {
      const ctx = xdpCtx();
      withKernel(obj('tail_empty'), (prog) => {
        for (const size of ['4', '23', '24']) {
          for (const json of [[], ['-j']]) {
            const args = ['data_in', PACKET, 'ctx_in', ctx, 'ctx_out', '-', 'ctx_size_out', size];
            const kernel = bpftool([...json, 'prog', 'run', 'pinned', prog('xdp_empty_slot'), ...args]);
            const ours = bpfscope([...json, '--object', obj('tail_empty'), 'prog', 'run', 'name', 'xdp_empty_slot', ...args]);
            expect({ ...ours, stdout: noDuration(ours.stdout) }, `ctx_size_out ${size} ${json.join('')}`).toEqual({ ...kernel, stdout: noDuration(kernel.stdout) });
          }
        }
      });
    });
  });
});
