import { InsnError } from '../errors.js';
import { formOfRow } from './asm-dialect.js';
import { signed } from './disasm.js';
import { imm64Of, type Insn } from './insn.js';
import { lookupOpcode } from './opcodes.js';
import { forEachInsn } from './slots.js';

/**
 * Instructions back into the uBPF dialect, the inverse of `assemble`: jumps keep their
 * offsets (`+2`), so assembling the text gives the same slots back.
 */
export function formatAsmInsn(insns: readonly Insn[], pc: number): string {
  const insn = insns[pc];
  if (insn === undefined) throw new InsnError('no instruction here', { pc });
  const row = lookupOpcode(insn);
  const form = row && formOfRow(row);
  if (!form) throw new InsnError(`opcode 0x${insn.code.toString(16).padStart(2, '0')} has no spelling in the uBPF dialect`, { pc });
  const r = (n: number) => `%r${n}`;
  const mem = (reg: number) => `[%r${reg}${insn.off === 0 ? '' : signed(insn.off)}]`;
  const operands: Record<typeof form.shape, () => string[]> = {
    none: () => [],
    dst: () => [r(insn.dst)],
    'dst,imm': () => [r(insn.dst), String(insn.imm)],
    'dst,src': () => [r(insn.dst), r(insn.src)],
    'dst,imm,target': () => [r(insn.dst), String(insn.imm), signed(insn.off)],
    'dst,src,target': () => [r(insn.dst), r(insn.src), signed(insn.off)],
    'dst,imm64': () => {
      return [r(insn.dst), `0x${imm64Of(insn, insns[pc + 1]).toString(16)}`];
    },
    'dst,mem': () => [r(insn.dst), mem(insn.src)],
    'mem,imm': () => [mem(insn.dst), String(insn.imm)],
    'mem,src': () => [mem(insn.dst), r(insn.src)],
    'src,imm': () => [r(insn.src), String(insn.imm)],
    imm: () => [String(insn.imm)],
    target: () => [signed(insn[row.target ?? 'off'])],
    'call-target': () => [signed(insn.imm)],
  };
  const ops = operands[form.shape]();
  return ops.length === 0 ? form.mnemonic : `${form.mnemonic} ${ops.join(', ')}`;
}

/** The whole program, one instruction per line (an lddw's second slot has no line of its own). */
export function formatAsm(insns: readonly Insn[]): string {
  const lines: string[] = [];
  forEachInsn(insns, (_insn, pc) => lines.push(formatAsmInsn(insns, pc)));
  return lines.map((l) => `${l}\n`).join('');
}
