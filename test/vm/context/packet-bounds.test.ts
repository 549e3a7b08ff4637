import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VmFault } from '../../../src/errors.js';
import { contextKind, type RunInput } from '../../../src/vm/context/index.js';
import type { EngineName } from '../../../src/vm/vm.js';
import { runProgram } from '../../../src/vm/run.js';
import { Runtime } from '../../../src/vm/runtime/index.js';
import { REPO } from '../../helpers/env.js';
import { asmObject } from '../runtime/asm-object.js';

/**
 * Packet accesses outside [data_meta, data_end) (XDP) or [data, data_end) (tc), which
 * the kernel's verifier refuses at load, fault at the instruction on both engines, with
 * the same message and registers; the bounds follow the helpers that move them, and
 * pointers kept across a helper that may change the packet fault as stale. The
 * 58-byte IPv4/UDP packet: an XDP frame has 256 bytes of headroom before it, an skb 64.
 */
const PACKET = new Uint8Array(readFileSync(join(REPO, 'test', 'packets', 'ipv4-udp.bin')));
const N = PACKET.length;
const ENGINES: readonly EngineName[] = ['interpreter', 'jit'];

/** XDP: r2 = data, r3 = data_end, r4 = data_meta; tc: the same from __sk_buff. */
const XDP_PTRS = 'ldxw %r2, [%r1+0]\nldxw %r3, [%r1+4]\nldxw %r4, [%r1+8]\n';
const TC_PTRS = 'ldxw %r2, [%r1+76]\nldxw %r3, [%r1+80]\nldxw %r4, [%r1+140]\n';

type Outcome = { retval: number; dataOut?: Uint8Array } | { fault: string; pc: number | undefined; registers: bigint[] };

function runOn(engine: EngineName, section: string, text: string, input: RunInput): Outcome {
  const rt = new Runtime(asmObject([{ name: 'probe', section, text }]), { engine });
  const program = rt.object.programs[0]!;
  try {
    const r = runProgram(rt, program, input);
    return { retval: r.retval, dataOut: r.dataOut };
  } catch (e) {
    if (!(e instanceof VmFault)) throw e;
    const vm = rt.instance(program, contextKind(program.spec.kind.progType)!.helpers(program.kernelProfile));
    return { fault: e.message, pc: e.context.pc, registers: Array.from({ length: 11 }, (_, r) => vm.registers.get(r)) };
  }
}

/** Runs on both engines, expects them to agree, and returns the outcome. */
function run(section: string, text: string, input: RunInput = { data: PACKET }): Outcome {
  const [interpreted, compiled] = ENGINES.map((engine) => runOn(engine, section, text, input));
  expect(compiled).toEqual(interpreted);
  return interpreted!;
}

function fault(section: string, text: string, input?: RunInput): string {
  const o = run(section, text, input);
  if (!('fault' in o)) throw new Error(`the program ran to its end (r0 ${o.retval})`);
  return o.fault;
}

const xdp = (body: string, input?: RunInput) => run('xdp', `${XDP_PTRS}${body}`, input);
const xdpFault = (body: string, input?: RunInput) => fault('xdp', `${XDP_PTRS}${body}`, input);
const ADDR = '0x[0-9a-f]+';

