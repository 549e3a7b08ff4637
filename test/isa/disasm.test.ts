import { describe, expect, it } from 'vitest';
import { InsnError } from '../../src/errors.js';
import { disasmInsn, type DisasmOptions } from '../../src/isa/disasm.js';
import { bpftoolXlatedOptions, calleeSymbolsAt } from '../../src/isa/disasm-bpftool.js';
import type { Insn } from '../../src/isa/insn.js';
import { OPCODES } from '../../src/isa/opcodes.js';
import { I, lddw } from './oracle.js';
import { sampleSlots } from './samples.js';

const kernel = (insns: Insn[] | Insn, options: DisasmOptions = {}) => disasmInsn(Array.isArray(insns) ? insns : [insns], 0, { dialect: 'linux-6.18', ...options });
const bpftool = (insns: Insn[] | Insn, options = bpftoolXlatedOptions()) => disasmInsn(Array.isArray(insns) ? insns : [insns], 0, options);

describe('disasmInsn', () => {
  it('prints every row with no template left over', () => {
    for (const spec of OPCODES) {
      for (const dialect of ['linux-6.18', 'bpftool-7.1'] as const) {
        const text = disasmInsn(sampleSlots(spec), 0, { dialect });
        expect(text, spec.name).toMatch(/^(\([0-9a-f]{2}\) |BUG_)/);
        expect(text, spec.name).not.toMatch(/[{}]/);
      }
    }
  });

  it('refuses an index with no instruction', () => {
    expect(() => disasmInsn([], 0)).toThrow(InsnError);
  });

  it('prints the forms of the brief', () => {
    expect(kernel(lddw(1, 0x6f77206f6c6c6568n))).toBe('(18) r1 = 0x6f77206f6c6c6568');
    expect(kernel(I('call_helper', { imm: 6 }))).toBe('(85) call bpf_trace_printk#6');
    expect(kernel(I('jeq_imm', { off: 1 }))).toBe('(15) if r0 == 0x0 goto pc+1');
    expect(kernel(I('stxdw', { dst: 10, src: 1, off: -8 }))).toBe('(7b) *(u64 *)(r10 -8) = r1');
    expect(kernel(I('mov64_reg', { dst: 1, src: 10 }))).toBe('(bf) r1 = r10');
    expect(kernel(I('exit'))).toBe('(95) exit');
    expect(kernel(I('mov32_imm', { imm: 1 }))).toBe('(b4) w0 = 1');
  });

  it('prints signed and hex operands as the kernel does', () => {
    expect(kernel(I('add64_imm', { dst: 2, imm: -4 }))).toBe('(07) r2 += -4');
    expect(kernel(I('jsge_imm', { dst: 1, imm: -3, off: -7 }))).toBe('(75) if r1 s>= 0xfffffffd goto pc-7');
    expect(kernel(I('ldxw', { dst: 1, src: 6, off: 0 }))).toBe('(61) r1 = *(u32 *)(r6 +0)');
    expect(kernel(I('stw', { dst: 10, off: -4, imm: -1 }))).toBe('(62) *(u32 *)(r10 -4) = -1');
    expect(kernel(I('ja', { off: 0 }))).toBe('(05) goto pc+0');
    expect(kernel(lddw(0, -1n))).toBe('(18) r0 = 0xffffffffffffffff');
  });

  describe('the two dialects', () => {
    const cases: [string, Insn, string, string][] = [
      ['sdiv', I('sdiv64_reg', { dst: 1, src: 2 }), '(3f) r1 s/= r2', '(3f) r1 /= r2'],
      ['smod32', I('smod32_imm', { dst: 1, imm: 3 }), '(94) w1 s%= 3', '(94) w1 %= 3'],
      ['movsx', I('movsx64_32', { dst: 3, src: 1 }), '(bf) r3 = (s32)r1', '(bf) r3 = r1'],
      ['movsx32', I('movsx32_8', { dst: 3, src: 1 }), '(bc) w3 = (s8)w1', '(bc) w3 = w1'],
      ['bswap', I('bswap16', { dst: 3 }), '(d7) r3 = bswap16 r3', 'BUG_alu64_d7'],
      ['ldsx', I('ldxsb', { dst: 4, src: 10, off: -8 }), '(91) r4 = *(s8 *)(r10 -8)', 'BUG_ldx_91'],
      ['gotol', I('gotol', { imm: -3 }), '(06) gotol pc-3', '(06) if w0 jmp 0xfffffffd goto pc+0'],
      ['load-acquire', I('load_acquire_dw', { dst: 5, src: 10, off: -8 }), '(db) r5 = load_acquire((u64 *)(r10 -8))', 'BUG_db'],
      ['store-release', I('store_release_w', { dst: 10, src: 5, off: -8 }), '(c3) store_release((u32 *)(r10 -8), r5)', 'BUG_c3'],
      ['may_goto', I('may_goto', { off: 2 }), '(e5) may_goto pc+2', '(e5) if r0 (null) 0x0 goto pc+2'],
      ['addr_space_cast', I('addr_space_cast', { dst: 1, src: 1, imm: 0x10000 }), '(bf) r1 = addr_space_cast(r1, 1, 0)', '(bf) r1 = r1'],
      ['percpu', I('mov64_percpu_addr', { dst: 0, src: 0 }), '(bf) r0 = &(void __percpu *)(r0)', '(bf) r0 = r0'],
      ['end', I('be64', { dst: 1 }), '(dc) r1 = be64 r1', '(dc) r1 = be64 r1'],
      ['fetch32', I('atomic_fetch_add_w', { dst: 10, src: 5, off: -8 }), '(c3) r5 = atomic_fetch_add((u32 *)(r10 -8), r5)', '(c3) r5 = atomic_fetch_add((u32 *)(r10 -8), r5)'],
      ['nospec', I('nospec'), '(c2) nospec', '(c2) nospec'],
    ];
    it.each(cases)('%s', (_name, insn, linux618, bpftool71) => {
      expect(kernel(insn)).toBe(linux618);
      expect(disasmInsn([insn], 0, { dialect: 'bpftool-7.1' })).toBe(bpftool71);
    });
  });

  it('prints legacy packet loads and callx as the kernel does', () => {
    expect(kernel(I('ldabsh', { imm: 12 }))).toBe('(28) r0 = *(u16 *)skb[12]');
    expect(kernel(I('ldindb', { src: 7, imm: -2 }))).toBe('(50) r0 = *(u8 *)skb[r7 + -2]');
    expect(kernel(I('callx', { dst: 2 }))).toBe('(8d) call bpf_unspec#0');
  });

  it('prints unknown variants like the row the kernel falls back to, and unknown opcodes as BUG', () => {
    expect(kernel({ code: 0x3f, dst: 1, src: 2, off: 5, imm: 0 })).toBe('(3f) r1 /= r2');
    expect(kernel({ code: 0xd4, dst: 1, src: 0, off: 0, imm: 7 })).toBe('(d4) r1 = le7 r1');
    expect(kernel({ code: 0xdb, dst: 1, src: 2, off: 0, imm: 0x30 })).toBe('BUG_db');
    expect(kernel({ code: 0x99, dst: 1, src: 2, off: 0, imm: 0 })).toBe('BUG_ldx_99');
    expect(kernel({ code: 0x00, dst: 0, src: 0, off: 0, imm: 0 })).toBe('BUG_ld_00');
    expect(kernel({ code: 0xf7, dst: 0, src: 0, off: 0, imm: 0 })).toBe('BUG_alu64_f7');
  });

  describe('calls', () => {
    it('names helpers from the table, and falls back like the kernel', () => {
      expect(kernel(I('call_helper', { imm: 12 }))).toBe('(85) call bpf_tail_call#12');
      expect(kernel(I('call_helper', { imm: 100000 }))).toBe('(85) call unknown#100000');
      expect(kernel(I('call_kfunc', { imm: 7654 }))).toBe('(85) call kernel-function#7654');
      expect(kernel(I('call_local', { imm: -5 }))).toBe('(85) call pc-5');
      expect(kernel(I('call_local', { imm: 3 }))).toBe('(85) call pc+3');
    });

    it('asks the callback for what the table does not name', () => {
      const callName = (insn: Insn, pc: number) => `cb${insn.src}@${pc}`;
      expect(kernel(I('call_kfunc', { imm: 7 }), { callName })).toBe('(85) call cb2@0#7');
      expect(kernel(I('call_local', { imm: 7 }), { callName })).toBe('(85) call pccb1@0');
      expect(kernel(I('call_helper', { imm: 6 }), { callName })).toBe('(85) call bpf_trace_printk#6');
      expect(kernel(I('call_helper', { imm: 6 }), { callName: () => undefined })).toBe('(85) call bpf_trace_printk#6');
    });

    it('bpftool flavour: callee offset from off, with the kernel symbol when JITed', () => {
      const call = { ...I('call_local'), off: 6, imm: 1 };
      expect(bpftool(call)).toBe('(85) call pc+6');
      expect(bpftool(call, bpftoolXlatedOptions({ calleeSymbol: () => 'bpf_prog_bd50beb1e9cb1a74_sub1' }))).toBe('(85) call pc+6#bpf_prog_bd50beb1e9cb1a74_sub1');
      const symbols = new Map([[7, 'bpf_prog_0123456789abcdef_f']]);
      expect(bpftool(call, bpftoolXlatedOptions({ calleeSymbol: calleeSymbolsAt(symbols) }))).toBe('(85) call pc+6#bpf_prog_0123456789abcdef_f');
      expect(bpftool(I('call_kfunc', { imm: 9 }), bpftoolXlatedOptions({ kernelFunction: () => 'bpf_obj_new_impl' }))).toBe('(85) call bpf_obj_new_impl#9');
      expect(bpftool(I('call_kfunc', { imm: 9 }))).toBe('(85) call kernel-function#9');
      expect(bpftool(I('call_helper', { imm: 330864 }), bpftoolXlatedOptions({ kernelFunction: () => '__htab_map_lookup_elem' }))).toBe('(85) call __htab_map_lookup_elem#330864');
      expect(bpftool(I('call_helper', { imm: 1 }), bpftoolXlatedOptions({ kernelFunction: () => 'never asked' }))).toBe('(85) call bpf_map_lookup_elem#1');
    });
  });

  describe('ld_imm64 operands', () => {
    const ld = (src: number, imm: number, hi: number): Insn[] => [{ code: 0x18, dst: 1, src, off: 0, imm }, { code: 0, dst: 0, src: 0, off: 0, imm: hi }];
    it('bpftool flavour names maps by id, map values with their offset', () => {
      expect(bpftool(ld(1, 63, 0))).toBe('(18) r1 = map[id:63]');
      expect(bpftool(ld(2, 67, 0))).toBe('(18) r1 = map[id:67][0]+0');
      expect(bpftool(ld(2, 66, 16))).toBe('(18) r1 = map[id:66][0]+16');
      expect(bpftool(ld(6, 2, 8))).toBe('(18) r1 = map[idx:2]+8');
      expect(bpftool(ld(4, 5, 0))).toBe('(18) r1 = subprog[+5]');
      expect(bpftool(ld(3, 0x1000, -1))).toBe('(18) r1 = 0xffffffff00001000');
      expect(bpftool(ld(5, 3, 0))).toBe('(18) r1 = 0x3');
    });
    it('the kernel prints the plain value, or what the callback says', () => {
      expect(kernel(ld(1, 63, 0))).toBe('(18) r1 = 0x3f');
      expect(kernel(ld(1, 63, 0), { imm64: (insn, next, value, pc) => `${insn.src}/${next.imm}/${value}/${pc}` })).toBe('(18) r1 = 1/0/63/0');
    });
    it('reads a missing second slot as zero', () => {
      expect(kernel(I('lddw', { dst: 1, imm: 5 }))).toBe('(18) r1 = 0x5');
    });
  });
});
