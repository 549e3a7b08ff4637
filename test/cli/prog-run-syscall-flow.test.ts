import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openObject } from '../../src/object/open.js';
import { TestRunError } from '../../src/vm/context/errors.js';
import { load } from '../../src/vm/run.js';
import { bpfscope } from '../helpers/cli.js';
import { compileBpf, missing, REPO, skipReason } from '../helpers/env.js';

/**
 * syscall and flow_dissector programs under `prog run` and the library's run(), against
 * the kernel's BPF_PROG_TEST_RUN: through the real bpftool (return value, data_out,
 * ctx_out, the map after the run) and, for syscall programs given a context, which
 * bpftool cannot pass, through libbpf's bpf_prog_test_run_opts in a small C driver.
 */
const SRC = join(REPO, 'test', 'cli', 'progs', 'run_types.c');
const DRIVER = join(REPO, 'test', 'cli', 'progs', 'syscall_run.c');
const PACKETS = ['ipv4-udp', 'ipv4-tcp', 'ipv6-udp', 'short', 'truncated-ipv4', 'ipv4-udp-1500'];
const reason = missing({ clang: true, root: true, bpftool: true, file: '/sys/fs/bpf' }) ?? (spawnSync('gcc', ['--version']).status === 0 ? undefined : 'gcc is not installed');

