import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bpfscope } from '../helpers/cli.js';
import { compileBpf, missing, REPO, skipReason } from '../helpers/env.js';

/**
 * cgroup_skb and lwt programs under `prog run`, against the kernel's BPF_PROG_TEST_RUN
 * through the real bpftool: the return value, data_out, ctx_out and what each program
 * recorded of its __sk_buff and packet, on every packet of test/packets, and the
 * instructions the kernel rewrote its context accesses into.
 */
const SRC = join(REPO, 'test', 'cli', 'progs', 'skb_types.c');
const PACKETS = ['ipv4-udp', 'ipv4-tcp', 'ipv6-udp', 'short', 'truncated-ipv4', 'ipv4-udp-1500'];
const PROGRAMS = ['cg_ingress', 'cg_egress', 'lwt_in_prog', 'lwt_out_prog', 'lwt_xmit_prog'];
const reason = missing({ clang: true, root: true, bpftool: true, file: '/sys/fs/bpf' });

describe.skipIf(skipReason(reason, 'cgroup_skb and lwt runs against the kernel'))('cgroup_skb and lwt programs run as the kernel runs them', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfscope-skb-types-'));
  const obj = join(tmp, 'skb_types.o');
  const pin = `/sys/fs/bpf/bpfscope-skb-types-${process.pid}`;
  const store = join(tmp, 'store');
  const ctxIn = join(tmp, 'ctx.bin');
  beforeAll(() => {
    compileBpf(SRC, obj);
    // __sk_buff with mark 5, priority 6, cb[0] 1 and cb[4] 4: fields a test run takes from ctx_in.
    const ctx = new DataView(new ArrayBuffer(192));
    ctx.setUint32(8, 5, true);
    ctx.setUint32(32, 6, true);
    ctx.setUint32(48, 1, true);
    ctx.setUint32(64, 4, true);
    writeFileSync(ctxIn, new Uint8Array(ctx.buffer));
    const k = spawnSync('bpftool', ['prog', 'loadall', obj, pin, 'pinmaps', `${pin}-maps`], { encoding: 'utf8' });
    if (k.status !== 0) throw new Error(`the kernel refused skb_types.o: ${k.stderr}`);
    const b = bpfscope(['--state', store, 'prog', 'loadall', obj, pin, 'pinmaps', `${pin}-maps`]);
    if (b.status !== 0) throw new Error(`bpfscope refused skb_types.o: ${b.stderr}`);
  });
  afterAll(() => {
    rmSync(pin, { recursive: true, force: true });
    rmSync(`${pin}-maps`, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  /** One run's output files and the map after it, from bpftool on the kernel or from bpfscope. */
  const runOn = (tool: 'kernel' | 'bpfscope', prog: string, packet: string) => {
    const out = join(tmp, `${tool}-${prog}-${packet}`);
    const args = ['prog', 'run', 'pinned', join(pin, prog), 'data_in', join(REPO, 'test', 'packets', `${packet}.bin`), 'data_out', `${out}.data`, 'ctx_in', ctxIn, 'ctx_out', `${out}.ctx`];
    const reset = ['map', 'update', 'pinned', join(`${pin}-maps`, 'seen')];
    const dump = ['-j', 'map', 'dump', 'pinned', join(`${pin}-maps`, 'seen')];
    const exec = (a: string[]) =>
      tool === 'kernel' ? spawnSync('bpftool', a, { encoding: 'utf8' }) : bpfscope(['--state', store, ...a]);
    // Every run writes keys 0-5; key 6 only where bpf_skb_load_bytes succeeds.
    exec([...reset, 'key', '6', '0', '0', '0', 'value', ...Array<string>(8).fill('0')]);
    const r = exec(args);
    const read = (f: string) => {
      try {
        return [...readFileSync(f)];
      } catch {
        return undefined;
      }
    };
    return {
      status: r.status,
      stdout: r.stdout.replace(/duration: \d+ns/, 'duration: N'),
      stderr: r.stderr,
      dataOut: read(`${out}.data`),
      ctxOut: read(`${out}.ctx`),
      seen: JSON.parse(exec(dump).stdout) as unknown,
    };
  };

  it.each(PROGRAMS)('%s: return value, data_out, ctx_out and what it saw, on every packet', (prog) => {
    for (const packet of PACKETS) expect(runOn('bpfscope', prog, packet), `${prog} on ${packet}`).toEqual(runOn('kernel', prog, packet));
  });

  it.each(PROGRAMS)("%s: dump xlated is the kernel's", (prog) => {
    // Map ids and the kernel's function addresses (the number after a helper's name) are the kernel's own.
    const dump = (r: { stdout: string }) => r.stdout.replace(/map\[id:\d+\]/g, 'map[id:N]').replace(/(call \w+)#\d+/g, '$1#N');
    const theirs = spawnSync('bpftool', ['prog', 'dump', 'xlated', 'pinned', join(pin, prog)], { encoding: 'utf8' });
    const ours = bpfscope(['--state', store, 'prog', 'dump', 'xlated', 'pinned', join(pin, prog)]);
    expect(dump(ours)).toBe(dump(theirs));
  });
});
