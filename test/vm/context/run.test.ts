import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotModelledError, VerifierError } from '../../../src/errors.js';
import { assemble } from '../../../src/isa/asm.js';
import { progTypeId } from '../../../src/object/kinds.js';
import { openObject } from '../../../src/object/open.js';
import type { ObjectSpec, ProgramSpec } from '../../../src/object/spec.js';
import { TestRunError } from '../../../src/vm/context/errors.js';
import { load, type RunInput } from '../../../src/vm/run.js';
import { OBJECTS, REPO } from '../../helpers/env.js';

/**
 * Contexts, packet helpers and BPF_PROG_TEST_RUN's checks on small hand-written
 * programs. Expected values follow net/bpf/test_run.c and net/core/filter.c: the XDP
 * frame keeps 256 bytes of headroom of which the first 40 hold the xdp_frame, metadata
 * is a multiple of 4 bytes, an skb run takes the Ethernet header off for
 * socket filters and gives it back to tc programs.
 */
const PACKET = new Uint8Array(readFileSync(join(REPO, 'test', 'packets', 'ipv4-udp.bin')));

/** An object holding one program of the given type, from assembly. */
function objectWith(type: 'xdp' | 'socket_filter' | 'sched_cls' | 'kprobe' | 'raw_tracepoint', source: string): ObjectSpec {
  const base = openObject(join(OBJECTS, 'two_in_one.o'));
  const insns = assemble(source);
  const template = base.programs[0]!;
  const program: ProgramSpec = {
    ...template,
    name: 'probe',
    kind: { ...template.kind, progType: progTypeId(type), progTypeName: type, expectedAttachType: 0 },
    insns,
    mapRefs: [],
    externRefs: [],
    functions: [{ name: 'probe', insnOff: 0, insnCount: insns.length, sectionName: template.sectionName }],
    funcInfo: [],
    lineInfo: [],
  };
  return { ...base, programs: [program], maps: [], btf: undefined };
}

function run(type: Parameters<typeof objectWith>[0], source: string, input: RunInput) {
  return load(objectWith(type, source)).program('probe').run(input);
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof TestRunError) return e.code;
    throw e;
  }
  return 'ran';
}

const u32 = (...values: number[]): Uint8Array => new Uint8Array(new Uint32Array(values).buffer);

