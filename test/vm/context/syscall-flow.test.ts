import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VerifierError } from '../../../src/errors.js';
import { assemble } from '../../../src/isa/asm.js';
import { progTypeId } from '../../../src/object/kinds.js';
import { openObject } from '../../../src/object/open.js';
import type { ObjectSpec, ProgramSpec } from '../../../src/object/spec.js';
import { TestRunError } from '../../../src/vm/context/errors.js';
import { load, type RunInput } from '../../../src/vm/run.js';
import { OBJECTS, REPO } from '../../helpers/env.js';

/**
 * syscall and flow_dissector test runs on hand-written programs, without a kernel; the
 * expected values follow bpf_prog_test_run_syscall and bpf_prog_test_run_flow_dissector
 * (net/bpf/test_run.c) and bpf_flow_dissect (net/core/flow_dissector.c). The kernel
 * itself is compared in test/cli/prog-run-syscall-flow.test.ts.
 */
const PACKET = new Uint8Array(readFileSync(join(REPO, 'test', 'packets', 'ipv4-udp.bin')));

function objectWith(type: 'syscall' | 'flow_dissector', source: string): ObjectSpec {
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

const run = (type: 'syscall' | 'flow_dissector', source: string, input: RunInput) => load(objectWith(type, source)).program('probe').run(input);

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof TestRunError) return e.code;
    throw e;
  }
  return 'ran';
}

describe('syscall programs', () => {
  // r0 = ctx->a + 1, stored as ctx->sum (offset 8).
  const ADD = 'ldxdw %r0, [%r1+0]\nadd %r0, 1\nstxw [%r1+8], %r0\nexit';
  const ctx = (a: number, extra = 0) => {
    const c = new Uint8Array(16 + extra);
    new DataView(c.buffer).setBigUint64(0, BigInt(a), true);
    return c;
  };

  it('run once on ctx_in, which comes back written, with no duration', () => {
    const r = run('syscall', ADD, { ctx: ctx(41) });
    expect(r.retval).toBe(42);
    expect(new DataView(r.ctxOut!.buffer).getUint32(8, true)).toBe(42);
    expect(r.durationNs).toBe(0);
    expect(r.dataOut).toBeUndefined();
  });

  it('refuse data, data_out, ctx_out, repeat, a context shorter than what is read or over U16_MAX', () => {
    expect(refusal(() => run('syscall', ADD, { ctx: ctx(1), data: PACKET }))).toBe('EINVAL');
    expect(refusal(() => run('syscall', ADD, { ctx: ctx(1), ctxSizeOut: 16 }))).toBe('EINVAL');
    expect(refusal(() => run('syscall', ADD, { ctx: ctx(1), dataSizeOut: 16 }))).toBe('EINVAL');
    expect(refusal(() => run('syscall', ADD, { ctx: ctx(1), repeat: 1 }))).toBe('EINVAL');
    expect(refusal(() => run('syscall', ADD, { ctx: ctx(1).subarray(0, 11) }))).toBe('EINVAL');
    expect(refusal(() => run('syscall', ADD, { ctx: ctx(1, 0xffff) }))).toBe('EINVAL');
    expect(refusal(() => run('syscall', ADD, { ctx: ctx(1), repeat: 0 }))).toBe('ran');
  });

  it('run with no context at all when the program reads none', () => {
    expect(run('syscall', 'mov %r0, 7\nexit', {}).retval).toBe(7);
  });
});

describe('flow_dissector programs', () => {
  // r0 = flow_keys->n_proto (offset 10, big-endian in memory) | nhoff << 16.
  const KEYS = 'ldxdw %r2, [%r1+144]\nldxh %r0, [%r2+10]\nldxh %r3, [%r2+0]\nlsh %r3, 16\nor %r0, %r3\nexit';

  it('see n_proto from the Ethernet header and nhoff 14; data_out is bpf_flow_keys', () => {
    const r = run('flow_dissector', KEYS, { data: PACKET });
    expect(r.retval).toBe(0x0008 | (14 << 16));
    expect(r.dataOut).toHaveLength(56);
    expect([...r.dataOut!.subarray(0, 4)]).toEqual([14, 0, 14, 0]);
  });

  it('clamp nhoff and thoff to the packet after the run', () => {
    // nhoff = 9000, thoff = 1: nhoff becomes the packet size, thoff nhoff.
    const r = run('flow_dissector', 'ldxdw %r2, [%r1+144]\nmov %r3, 9000\nstxh [%r2+0], %r3\nmov %r3, 1\nstxh [%r2+2], %r3\nmov %r0, 0\nexit', { data: PACKET });
    const v = new DataView(r.dataOut!.buffer);
    expect([v.getUint16(0, true), v.getUint16(2, true)]).toEqual([PACKET.length, PACKET.length]);
  });

  it('take flags from ctx_in, hand ctx_in back, refuse any other field', () => {
    const keys = new Uint8Array(56);
    new DataView(keys.buffer).setUint32(48, 4, true);
    const r = run('flow_dissector', 'ldxdw %r2, [%r1+144]\nldxw %r0, [%r2+48]\nexit', { data: PACKET, ctx: keys });
    expect(r.retval).toBe(4);
    expect(r.ctxOut).toEqual(keys);
    keys[0] = 1;
    expect(refusal(() => run('flow_dissector', KEYS, { data: PACKET, ctx: keys }))).toBe('EINVAL');
    expect(refusal(() => run('flow_dissector', KEYS, { data: PACKET.subarray(0, 13) }))).toBe('EINVAL');
    expect(refusal(() => run('flow_dissector', KEYS, { data: PACKET, dataSizeOut: 8 }))).toBe('ENOSPC');
  });

  it('bpf_skb_load_bytes fails with -EFAULT and zeroes the buffer: a test run has no skb', () => {
    const r = run('flow_dissector', 'mov %r3, %r10\nadd %r3, -8\nmov %r2, 0\nmov %r4, 4\ncall 26\nexit', { data: PACKET });
    expect(r.retval).toBe(2 ** 32 - 14);
  });

  it('refuse context fields other than data, data_end and flow_keys, and writes', () => {
    expect(() => load(objectWith('flow_dissector', 'ldxw %r0, [%r1+0]\nexit'))).toThrow(VerifierError);
    expect(() => load(objectWith('flow_dissector', 'mov %r0, 0\nstxw [%r1+76], %r0\nexit'))).toThrow(VerifierError);
  });
});
