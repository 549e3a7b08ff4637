import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/isa/asm.js';
import type { Insn } from '../../src/isa/insn.js';
import { Vm } from '../../src/vm/vm.js';
import { REPO } from '../helpers/env.js';
import { load } from '../vm/runtime/util.js';

/**
 * bench/vm.mjs times uBPF's interpreter on bench/ubpf/*.asm as the counterpart of the
 * objects' loops: they must be the objects' instructions and compute what the objects do.
 */

const packet = readFileSync(join(REPO, 'test', 'packets', 'ipv4-udp-1500.bin'));
const asm = (name: string): Insn[] => assemble(readFileSync(join(REPO, 'bench', 'ubpf', `${name}.asm`), 'utf8'), { file: `${name}.asm` });
const xlated = (object: string, program: string): Insn[] => load(join(REPO, 'objects', `${object}.o`)).programs.find((p) => p.name === program)!.xlated;
const fields = (insns: readonly Insn[]) => insns.map(({ code, dst, src, off, imm }) => ({ code, dst, src, off, imm }));

function fnv1a(bytes: Uint8Array): bigint {
  let h = 2166136261;
  for (const b of bytes) h = Math.imul(h ^ b, 16777619) >>> 0;
  return BigInt(h);
}

/** Runs as uBPF's ubpf_exec does: r1 the memory, r2 its size. */
function runLikeUbpf(insns: Insn[], mem: Uint8Array): { r0: bigint; executed: number } {
  const vm = new Vm(insns, { engine: 'interpreter' });
  return vm.run([vm.map('mem', new Uint8Array(mem)), mem.length]);
}

describe('bench/ubpf: the loops uBPF runs are the objects’', () => {
  it('fnv.asm: xdp_fnv’s loop (slots 7-17), the hash of the packet, 11 instructions a byte', () => {
    const ours = asm('fnv');
    expect(fields(ours.slice(7, 18))).toEqual(fields(xlated('fnv', 'xdp_fnv').slice(7, 18)));
    expect(packet.length).toBe(1500);
    expect(runLikeUbpf(ours, packet)).toEqual({ r0: fnv1a(packet), executed: 7 + 1500 * 11 + 2 });
  });

  it('alu.asm: alu_loop’s loop (slots 6-24) and result, 19 instructions a round', () => {
    const ours = asm('alu');
    expect(fields(ours.slice(6, 25))).toEqual(fields(xlated('alu', 'alu_loop').slice(6, 25)));
    // The last round does not take the goto back.
    expect(runLikeUbpf(ours, new Uint8Array(16))).toEqual({ r0: 3540111941n, executed: 4 + 999 * 19 + 18 + 2 });
  });
});