describe('XDP', () => {
  it('gives ctx->data and ctx->data_end as pointers to the packet', () => {
    // r0 = data_end - data: the packet's length.
    const r = run('xdp', 'ldxw %r2, [%r1+0]\nldxw %r3, [%r1+4]\nmov %r0, %r3\nsub %r0, %r2\nexit', { data: PACKET });
    expect(r.retval).toBe(PACKET.length);
    expect(r.dataOut).toEqual(PACKET);
  });

  it('reads the loopback device as ingress_ifindex and queue 0', () => {
    expect(run('xdp', 'ldxw %r0, [%r1+12]\nexit', { data: PACKET }).retval).toBe(1);
    expect(run('xdp', 'ldxw %r0, [%r1+16]\nexit', { data: PACKET }).retval).toBe(0);
  });

  it('bpf_xdp_adjust_head grows the packet into the headroom, down to the xdp_frame', () => {
    const grow = (by: number) => run('xdp', `mov %r6, %r1\nmov %r2, ${-by}\ncall 44\nexit`, { data: PACKET });
    const grown = grow(16);
    expect(grown.retval).toBe(0);
    expect(grown.dataOut).toEqual(new Uint8Array([...new Uint8Array(16), ...PACKET]));
    expect(grow(256 - 40).retval).toBe(0);
    expect(grow(256 - 40 + 1).retval).toBe(2 ** 32 - 22); // -EINVAL
  });

  it('bpf_xdp_adjust_tail shrinks to an Ethernet header and grows with zeros up to the shared info', () => {
    const tail = (by: number) => run('xdp', `mov %r2, ${by}\ncall 65\nexit`, { data: PACKET });
    expect(tail(-(PACKET.length - 14)).dataOut).toEqual(PACKET.subarray(0, 14));
    expect(tail(-(PACKET.length - 13)).retval).toBe(2 ** 32 - 22);
    expect(tail(6).dataOut).toEqual(new Uint8Array([...PACKET, 0, 0, 0, 0, 0, 0]));
    // 4096-byte frame, 320 bytes of skb_shared_info at its end, data 256 bytes in.
    expect(tail(4096 - 320 - 256 - PACKET.length).retval).toBe(0);
    expect(tail(4096 - 320 - 256 - PACKET.length + 1).retval).toBe(2 ** 32 - 22);
  });

  it('bpf_xdp_adjust_meta makes room for metadata that data_out and ctx_out include', () => {
    const meta = (by: number) => run('xdp', `mov %r2, ${-by}\ncall 54\nexit`, { data: PACKET, ctx: u32(0, PACKET.length, 0, 0, 0, 0) });
    const r = meta(8);
    expect(r.retval).toBe(0);
    expect(r.dataOut).toEqual(new Uint8Array([...new Uint8Array(8), ...PACKET]));
    expect(r.ctxOut).toEqual(u32(8, 8 + PACKET.length, 0, 0, 0, 0));
    expect(meta(6).retval).toBe(2 ** 32 - 13); // -EACCES: not a multiple of 4
    expect(meta(216 + 4).retval).toBe(2 ** 32 - 22); // -EINVAL: into the xdp_frame
  });

  it('takes metadata from ctx_in: data is where the packet starts after it', () => {
    const r = run('xdp', 'ldxw %r2, [%r1+8]\nldxw %r3, [%r1+0]\nmov %r0, %r3\nsub %r0, %r2\nexit', { data: PACKET, ctx: u32(4, PACKET.length, 0, 0, 0, 0) });
    expect(r.retval).toBe(4);
    expect(r.ctxOut).toEqual(u32(4, PACKET.length, 0, 0, 0, 0));
  });

  it('refuses what bpf_prog_test_run_xdp refuses', () => {
    const prog = 'mov %r0, 2\nexit';
    expect(refusal(() => run('xdp', prog, { data: PACKET.subarray(0, 13) }))).toBe('EINVAL');
    expect(refusal(() => run('xdp', prog, { data: PACKET, ctx: u32(0, PACKET.length + 1, 0, 0, 0, 0) }))).toBe('EINVAL');
    expect(refusal(() => run('xdp', prog, { data: PACKET, ctx: u32(0, PACKET.length, 4, 0, 0, 0) }))).toBe('EINVAL');
    expect(refusal(() => run('xdp', prog, { data: PACKET, ctx: u32(0, PACKET.length, 0, 9, 0, 0) }))).toBe('ENODEV');
    expect(refusal(() => run('xdp', prog, { data: PACKET, ctx: u32(0, PACKET.length, 0, 1, 1, 0) }))).toBe('EINVAL'); // lo has one queue
    expect(refusal(() => run('xdp', prog, { data: PACKET, ctx: u32(0, PACKET.length, 0, 1, 0, 0) }))).toBe('ran');
    expect(refusal(() => run('xdp', prog, { data: PACKET, ctx: u32(0, PACKET.length, 0, 0, 0, 0, 7) }))).toBe('E2BIG');
    expect(refusal(() => run('xdp', prog, { data: PACKET, dataSizeOut: PACKET.length - 1 }))).toBe('ENOSPC');
    expect(() => run('xdp', prog, { data: new Uint8Array(3521) })).toThrow(/multi-buffer XDP frames, which bpfscope does not model/);
    expect(() => run('xdp', prog, { data: PACKET, ctx: u32(0, PACKET.length - 1, 0, 0, 0, 0) })).toThrow(/multi-buffer XDP frame/);
  });

  it('does not let a program dereference its context moved by a constant', () => {
    expect(() => load(objectWith('xdp', 'add %r1, 4\nldxw %r0, [%r1+0]\nexit'))).toThrow(/insn 1: dereference of modified ctx ptr R1 disallowed/);
  });

  it('does not let a program write its context', () => {
    expect(() => load(objectWith('xdp', 'stw [%r1+0], 1\nmov %r0, 2\nexit'))).toThrow(/program probe: insn 0: invalid bpf_context access off=0 size=4/);
  });

  it('a packet read past the end faults with the pc and the address', () => {
    expect(() => run('xdp', 'ldxw %r2, [%r1+4]\nldxb %r0, [%r2+4000]\nexit', { data: PACKET })).toThrow(/insn 1: .*read of 1 byte at 0x[0-9a-f]+ is outside xdp packet/);
  });

  it('repeats on the same packet: changes accumulate', () => {
    const r = run('xdp', 'mov %r2, -4\ncall 44\nexit', { data: PACKET, repeat: 3 });
    expect(r.dataOut!.length).toBe(PACKET.length + 12);
  });
});