describe('XDP packet bounds', () => {
  it('reads up to data_end and faults at it', () => {
    expect(xdp(`ldxb %r0, [%r3-1]\nexit`)).toMatchObject({ retval: PACKET[N - 1] });
    expect(xdpFault('ldxb %r0, [%r3+0]\nexit')).toMatch(new RegExp(`^program probe: insn 3: \\(71\\) r0 = \\*\\(u8 \\*\\)\\(r3 \\+0\\): read of 1 byte at ${ADDR} is outside xdp packet \\(${N} bytes at ${ADDR}; offset ${N}\\)$`));
  });

  it('faults a load that starts inside and ends past data_end', () => {
    expect(xdpFault(`ldxdw %r0, [%r2+${N - 4}]\nexit`)).toMatch(/insn 3: .*read of 8 bytes at .* is outside xdp packet \(58 bytes at .*; offset 54\)$/);
  });

  it('faults a read of the tailroom past data_end', () => {
    expect(xdpFault('ldxw %r0, [%r3+100]\nexit')).toMatch(/read of 4 bytes at .* is outside xdp packet \(58 bytes at .*; offset 158\)$/);
  });

  it('faults a write into the headroom and leaves the frame as it was', () => {
    const o = run('xdp', `${XDP_PTRS}mov %r5, 0x55\nstxb [%r2-100], %r5\nmov %r0, 2\nexit`);
    expect(o).toMatchObject({ fault: expect.stringMatching(/insn 4: \(73\) \*\(u8 \*\)\(r2 -100\) = r5: write of 1 byte at .* is 100 bytes below xdp packet \(58 bytes at .*\)$/) as string, pc: 4 });
    // The registers as before the faulting store: r5 set, r0 still 0; data_out is not made.
    const { registers } = o as { registers: bigint[] };
    expect([registers[0], registers[5], registers[3]! - registers[2]!]).toEqual([0n, 0x55n, BigInt(N)]);
    expect(xdpFault('ldxb %r0, [%r2-1]\nexit')).toMatch(/read of 1 byte at .* is 1 bytes below xdp packet/);
  });

  it('lets the program read and write metadata from data_meta, and no further down', () => {
    const ctx = new Uint8Array(new Uint32Array([8, N, 0, 0, 0, 0]).buffer);
    const o = xdp('stw [%r4+0], 0x11223344\nldxw %r0, [%r2-8]\nexit', { data: PACKET, ctx });
    expect(o).toMatchObject({ retval: 0x11223344 });
    expect(xdpFault('ldxb %r0, [%r4-1]\nexit', { data: PACKET, ctx })).toMatch(/is 1 bytes below xdp packet \(58 bytes/);
  });

  it('follows bpf_xdp_adjust_head: the new data is readable, what it left faults', () => {
    const grow = 'mov %r6, %r1\nmov %r2, -16\ncall 44\nmov %r1, %r6\n';
    expect(xdp(`${grow}${XDP_PTRS}stb [%r2+0], 0x7e\nmov %r0, %r3\nsub %r0, %r2\nexit`)).toMatchObject({ retval: N + 16, dataOut: new Uint8Array([0x7e, ...new Uint8Array(15), ...PACKET]) });
    expect(fault('xdp', `${grow}${XDP_PTRS}ldxb %r0, [%r2-1]\nexit`)).toMatch(/insn 7: .* is 1 bytes below xdp packet \(74 bytes/);
    const shrink = 'mov %r6, %r1\nmov %r2, 20\ncall 44\nmov %r1, %r6\n';
    expect(fault('xdp', `${shrink}${XDP_PTRS}ldxb %r0, [%r2-1]\nexit`)).toMatch(/insn 7: .* is 1 bytes below xdp packet \(38 bytes/);
  });

  it('faults a packet pointer kept across bpf_xdp_adjust_head, which the verifier would refuse', () => {
    const kept = `mov %r6, %r1\n${XDP_PTRS}mov %r7, %r2\nmov %r1, %r6\nmov %r2, -4\ncall 44\nldxb %r0, [%r7+0]\nexit`;
    expect(fault('xdp', kept)).toMatch(/insn 8: \(71\) r0 = \*\(u8 \*\)\(r7 \+0\): read of 1 byte at .*: no memory is mapped there$/);
  });

  it('faults a packet pointer kept across a bpf_xdp_adjust_head that failed: the verifier invalidates it all the same', () => {
    const kept = `mov %r6, %r1\n${XDP_PTRS}mov %r7, %r2\nmov %r1, %r6\nmov %r2, -1000\ncall 44\nldxb %r0, [%r7+0]\nexit`;
    expect(fault('xdp', kept)).toMatch(/insn 8: .*: no memory is mapped there$/);
  });

  it('follows bpf_xdp_adjust_tail both ways', () => {
    const tail = (by: number) => `mov %r6, %r1\nmov %r2, ${by}\ncall 65\nmov %r1, %r6\n${XDP_PTRS}`;
    expect(fault('xdp', `${tail(-10)}ldxb %r0, [%r2+${N - 10}]\nexit`)).toMatch(/insn 7: .* is outside xdp packet \(48 bytes at .*; offset 48\)$/);
    expect(xdp(`${tail(6)}ldxb %r0, [%r2+${N + 5}]\nadd %r0, 9\nexit`)).toMatchObject({ retval: 9 });
    expect(fault('xdp', `${tail(6)}ldxb %r0, [%r2+${N + 6}]\nexit`)).toMatch(/is outside xdp packet \(64 bytes at .*; offset 64\)$/);
  });

  it('follows bpf_xdp_adjust_meta', () => {
    const meta = 'mov %r6, %r1\nmov %r2, -8\ncall 54\nmov %r1, %r6\n';
    expect(xdp(`${meta}${XDP_PTRS}stdw [%r4+0], 7\nldxdw %r0, [%r4+0]\nexit`)).toMatchObject({ retval: 7 });
    expect(fault('xdp', `${meta}${XDP_PTRS}ldxb %r0, [%r4-1]\nexit`)).toMatch(/is 1 bytes below xdp packet \(66 bytes/);
  });
});

describe('tc packet bounds', () => {
  const tc = (body: string) => run('tc', `${TC_PTRS}${body}`);
  const tcFault = (body: string) => fault('tc', `${TC_PTRS}${body}`);

  it('reads and writes [data, data_end): data_out shows the write', () => {
    expect(tc(`stb [%r3-1], 0xee\nldxb %r0, [%r2+0]\nexit`)).toMatchObject({ retval: PACKET[0], dataOut: new Uint8Array([...PACKET.subarray(0, N - 1), 0xee]) });
  });

  it('has data_meta at data (no metadata in a test run)', () => {
    expect(tc('mov %r0, %r2\nsub %r0, %r4\nexit')).toMatchObject({ retval: 0 });
  });

  it('faults a packet pointer kept across bpf_skb_store_bytes or bpf_skb_pull_data; reloaded ones work', () => {
    const store = 'stw [%r10-4], 0\nmov %r1, %r6\nmov %r2, 0\nmov %r3, %r10\nadd %r3, -4\nmov %r4, 4\nmov %r5, 0\ncall 9\n';
    const pull = 'mov %r1, %r6\nmov %r2, 0\ncall 39\n';
    for (const call of [store, pull]) {
      expect(fault('tc', `mov %r6, %r1\n${TC_PTRS}mov %r7, %r2\n${call}ldxb %r0, [%r7+0]\nexit`)).toMatch(/read of 1 byte at .*: no memory is mapped there$/);
      expect(run('tc', `mov %r6, %r1\n${call}mov %r1, %r6\n${TC_PTRS}ldxb %r0, [%r2+12]\nexit`)).toMatchObject({ retval: PACKET[12] });
    }
  });

  it('faults past data_end, in the tailroom and in the headroom', () => {
    expect(tcFault('ldxb %r0, [%r3+0]\nexit')).toMatch(new RegExp(`^program probe: insn 3: \\(71\\) r0 = \\*\\(u8 \\*\\)\\(r3 \\+0\\): read of 1 byte at ${ADDR} is outside skb packet \\(${N} bytes at ${ADDR}; offset ${N}\\)$`));
    expect(tcFault('ldxw %r0, [%r3+64]\nexit')).toMatch(/read of 4 bytes at .* is outside skb packet \(58 bytes at .*; offset 122\)$/);
    expect(tcFault('stb [%r2-2], 1\nexit')).toMatch(/insn 3: \(72\) \*\(u8 \*\)\(r2 -2\) = 1: write of 1 byte at .* is 2 bytes below skb packet \(58 bytes/);
  });
});
