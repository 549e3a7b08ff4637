import { describe, expect, it } from 'vitest';
import type { Insn } from '../../src/isa/insn.js';
import { xlatedVisual } from '../../src/render/dot-visual.js';
import { I, lddw } from '../isa/oracle.js';

const prog = (insns: Insn[]) => ({ name: 'p', insns, funcs: [], lines: [] });
const exit = I('exit');
const edges = (dot: string) => dot.split('\n').filter((l) => l.includes('->') && !l.includes('invis')).map((l) => /(fn_\d+_bb_\d+):s -> (fn_\d+_bb_\d+)/.exec(l)!.slice(1).join('>'));

describe('xlatedVisual', () => {
  it('draws one function as bpftool does', () => {
    expect(xlatedVisual(prog([I('mov64_imm', { imm: 0 }), exit]))).toBe(
      'digraph "DOT graph for eBPF program" {\n' +
        'subgraph "cluster_0" {\n\tstyle="dashed";\n\tcolor="black";\n\tlabel="func_0 ()";\n' +
        '\tfn_0_bb_0 [shape=Mdiamond,style=filled,label="ENTRY"];\n\n' +
        '\tfn_0_bb_2 [shape=record,style=filled,label="{   0: (b7) r0 = 0\\l\\\n |    1: (95) exit\\l\\\n}"];\n\n' +
        '\tfn_0_bb_1 [shape=Mdiamond,style=filled,label="EXIT"];\n\n' +
        '\tfn_0_bb_0:s -> fn_0_bb_2:n [style="solid,bold", color=black, weight=10, constraint=true];\n' +
        '\tfn_0_bb_2:s -> fn_0_bb_1:n [style="solid,bold", color=black, weight=10, constraint=true];\n' +
        '\tfn_0_bb_0:s -> fn_0_bb_1:n [style="invis", constraint=true];\n' +
        '}\n}\n',
    );
  });

  it('escapes record characters', () => {
    const dot = xlatedVisual(prog([I('jgt_reg', { dst: 1, src: 2 }), I('and64_imm', { dst: 1, imm: 1 }), I('lock_or_dw', { dst: 10, src: 1, off: -8 }), I('rsh64_imm', { dst: 1, imm: 1 }), exit]));
    expect(dot).toContain('(2d) if r1 \\> r2 goto pc+0\\l\\');
    expect(dot).toContain('(57) r1 \\&= 1\\l\\');
    expect(dot).toContain('(db) lock *(u64 *)(r10 -8) \\|= r1\\l\\');
    expect(dot).toContain('(77) r1 \\>\\>= 1\\l\\');
  });

  it("cuts an instruction's text to bpftool's 64-byte buffer, losing the row end", () => {
    const long = 'k'.repeat(60);
    const dot = xlatedVisual(prog([I('call_helper', { imm: -1 }), exit]), { kernelFunction: () => long });
    expect(dot).toContain(`{   0: ${`(85) call ${long}#-1\n`.slice(0, 63)} |    1: (95) exit\\l\\\n}`);
  });

  it('leaves a dangling separator after an ld_imm64 that ends a block', () => {
    const dot = xlatedVisual(prog([I('jeq_imm', { dst: 1, off: 2 }), ...lddw(1, 7n), exit]));
    expect(dot).toContain('label="{   1: (18) r1 = 0x7\\l\\\n | }"');
  });

  it('draws an exit as falling through, and a helper call closing a block twice', () => {
    //  0: if r1 == 0 goto +1   1: call 7   2: if r1 > 3 goto +1   3: exit   4: exit
    const insns = [I('jeq_imm', { dst: 1, off: 1 }), I('call_helper', { imm: 7 }), I('jgt_imm', { dst: 1, imm: 3, off: 1 }), exit, exit];
    expect(edges(xlatedVisual(prog(insns)))).toEqual([
      'fn_0_bb_0>fn_0_bb_2',
      'fn_0_bb_2>fn_0_bb_3',
      'fn_0_bb_2>fn_0_bb_4',
      'fn_0_bb_3>fn_0_bb_4',
      'fn_0_bb_3>fn_0_bb_4',
      'fn_0_bb_4>fn_0_bb_5',
      'fn_0_bb_4>fn_0_bb_6',
      'fn_0_bb_5>fn_0_bb_6',
      'fn_0_bb_6>fn_0_bb_1',
    ]);
  });

  it('gives a bpf-to-bpf call closing a block only its fallthrough', () => {
    //  0: if r1 == 0 goto +1   1: call pc+2   2: exit   3: (f) r0 = 0   4: exit
    const insns = [I('jeq_imm', { dst: 1, off: 1 }), { ...I('call_local'), off: 2, imm: 1 }, exit, I('mov64_imm', { imm: 0 }), exit];
    const dot = xlatedVisual(prog(insns));
    expect(edges(dot).filter((e) => e.startsWith('fn_0_bb_3'))).toEqual(['fn_0_bb_3>fn_0_bb_4']);
    expect(dot).toContain('(85) call pc+2\\l\\');
  });

  it('numbers clusters as calls are met and draws them in address order', () => {
    //  0: call x(3)  1: call y(6)  2: exit | 3 x: call z(5)  4: exit | 5 z: exit | 6 y: exit
    const call = (pc: number, target: number) => ({ ...I('call_local'), off: target - pc - 1, imm: 1 });
    const insns = [call(0, 3), call(1, 6), exit, call(3, 5), exit, exit, exit];
    const clusters = xlatedVisual(prog(insns)).split('\n').filter((l) => l.startsWith('subgraph'));
    expect(clusters).toEqual(['subgraph "cluster_0" {', 'subgraph "cluster_1" {', 'subgraph "cluster_3" {', 'subgraph "cluster_2" {']);
  });

  it('counts pcs from the start of each function', () => {
    const insns = [{ ...I('call_local'), off: 1, imm: 1 }, exit, I('mov64_imm', { imm: 1 }), exit];
    expect(xlatedVisual(prog(insns))).toContain('fn_1_bb_2 [shape=record,style=filled,label="{   0: (b7) r0 = 1\\l\\\n |    1: (95) exit');
  });
});