describe('skb', () => {
  it('a socket filter sees the packet from the IP header, with protocol and len', () => {
    const r = run('socket_filter', 'ldxw %r0, [%r1+16]\nexit', { data: PACKET });
    expect(r.retval).toBe(0x0008); // htons(ETH_P_IP) as the little-endian load reads it
    expect(run('socket_filter', 'ldxw %r0, [%r1+0]\nexit', { data: PACKET }).retval).toBe(PACKET.length - 14);
    // data_out puts back a zeroed Ethernet header.
    expect(r.dataOut).toEqual(new Uint8Array([...new Uint8Array(14), ...PACKET.subarray(14)]));
  });

  it('a tc program sees the Ethernet header and writes mark, priority and cb back to ctx_out', () => {
    const src = 'ldxw %r0, [%r1+0]\nstw [%r1+8], 0x77\nstw [%r1+32], 5\nstw [%r1+52], 9\nexit';
    const ctx = new Uint8Array(192);
    const r = run('sched_cls', src, { data: PACKET, ctx });
    expect(r.retval).toBe(PACKET.length);
    const out = new DataView(r.ctxOut!.buffer);
    expect([out.getUint32(8, true), out.getUint32(32, true), out.getUint32(52, true)]).toEqual([0x77, 5, 9]);
    expect(out.getUint32(40, true)).toBe(1); // ifindex: loopback
    expect(out.getUint32(160, true)).toBe(PACKET.length); // wire_len
  });

  it('LD_ABS reads big-endian at an offset, below the network header with SKF_NET_OFF, and ends the program with 0 past the end', () => {
    expect(run('socket_filter', 'mov %r6, %r1\nldabsh 2\nexit', { data: PACKET }).retval).toBe(0x002c); // IPv4 total length
    expect(run('socket_filter', `mov %r6, %r1\nldabsb ${-0x100000 + 9}\nexit`, { data: PACKET }).retval).toBe(17); // protocol UDP
    expect(run('socket_filter', 'mov %r6, %r1\nldabsw 1000\nmov %r0, 7\nexit', { data: PACKET }).retval).toBe(0);
    expect(run('socket_filter', 'mov %r6, %r1\nmov %r7, 8\nldindw %r7, 4\nexit', { data: PACKET }).retval).toBe(0x0a000001); // saddr
  });

  it('bpf_skb_load_bytes copies or zeroes and fails with -EFAULT', () => {
    const src = (off: number) => `mov %r2, ${off}\nmov %r3, %r10\nadd %r3, -4\nmov %r4, 4\ncall 26\nldxw %r1, [%r10-4]\nlsh %r0, 32\nor %r0, %r1\nmov %r1, %r0\nrsh %r1, 32\nmov %r0, %r1\nexit`;
    expect(run('socket_filter', src(0), { data: PACKET }).retval).toBe(0);
    expect(run('socket_filter', src(PACKET.length), { data: PACKET }).retval).toBe(2 ** 32 - 14);
  });

  it('bpf_skb_store_bytes writes the packet of a tc program', () => {
    const src = 'stw [%r10-4], 0x04030201\nmov %r2, 0\nmov %r3, %r10\nadd %r3, -4\nmov %r4, 4\nmov %r5, 0\ncall 9\nexit';
    const r = run('sched_cls', src, { data: PACKET });
    expect(r.retval).toBe(0);
    expect(r.dataOut!.subarray(0, 4)).toEqual(new Uint8Array([1, 2, 3, 4]));
  });

  it('refuses what bpf_prog_test_run_skb refuses', () => {
    const prog = 'mov %r0, 0\nexit';
    const ctx = new Uint8Array(192);
    ctx[0] = 1; // len may not be set
    expect(refusal(() => run('sched_cls', prog, { data: PACKET, ctx }))).toBe('EINVAL');
    expect(refusal(() => run('sched_cls', prog, { data: PACKET.subarray(0, 13) }))).toBe('EINVAL');
    expect(refusal(() => run('sched_cls', prog, { data: PACKET.subarray(0, 14 + 19) }))).toBe('EINVAL'); // IPv4 type, short header
    const arp = new Uint8Array(PACKET.subarray(0, 14));
    arp[13] = 0x06;
    expect(refusal(() => run('sched_cls', prog, { data: arp }))).toBe('ran');
    expect(refusal(() => run('socket_filter', prog, { data: arp }))).toBe('EINVAL'); // nothing left after the Ethernet header
    const dev = new Uint8Array(192);
    dev[40] = 4;
    expect(refusal(() => run('sched_cls', prog, { data: PACKET, ctx: dev }))).toBe('ENODEV');
  });

  it('a socket filter may not read data_end', () => {
    expect(() => load(objectWith('socket_filter', 'ldxw %r0, [%r1+80]\nexit'))).toThrow(/invalid bpf_context access off=80 size=4/);
  });
});

