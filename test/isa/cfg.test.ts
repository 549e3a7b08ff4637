import { describe, expect, it } from 'vitest';
import { InsnError } from '../../src/errors.js';
import { buildCfg, lastInsnPc } from '../../src/isa/cfg.js';
import { jumpTarget, localCallTarget } from '../../src/isa/slots.js';
import type { Insn } from '../../src/isa/insn.js';
import { I, lddw } from './oracle.js';

const exit = I('exit');
const mov = (dst: number, imm: number) => I('mov64_imm', { dst, imm });

describe('buildCfg', () => {
  it('keeps straight-line code in one block with no successor after exit', () => {
    const cfg = buildCfg([mov(0, 1), ...lddw(1, 2n), exit], { calls: 'object' });
    expect(cfg.functions).toEqual([{ start: 0, end: 4, calls: [], blocks: [{ start: 0, end: 4, successors: [] }] }]);
  });

  it('splits at jumps and their targets: fallthrough first, then the jump', () => {
    //  0: if r1 == 0 goto +2   1: r0 = 1   2: goto +1   3: r0 = 2   4: exit
    const insns = [I('jeq_imm', { dst: 1, off: 2 }), mov(0, 1), I('ja', { off: 1 }), mov(0, 2), exit];
    const [fn] = buildCfg(insns, { calls: 'object' }).functions;
    expect(fn!.blocks).toEqual([
      { start: 0, end: 1, successors: [{ kind: 'fallthrough', to: 1 }, { kind: 'jump', to: 2 }] },
      { start: 1, end: 3, successors: [{ kind: 'jump', to: 3 }] },
      { start: 3, end: 4, successors: [{ kind: 'fallthrough', to: 3 }] },
      { start: 4, end: 5, successors: [] },
    ]);
  });

  it('ends a block after an exit even when nothing jumps to what follows', () => {
    const [fn] = buildCfg([exit, mov(0, 1), exit], { calls: 'object' }).functions;
    expect(fn!.blocks.map((b) => [b.start, b.end])).toEqual([[0, 1], [1, 3]]);
  });

  it('finds functions from calls (imm in objects, off when xlated) and callback references', () => {
    const object = [I('call_local', { imm: 2 }), I('lddw_func', { dst: 1, imm: 3 }), { code: 0, dst: 0, src: 0, off: 0, imm: 0 }, exit, exit, exit];
    const cfg = buildCfg(object, { calls: 'object' });
    expect(cfg.functions.map((f) => [f.start, f.end])).toEqual([[0, 3], [3, 5], [5, 6]]);
    expect(cfg.functions[0]!.calls).toEqual([{ pc: 0, kind: 'local', target: 3, imm: 2 }]);
    const xlated = [{ ...I('call_local'), off: 1, imm: 1 }, exit, exit];
    expect(buildCfg(xlated, { calls: 'xlated' }).functions.map((f) => f.start)).toEqual([0, 2]);
  });

  it('takes explicit function starts, always with 0', () => {
    expect(buildCfg([exit, exit, exit], { calls: 'object', functionStarts: [2] }).functions.map((f) => [f.start, f.end])).toEqual([[0, 2], [2, 3]]);
  });

  it('lists calls by kind; calls do not end blocks', () => {
    const insns = [I('call_helper', { imm: 6 }), I('call_kfunc', { imm: 77 }), I('callx', { dst: 2 }), exit];
    const [fn] = buildCfg(insns, { calls: 'object' }).functions;
    expect(fn!.blocks).toHaveLength(1);
    expect(fn!.calls).toEqual([
      { pc: 0, kind: 'helper', imm: 6 },
      { pc: 1, kind: 'kfunc', imm: 77 },
      { pc: 2, kind: 'callx', imm: 0 },
    ]);
  });

  it('reads gotol from imm, or from off as bpftool 7.1 does', () => {
    const insns: Insn[] = [I('gotol', { imm: 1 }), mov(0, 1), exit];
    expect(jumpTarget(insns[0]!, 0)).toBe(2);
    expect(jumpTarget(insns[0]!, 0, 'bpftool-7.1')).toBe(1);
    expect(buildCfg(insns, { calls: 'object' }).functions[0]!.blocks[0]!.successors).toEqual([{ kind: 'jump', to: 2 }]);
    expect(buildCfg(insns, { calls: 'object', dialect: 'bpftool-7.1' }).functions[0]!.blocks[0]!.successors).toEqual([{ kind: 'jump', to: 1 }]);
  });

  it.each([
    ['a jump out of its function', [I('ja', { off: 5 }), exit], 0, /outside its function/],
    ['a jump into an ld_imm64', [I('ja', { off: 1 }), ...lddw(1, 1n), exit], 0, /middle of an ld_imm64/],
    ['a call into an ld_imm64', [I('call_local', { imm: 1 }), ...lddw(1, 1n), exit], 2, /not an instruction/],
    ['a call past the end', [I('call_local', { imm: 9 }), exit], 10, /not an instruction/],
  ])('refuses %s', (_what, insns, pc, message) => {
    try {
      buildCfg(insns, { calls: 'object' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InsnError);
      expect((e as InsnError).message).toMatch(message);
      expect((e as InsnError).context.pc).toBe(pc);
    }
  });
});

describe('helpers', () => {
  it('localCallTarget sees only bpf-to-bpf calls', () => {
    expect(localCallTarget(I('call_local', { imm: 4 }), 10, 'object')).toBe(15);
    expect(localCallTarget({ ...I('call_local'), off: -3, imm: 2 }, 10, 'xlated')).toBe(8);
    expect(localCallTarget(I('call_helper', { imm: 4 }), 10, 'object')).toBeUndefined();
  });

  it('lastInsnPc points at the first slot of a closing ld_imm64', () => {
    expect(lastInsnPc([mov(0, 1), ...lddw(1, 1n)], { start: 0, end: 3, successors: [] })).toBe(1);
  });
});
