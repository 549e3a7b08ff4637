import { describe, expect, it } from 'vitest';
import type { Insn } from '../../src/isa/insn.js';
import type { XlatedProgram } from '../../src/render/xlated-model.js';
import { JsonWriter } from '../../src/text/json-writer.js';
import { writeXlatedJson, xlatedBytes, xlatedJson, xlatedText } from '../../src/render/xlated.js';
import { I, lddw } from '../isa/oracle.js';

const exit = I('exit');
const prog = (insns: Insn[], extra: Partial<XlatedProgram> = {}): XlatedProgram => ({ name: 'p', insns, funcs: [], lines: [], ...extra });
const line = (insnOff: number, text: string, lineNum = 3, lineCol = 5) => ({ insnOff, line: text, fileName: 'a.c', lineNum, lineCol });

describe('xlatedText', () => {
  it('pads the pc column as printf("% 4d") does', () => {
    const insns = Array.from({ length: 10001 }, () => I('mov64_imm', { imm: 1 }));
    const text = xlatedText(prog(insns)).split('\n');
    expect(text[0]).toBe('   0: (b7) r0 = 1');
    expect(text[999]).toBe(' 999: (b7) r0 = 1');
    expect(text[1000]).toBe(' 1000: (b7) r0 = 1');
    expect(text[10000]).toBe(' 10000: (b7) r0 = 1');
  });

  it('steps over the second slot of an ld_imm64 and prints both slots under opcodes', () => {
    const p = prog([...lddw(1, 0x1122334455667788n), exit]);
    expect(xlatedText(p)).toBe('   0: (18) r1 = 0x1122334455667788\n   2: (95) exit\n');
    expect(xlatedText(p, { opcodes: true })).toBe(
      '   0: (18) r1 = 0x1122334455667788\n       18 01 00 00 88 77 66 55 00 00 00 00 44 33 22 11\n   2: (95) exit\n       95 00 00 00 00 00 00 00\n',
    );
  });

  it('prints an ld_imm64 cut off at the end with the one slot there is', () => {
    const p = prog([exit, I('lddw', { dst: 2, imm: 7 })]);
    expect(xlatedText(p, { opcodes: true })).toBe('   0: (95) exit\n       95 00 00 00 00 00 00 00\n   1: (18) r2 = 0x7\n       18 02 00 00 07 00 00 00\n');
  });

  it('prints prototypes and source lines before their instruction, left-trimmed', () => {
    const p = prog([I('mov64_imm', { imm: 1 }), exit, exit], {
      funcs: [{ insnOff: 0, name: 'f', signature: 'int f(void * ctx)' }, { insnOff: 2, name: 'g', signature: 'int g(int x)' }],
      lines: [line(0, ' \t int f(void *ctx) {'), line(1, ''), line(2, 'return x;', 0, 0)],
    });
    expect(xlatedText(p)).toBe('int f(void * ctx):\n; int f(void *ctx) {\n   0: (b7) r0 = 1\n; \n   1: (95) exit\nint g(int x):\n; return x;\n   2: (95) exit\n');
    expect(xlatedText(p, { linum: true })).toContain('; int f(void *ctx) { [file:a.c line_num:3 line_col:5]\n');
    expect(xlatedText(p, { linum: true })).toContain('; return x; [file:a.c line_num:0 line_col:0]\n');
  });

  it('prints no header for an empty prototype and keeps func records in order', () => {
    const p = prog([exit, exit, exit], {
      funcs: [{ insnOff: 0, name: 'f', signature: '' }, { insnOff: 5, name: 'lost', signature: 'int lost(void)' }, { insnOff: 2, name: 'g', signature: 'int g(void)' }],
    });
    // bpftool takes records in order: one it never reaches holds back the rest.
    expect(xlatedText(p)).toBe('   0: (95) exit\n   1: (95) exit\n   2: (95) exit\n');
  });

  it('finds line info as libbpf does when records repeat an offset', () => {
    const p = prog([exit, exit, exit], { lines: [line(0, 'a'), line(0, 'b'), line(2, 'c')] });
    expect(xlatedText(p)).toBe('; b\n   0: (95) exit\n; b\n   1: (95) exit\n; c\n   2: (95) exit\n');
  });

  it('names callees and kernel functions through the callbacks', () => {
    const call = { ...I('call_local'), off: 1, imm: 1 };
    const p = prog([call, exit, I('call_helper', { imm: -61360 }), exit]);
    const names = { calleeSymbol: () => 'bpf_prog_00112233445566ff_g', kernelFunction: () => 'bpf_trace_printk' };
    expect(xlatedText(p, { names })).toBe('   0: (85) call pc+1#bpf_prog_00112233445566ff_g\n   1: (95) exit\n   2: (85) call bpf_trace_printk#-61360\n   3: (95) exit\n');
  });
});

describe('xlatedJson', () => {
  const p = prog([...lddw(1, 5n), exit], { funcs: [{ insnOff: 0, name: 'f', signature: 'int f(void)' }], lines: [line(0, 'x = "q\\\\";', 4, 0)] });

  it('writes bpftool -j', () => {
    expect(xlatedJson(p)).toBe('[{"proto":"int f(void)","src":"x = \\"q\\n\\n\\";","disasm":"(18) r1 = 0x5"},{"disasm":"(95) exit"}]\n');
  });

  it('leaves out a zero line_col under linum', () => {
    expect(xlatedJson(p, { linum: true })).toContain('"file":"a.c","line_num":4,"disasm"');
  });

  it('writes imm as 12 bytes for an ld_imm64 under opcodes, pretty', () => {
    const text = xlatedJson(p, { opcodes: true, pretty: true });
    expect(text).toContain('"opcodes": {\n            "code": "0x18",\n            "src_reg": "0x0",\n            "dst_reg": "0x1",\n            "off": ["0x00","0x00"\n            ],\n            "imm": ["0x05","0x00","0x00","0x00","0x00","0x00","0x00","0x00","0x00","0x00","0x00","0x00"\n            ]\n        }');
  });
});

describe('writeXlatedJson', () => {
  it('nests the array at the writer\'s depth, as bpftool does for several programs', () => {
    const w = new JsonWriter(true);
    w.startArray().startObject().numberField('id', 1).name('insns');
    writeXlatedJson(w, prog([exit]));
    w.endObject().endArray();
    expect(w.finish()).toBe('[{\n        "id": 1,\n        "insns": [{\n                "disasm": "(95) exit"\n            }\n        ]\n    }\n]\n');
  });
});

describe('xlatedBytes', () => {
  it('is the instructions, 8 bytes each', () => {
    expect(Array.from(xlatedBytes(prog([I('mov64_imm', { dst: 1, imm: -2 })])))).toEqual([0xb7, 0x01, 0, 0, 0xfe, 0xff, 0xff, 0xff]);
  });
});
