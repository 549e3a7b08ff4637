import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Insn } from '../../src/isa/insn.js';
import type { XlatedProgram } from '../../src/render/xlated-model.js';
import { callGraphDot, programCalls, type CallGraph } from '../../src/render/dot-callgraph.js';
import { GOLDEN, missing, skipReason } from '../helpers/env.js';
import { I, lddw } from '../isa/oracle.js';
import { goldenPrograms, replay } from './golden-replay.js';

const exit = I('exit');
const local = (pc: number, target: number): Insn => ({ ...I('call_local'), off: target - pc - 1, imm: 1 });
const mapFd = (dst: number, id: number): Insn[] => [{ code: 0x18, dst, src: 1, off: 0, imm: id }, { code: 0, dst: 0, src: 0, off: 0, imm: 0 }];

/** main: trace_printk, call f, tail call through map 7 slot 2; f: call g twice, a kfunc; g: exit. */
const sample: XlatedProgram = {
  name: 'main',
  insns: [
    I('call_helper', { imm: 6 }), // 0
    local(1, 8), // 1
    I('mov64_reg', { dst: 1, src: 6 }), // 2
    ...mapFd(2, 7), // 3-4
    I('mov32_imm', { dst: 3, imm: 2 }), // 5
    I('call_helper', { imm: 12 }), // 6
    exit, // 7
    local(8, 12), // 8 f
    local(9, 12), // 9
    I('call_kfunc', { imm: 4242 }), // 10
    exit, // 11
    exit, // 12 g
  ],
  funcs: [
    { insnOff: 0, name: 'main', signature: '' },
    { insnOff: 8, name: 'f', signature: '' },
    { insnOff: 12, name: 'g', signature: '' },
  ],
  lines: [],
};

function dotAccepts(text: string): { ok: boolean; stderr: string } {
  const r = spawnSync('dot', ['-Tsvg'], { input: text, encoding: 'utf8' });
  return { ok: r.status === 0 && r.stdout.includes('<svg'), stderr: r.stderr };
}

describe('programCalls', () => {
  it('reads local calls, helpers, kfuncs and tail calls from xlated code', () => {
    const prog = programCalls(sample, { kind: 'xdp', mapName: (id) => (id === 7 ? 'jumps' : undefined), kernelFunction: () => 'bpf_obj_new_impl' });
    expect(prog).toEqual({
      name: 'main',
      kind: 'xdp',
      functions: ['main', 'f', 'g'],
      calls: [
        { kind: 'helper', from: 'main', to: 'bpf_trace_printk' },
        { kind: 'local', from: 'main', to: 'f' },
        { kind: 'tail', from: 'main', map: 'jumps', index: 2 },
        { kind: 'local', from: 'f', to: 'g' },
        { kind: 'local', from: 'f', to: 'g' },
        { kind: 'kfunc', from: 'f', to: 'bpf_obj_new_impl' },
      ],
    });
  });

  it('leaves a tail call operand unknown when the code does not show it plainly', () => {
    const insns = [...mapFd(2, 9), I('mov64_reg', { dst: 3, src: 7 }), I('call_helper', { imm: 12 }), ...lddw(2, 1n), I('call_helper', { imm: 5 }), I('call_helper', { imm: 12 }), exit];
    const prog = programCalls({ name: 'p', insns, funcs: [], lines: [] });
    expect(prog.calls.filter((c) => c.kind === 'tail')).toEqual([{ kind: 'tail', from: 'p', map: 'map[id:9]' }, { kind: 'tail', from: 'p' }]);
    expect(prog.functions).toEqual(['p']);
  });
});

describe('callGraphDot', () => {
  const graph: CallGraph = {
    programs: [programCalls(sample, { kind: 'xdp', mapName: () => 'jumps' }), { name: 'next "one"', functions: ['next "one"'], calls: [] }],
    progArrays: [{ map: 'jumps', slots: [{ index: 2, program: 'next "one"' }, { index: 3, program: 'elsewhere' }] }],
  };

  it('draws programs, kernel functions and prog arrays', () => {
    const dot = callGraphDot(graph);
    expect(dot).toMatch(/^digraph "bpfscope call graph" \{\n/);
    expect(dot).toContain('label="main\\n(xdp)"');
    expect(dot).toContain('[shape=box, style="bold", label="main"]');
    expect(dot).toContain('label="next \\"one\\""');
    expect(dot).toContain('[shape=ellipse, style="dashed", label="bpf_trace_printk"]');
    expect(dot).toContain('label="kfunc#4242\\n(kfunc)"');
    expect(dot).toContain('[shape=cylinder, label="jumps"]');
    expect(dot).toContain('[color="blue", label="tail call [2]"]');
    expect(dot).toContain('[color="blue", style="bold", label="[2]"]');
    expect(dot).toContain('[shape=box, style="dashed", label="elsewhere"]');
    // f calls g twice: one edge, counted.
    expect(dot.match(/taillabel="x2"/g)).toHaveLength(1);
  });

  it('is valid for dot -Tsvg', (ctx) => {
    if (skipReason(missing({ dot: true }), 'dot -Tsvg check')) return ctx.skip();
    const r = dotAccepts(callGraphDot(graph));
    expect(r.stderr).toBe('');
    expect(r.ok).toBe(true);
  });

  it('draws every golden object, valid for dot -Tsvg', (ctx) => {
    if (skipReason(missing({ dot: true }), 'dot -Tsvg check')) return ctx.skip();
    const byObject = new Map<string, string[]>();
    for (const { object, program } of goldenPrograms()) byObject.set(object, [...(byObject.get(object) ?? []), program]);
    for (const [object, programs] of byObject) {
      const dot = callGraphDot({
        programs: programs.map((p) => {
          const { prog, names } = replay(join(GOLDEN, object), p);
          return programCalls(prog, { kernelFunction: names.kernelFunction });
        }),
      });
      expect(dotAccepts(dot), object).toEqual({ ok: true, stderr: '' });
    }
  });
});