describe.skipIf(skipReason(reason, 'syscall and flow_dissector runs against the kernel'))('syscall and flow_dissector programs run as the kernel runs them', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfscope-run-types-'));
  const obj = join(tmp, 'run_types.o');
  const driver = join(tmp, 'syscall_run');
  const pin = `/sys/fs/bpf/bpfscope-run-types-${process.pid}`;
  const store = join(tmp, 'store');
  const file = (name: string, bytes: Uint8Array) => {
    const f = join(tmp, name);
    writeFileSync(f, bytes);
    return f;
  };
  /** bpf_flow_keys for ctx_in: zero but for flags (or, to be refused, nhoff). */
  const keys = (flags: number, nhoff = 0) => {
    const v = new DataView(new ArrayBuffer(56));
    v.setUint32(48, flags, true);
    v.setUint16(0, nhoff, true);
    return new Uint8Array(v.buffer);
  };
  /** The syscall program's struct args: a (u64), b (u32), sum (u32), then `extra` bytes. */
  const args = (a: bigint, b: number, extra = 0) => {
    const v = new DataView(new ArrayBuffer(16 + extra));
    v.setBigUint64(0, a, true);
    v.setUint32(8, b, true);
    return new Uint8Array(v.buffer);
  };

  beforeAll(() => {
    compileBpf(SRC, obj);
    execFileSync('gcc', ['-O2', '-o', driver, DRIVER, '-lbpf']);
    const k = spawnSync('bpftool', ['prog', 'loadall', obj, pin, 'pinmaps', `${pin}-maps`], { encoding: 'utf8' });
    if (k.status !== 0) throw new Error(`the kernel refused run_types.o: ${k.stderr}`);
    const b = bpfscope(['--state', store, 'prog', 'loadall', obj, pin, 'pinmaps', `${pin}-maps`]);
    if (b.status !== 0) throw new Error(`bpfscope refused run_types.o: ${b.stderr}`);
  });
  afterAll(() => {
    rmSync(pin, { recursive: true, force: true });
    rmSync(`${pin}-maps`, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  const seen = join(`${pin}-maps`, 'seen');
  /** One `prog run` through bpftool on the kernel or through bpfscope: output, files, the map after it. */
  const runOn = (tool: 'kernel' | 'bpfscope', prog: string, extra: string[], tag: string) => {
    const out = join(tmp, `${tool}-${prog}-${tag}`);
    const exec = (a: string[]) => (tool === 'kernel' ? spawnSync('bpftool', a, { encoding: 'utf8' }) : bpfscope(['--state', store, ...a]));
    for (const key of [0, 1, 2, 3]) exec(['map', 'update', 'pinned', seen, 'key', String(key), '0', '0', '0', 'value', ...Array<string>(8).fill('0')]);
    const r = exec(['prog', 'run', 'pinned', join(pin, prog), ...extra.map((a) => a.replace('@OUT', out))]);
    const read = (f: string) => {
      try {
        return [...readFileSync(f)];
      } catch {
        return undefined;
      }
    };
    return {
      status: r.status,
      stdout: r.stdout.replace(/(duration(?: \(average\))?): [1-9]\d*ns/, '$1: Nns'),
      stderr: r.stderr,
      dataOut: read(`${out}.data`),
      ctxOut: read(`${out}.ctx`),
      seen: JSON.parse(exec(['-j', 'map', 'dump', 'pinned', seen]).stdout) as unknown,
    };
  };
  const same = (prog: string, extra: string[], tag: string) => expect(runOn('bpfscope', prog, extra, tag), `${prog} ${tag}`).toEqual(runOn('kernel', prog, extra, tag));

  it('flow_dissector: return value, bpf_flow_keys out and what it saw, on every packet', () => {
    for (const packet of PACKETS) same('dissect', ['data_in', join(REPO, 'test', 'packets', `${packet}.bin`), 'data_out', '@OUT.data'], packet);
  });

  it('flow_dissector: flags from ctx_in, ctx_out, refused ctx_in, data_size_out too small', () => {
    const packet = join(REPO, 'test', 'packets', 'ipv4-tcp.bin');
    same('dissect', ['data_in', packet, 'data_out', '@OUT.data', 'ctx_in', file('flags.bin', keys(5)), 'ctx_out', '@OUT.ctx'], 'flags');
    same('dissect', ['data_in', packet, 'data_out', '@OUT.data', 'ctx_in', file('nhoff.bin', keys(0, 3)), 'ctx_out', '@OUT.ctx'], 'nhoff');
    same('dissect', ['data_in', packet, 'data_out', '@OUT.data', 'data_size_out', '8'], 'small');
    same('dissect', ['data_in', packet, 'repeat', '3'], 'repeat');
  });

  it("flow_dissector: dump xlated is the kernel's", () => {
    const dump = (r: { stdout: string }) => r.stdout.replace(/map\[id:\d+\]/g, 'map[id:N]').replace(/(call \w+)#\d+/g, '$1#N');
    const theirs = spawnSync('bpftool', ['prog', 'dump', 'xlated', 'pinned', join(pin, 'dissect')], { encoding: 'utf8' });
    expect(dump(bpfscope(['--state', store, 'prog', 'dump', 'xlated', 'pinned', join(pin, 'dissect')]))).toBe(dump(theirs));
  });

  it('syscall through bpftool: runs only with repeat 0 and no context, as the kernel', () => {
    same('sys_noctx', ['repeat', '0'], 'repeat0');
    same('sys_noctx', ['repeat', '1'], 'repeat1');
    same('sys_prog', ['ctx_in', file('args.bin', args(5n, 7)), 'repeat', '0'], 'ctx');
    same('sys_noctx', ['data_in', join(REPO, 'test', 'packets', 'ipv4-udp.bin'), 'repeat', '0'], 'data');
  });

  it('syscall with ctx_in alone: return value, the context written back and the map, as the kernel', () => {
    const inputs: [string, Uint8Array][] = [
      ['small', args(5n, 7)],
      ['wide', args(0xffffffff00000001n, 3)],
      ['longer', args(2n, 9, 20)],
      ['short', args(5n, 7).subarray(0, 8)],
      ['empty', new Uint8Array(0)],
      ['huge', args(1n, 1, 0x10000)],
    ];
    for (const [tag, ctx] of inputs) {
      const seenKernel = () => [0, 1].map((key) => JSON.parse(execFileSync('bpftool', ['-j', 'map', 'lookup', 'pinned', seen, 'key', String(key), '0', '0', '0'], { encoding: 'utf8' })).formatted.value as number);
      for (const key of [0, 1]) execFileSync('bpftool', ['map', 'update', 'pinned', seen, 'key', String(key), '0', '0', '0', 'value', ...Array<string>(8).fill('0')]);
      const kernel = { out: execFileSync(driver, [join(pin, 'sys_prog'), file(`${tag}.ctx`, ctx)], { encoding: 'utf8' }), seen: seenKernel() };

      const object = load(openObject(obj));
      let out: string;
      try {
        const r = object.program('sys_prog').run({ ctx });
        out = `retval ${r.retval}\n${Buffer.from(r.ctxOut ?? []).toString('hex')}\n`;
      } catch (e) {
        if (!(e instanceof TestRunError)) throw e;
        out = `errno ${e.errno}\n`;
      }
      const map = object.map('seen');
      const ours = { out, seen: [0, 1].map((key) => Number(Buffer.from(map.lookup(new Uint8Array([key, 0, 0, 0]))!).readBigUInt64LE(0))) };
      expect(ours, tag).toEqual(kernel);
    }
  });
});