describe('tracing', () => {
  it('raw tracepoints read their u64 arguments from ctx_in and take nothing else', () => {
    const args = new Uint8Array(16);
    new DataView(args.buffer).setBigUint64(8, 59n, true);
    expect(run('raw_tracepoint', 'ldxdw %r0, [%r1+8]\nexit', { ctx: args }).retval).toBe(59);
    expect(refusal(() => run('raw_tracepoint', 'ldxdw %r0, [%r1+8]\nexit', { ctx: args.subarray(0, 8) }))).toBe('EINVAL');
    expect(refusal(() => run('raw_tracepoint', 'mov %r0, 0\nexit', { ctx: args, repeat: 1 }))).toBe('EINVAL');
  });

  it('kprobes read x86-64 pt_regs (di at 112) built from ctx_in; with data_in the kernel has no test run', () => {
    const regs = new Uint8Array(168);
    new DataView(regs.buffer).setBigUint64(112, 1234n, true);
    expect(run('kprobe', 'ldxdw %r0, [%r1+112]\nexit', { ctx: regs }).retval).toBe(1234);
    expect(refusal(() => run('kprobe', 'mov %r0, 0\nexit', { data: PACKET }))).toBe('ENOTSUPP');
  });
});

describe('what the VM does not model', () => {
  it('a helper the VM does not implement loads, and its run fails before it starts, naming helper, program and pc', () => {
    const loaded = load(objectWith('sched_cls', 'mov %r2, 0\ncall 38\nexit'));
    expect(loaded.loaded.programs[0]!.xlated).toHaveLength(3);
    const run = () => loaded.program('probe').run({ data: PACKET });
    expect(run).toThrow(NotModelledError);
    expect(run).toThrow(/program probe: insn 1: helper bpf_skb_change_tail#38 is not modelled by bpfscope's VM$/);
  });

  it('a context helper of another program type loads and does not run', () => {
    const loaded = load(objectWith('xdp', 'call 26\nexit'));
    expect(() => loaded.program('probe').run({ data: PACKET })).toThrow(/helper bpf_skb_load_bytes#26 is not modelled/);
  });

  it('a helper id past the kernel\'s last is refused at load, as the verifier refuses it', () => {
    expect(() => load(objectWith('xdp', 'call 212\nexit'))).toThrow(VerifierError);
    expect(() => load(objectWith('xdp', 'call 212\nexit'))).toThrow(/program probe: insn 0: invalid func unknown#212$/);
  });
});

describe('bad programs', () => {
  it('division by a register holding zero gives 0, as the kernel patches it to', () => {
    expect(run('xdp', 'mov %r0, 7\nmov %r2, 0\ndiv %r0, %r2\nexit', { data: PACKET }).retval).toBe(0);
  });

  it('calls nested deeper than 8 frames fault', () => {
    const calls = Array.from({ length: 9 }, (_, i) => `f${i}:\ncall local f${i + 1}\nexit`).join('\n');
    expect(() => run('xdp', `call local f0\nexit\n${calls}\nf9:\nmov %r0, 0\nexit`, { data: PACKET })).toThrow(/calls nest deeper than 8 frames/);
  });
});
