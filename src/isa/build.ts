import type { Insn } from './insn.js';
import { sizeOfBytes, type AluOp, type AtomicOp, type JmpOp, type Size } from './opcode-parts.js';
import { BPF_LD_IMM64, lookupOpcode, opcodeNamed, rowOf, type InsnField, type OpcodeSpec } from './opcodes.js';

/**
 * Instruction builders: an instruction from its row and operands, the row's opcode byte
 * and selecting field filled in from the table. Whatever writes instructions (the
 * kernel's load-time rewrites, CO-RE, tests) uses these rather than opcode bytes.
 */

type Operands = Partial<Record<InsnField, number>>;

/** The instruction that is this row, with these operands (every other field 0). */
export function fromRow(row: OpcodeSpec, operands: Operands = {}): Insn {
  const insn: Insn = { code: row.code, dst: 0, src: 0, off: 0, imm: 0, ...operands };
  if (row.select) insn[row.select.field] = row.select.value;
  return insn;
}

/** The instruction of the row of that name. */
export function insnNamed(name: string, operands: Operands = {}): Insn {
  return fromRow(opcodeNamed(name), operands);
}

/** A byte count, or the UAPI size it names. */
export type AccessSize = Size | AccessBytes;
export type AccessBytes = 1 | 2 | 4 | 8;

const size = (s: AccessSize): Size => (typeof s === 'number' ? sizeOfBytes(s) : s);

export const aluImm = (width: 32 | 64, op: AluOp, dst: number, imm: number): Insn =>
  fromRow(rowOf({ cls: width === 64 ? 'alu64' : 'alu', op, source: 'K' }), { dst, imm });

export const aluReg = (width: 32 | 64, op: AluOp, dst: number, src: number): Insn =>
  fromRow(rowOf({ cls: width === 64 ? 'alu64' : 'alu', op, source: 'X' }), { dst, src });

export const neg = (width: 32 | 64, dst: number): Insn => fromRow(rowOf({ cls: width === 64 ? 'alu64' : 'alu', op: 'neg', source: 'K' }), { dst });

export const movImm = (width: 32 | 64, dst: number, imm: number): Insn => aluImm(width, 'mov', dst, imm);
export const movReg = (width: 32 | 64, dst: number, src: number): Insn => aluReg(width, 'mov', dst, src);

/** A conditional jump by an immediate or a register, off slots on. */
export const jmpImm = (width: 32 | 64, op: JmpOp, dst: number, imm: number, off: number): Insn =>
  fromRow(rowOf({ cls: width === 64 ? 'jmp' : 'jmp32', op, source: 'K' }), { dst, imm, off });

export const jmpReg = (width: 32 | 64, op: JmpOp, dst: number, src: number, off: number): Insn =>
  fromRow(rowOf({ cls: width === 64 ? 'jmp' : 'jmp32', op, source: 'X' }), { dst, src, off });

export const ja = (off: number): Insn => insnNamed('ja', { off });
export const callHelper = (id: number): Insn => insnNamed('call_helper', { imm: id });
/** A bpf-to-bpf call as compiled: imm is the callee's offset. */
export const callLocal = (imm: number): Insn => insnNamed('call_local', { imm });
export const exit = (): Insn => insnNamed('exit');

export const ldx = (s: AccessSize, dst: number, src: number, off: number): Insn => fromRow(rowOf({ cls: 'ldx', size: size(s), mode: 'MEM' }), { dst, src, off });
export const st = (s: AccessSize, dst: number, off: number, imm: number): Insn => fromRow(rowOf({ cls: 'st', size: size(s), mode: 'MEM' }), { dst, off, imm });
export const stx = (s: AccessSize, dst: number, off: number, src: number): Insn => fromRow(rowOf({ cls: 'stx', size: size(s), mode: 'MEM' }), { dst, src, off });

export const atomic = (s: AccessSize, op: AtomicOp, fetch: boolean, dst: number, off: number, src: number): Insn =>
  fromRow(rowOf({ cls: 'stx', size: size(s), mode: 'ATOMIC', atomic: op, fetch }), { dst, src, off });

/** The row of the same kind (class, mode, atomic operation) at another size. */
export function resized(row: OpcodeSpec, s: AccessSize): OpcodeSpec {
  const { cls, mode, atomic: op, fetch, signed } = row;
  return rowOf({ cls, mode, size: size(s), ...(op ? { atomic: op, fetch: fetch ?? false } : {}), ...(signed ? { signed } : {}) });
}

/** The second slot of an ld_imm64: the upper half of its immediate, nothing else. */
export const secondSlot = (imm: number): Insn => ({ code: 0, dst: 0, src: 0, off: 0, imm });

/** An ld_imm64 of value (or of a pseudo kind's imm pair by src): its two slots. */
export function ldImm64(dst: number, value: bigint, src = 0): [Insn, Insn] {
  const v = BigInt.asUintN(64, value);
  const first: Insn = { code: BPF_LD_IMM64, dst, src, off: 0, imm: Number(BigInt.asIntN(32, v)) };
  if (!lookupOpcode(first)) throw new Error(`no ld_imm64 has src ${src}`);
  return [first, secondSlot(Number(BigInt.asIntN(32, v >> 32n)))];
}
