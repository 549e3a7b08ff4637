/**
 * The parts of an opcode byte, as the kernel's UAPI (linux/bpf_common.h, linux/bpf.h)
 * names them, and the one place that turns parts into the byte. Every row of the opcode
 * table (opcodes.ts) carries its parts as typed fields, and its code is made from them
 * here, so no consumer needs to take a byte or a row name apart again.
 */

/** BPF_CLASS: the low three bits. */
export type InsnClass = 'ld' | 'ldx' | 'st' | 'stx' | 'alu' | 'jmp' | 'jmp32' | 'alu64';

/** BPF_OP of the ALU classes (bits 4-7). */
export type AluOp = 'add' | 'sub' | 'mul' | 'div' | 'or' | 'and' | 'lsh' | 'rsh' | 'neg' | 'mod' | 'xor' | 'mov' | 'arsh' | 'end';

/** BPF_OP of the jump classes (bits 4-7); `jcond` is may_goto's. */
export type JmpOp = 'ja' | 'jeq' | 'jgt' | 'jge' | 'jset' | 'jne' | 'jsgt' | 'jsge' | 'call' | 'exit' | 'jlt' | 'jle' | 'jslt' | 'jsle' | 'jcond';

/** BPF_SRC (bit 3): the second operand is imm (K) or src (X). */
export type Source = 'K' | 'X';

/** BPF_SIZE of loads and stores (bits 3-4). */
export type Size = 'B' | 'H' | 'W' | 'DW';

/**
 * BPF_MODE of loads and stores (bits 5-7). `NOSPEC` is the kernel-internal mode of the
 * speculation barrier (include/linux/filter.h), the same bits as ATOMIC in the ST class.
 */
export type Mode = 'IMM' | 'ABS' | 'IND' | 'MEM' | 'MEMSX' | 'ATOMIC' | 'NOSPEC';

/** The operation of a BPF_ATOMIC instruction, the imm without BPF_FETCH. */
export type AtomicOp = 'add' | 'or' | 'and' | 'xor' | 'xchg' | 'cmpxchg' | 'load_acquire' | 'store_release';

/** A byte swap's direction (BPF_END): to little-endian (K), to big-endian (X), or unconditional (ALU64, K). */
export type ByteOrder = 'le' | 'be' | 'swap';

/** What kind of callee a call row reaches (told apart by src, callx by the X bit). */
export type CallKind = 'helper' | 'local' | 'kfunc' | 'callx';

/**
 * What an instruction reads or writes: its dst or src register, a fixed register, the
 * argument registers r1-r5 (which a call reads, and leaves clobbered), or memory.
 */
export type Operand = 'dst' | 'src' | 'r0' | 'r1-r5' | 'r6' | 'mem';

/** The parts an opcode byte is made of; which are present depends on the class. */
export interface OpcodeParts {
  readonly cls: InsnClass;
  /** ALU and jump classes. */
  readonly op?: AluOp | JmpOp;
  /** ALU and jump classes. */
  readonly source?: Source;
  /** Loads and stores. */
  readonly size?: Size;
  /** Loads and stores. */
  readonly mode?: Mode;
}

export const CLASS_BITS: Readonly<Record<InsnClass, number>> = { ld: 0x00, ldx: 0x01, st: 0x02, stx: 0x03, alu: 0x04, jmp: 0x05, jmp32: 0x06, alu64: 0x07 };

export const ALU_OP_BITS: Readonly<Record<AluOp, number>> = {
  add: 0x00, sub: 0x10, mul: 0x20, div: 0x30, or: 0x40, and: 0x50, lsh: 0x60, rsh: 0x70,
  neg: 0x80, mod: 0x90, xor: 0xa0, mov: 0xb0, arsh: 0xc0, end: 0xd0,
};

export const JMP_OP_BITS: Readonly<Record<JmpOp, number>> = {
  ja: 0x00, jeq: 0x10, jgt: 0x20, jge: 0x30, jset: 0x40, jne: 0x50, jsgt: 0x60, jsge: 0x70,
  call: 0x80, exit: 0x90, jlt: 0xa0, jle: 0xb0, jslt: 0xc0, jsle: 0xd0, jcond: 0xe0,
};

export const SOURCE_BITS: Readonly<Record<Source, number>> = { K: 0x00, X: 0x08 };
export const SIZE_BITS: Readonly<Record<Size, number>> = { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 };
export const MODE_BITS: Readonly<Record<Mode, number>> = { IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, MEMSX: 0x80, ATOMIC: 0xc0, NOSPEC: 0xc0 };

/** The imm of a BPF_ATOMIC instruction, without BPF_FETCH (0x01). */
export const ATOMIC_IMM: Readonly<Record<AtomicOp, number>> = {
  add: 0x00, or: 0x40, and: 0x50, xor: 0xa0, xchg: 0xe0, cmpxchg: 0xf0, load_acquire: 0x100, store_release: 0x110,
};

export const SIZE_BYTES: Readonly<Record<Size, 1 | 2 | 4 | 8>> = { B: 1, H: 2, W: 4, DW: 8 };

/** The size of an access of so many bytes. */
export function sizeOfBytes(bytes: 1 | 2 | 4 | 8): Size {
  return ({ 1: 'B', 2: 'H', 4: 'W', 8: 'DW' } as const)[bytes];
}

export function isAluClass(cls: InsnClass): cls is 'alu' | 'alu64' {
  return cls === 'alu' || cls === 'alu64';
}

export function isJmpClass(cls: InsnClass): cls is 'jmp' | 'jmp32' {
  return cls === 'jmp' || cls === 'jmp32';
}

/** The operand width of an ALU or jump class. */
export function classWidth(cls: 'alu' | 'alu64' | 'jmp' | 'jmp32'): 32 | 64 {
  return cls === 'alu' || cls === 'jmp32' ? 32 : 64;
}

/** The opcode byte of the parts; an ALU or jump class needs op and source, any other size and mode. */
export function opcodeOf(p: OpcodeParts): number {
  const cls = CLASS_BITS[p.cls];
  if (isAluClass(p.cls) || isJmpClass(p.cls)) {
    if (p.op === undefined || p.source === undefined) throw new Error(`an ${p.cls} opcode needs op and source`);
    const op = isAluClass(p.cls) ? ALU_OP_BITS[p.op as AluOp] : JMP_OP_BITS[p.op as JmpOp];
    if (op === undefined) throw new Error(`${p.op} is no ${p.cls} operation`);
    return cls | op | SOURCE_BITS[p.source];
  }
  if (p.size === undefined || p.mode === undefined) throw new Error(`an ${p.cls} opcode needs size and mode`);
  return cls | SIZE_BITS[p.size] | MODE_BITS[p.mode];
}

/** The bit of an atomic's imm that makes it fetch the old value. */
export const BPF_FETCH = 0x01;

/** src of an ld_imm64: what its immediate refers to. */
export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;
export const BPF_PSEUDO_BTF_ID = 3;
export const BPF_PSEUDO_FUNC = 4;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;

/** src of a call: a helper (0), a bpf-to-bpf call (1), a kernel function (2). */
export const BPF_HELPER_CALL = 0;
export const BPF_PSEUDO_CALL = 1;
export const BPF_PSEUDO_KFUNC_CALL = 2;

const CLASSES: readonly InsnClass[] = ['ld', 'ldx', 'st', 'stx', 'alu', 'jmp', 'jmp32', 'alu64'];
const invert = <K extends string>(bits: Readonly<Record<K, number>>): Map<number, K> => new Map((Object.entries(bits) as [K, number][]).map(([k, v]) => [v, k]));
const ALU_OPS = invert(ALU_OP_BITS);
const JMP_OPS = invert(JMP_OP_BITS);
const SIZES = invert(SIZE_BITS);
// 0xc0 reads as ATOMIC; NOSPEC is a row's name for the same bits in the ST class.
const MODES = invert({ ...MODE_BITS, NOSPEC: -1 });

/**
 * The parts of any opcode byte, whether or not a row has it (for code that must read
 * an instruction as libbpf does before anything validates it). Bits no UAPI name
 * covers (an ALU op 0xe0, a mode 0xa0) leave that part undefined.
 */
export function partsOf(code: number): OpcodeParts {
  const cls = CLASSES[code & 0x07]!;
  if (isAluClass(cls) || isJmpClass(cls)) {
    const op = isAluClass(cls) ? ALU_OPS.get(code & 0xf0) : JMP_OPS.get(code & 0xf0);
    return { cls, source: code & 0x08 ? 'X' : 'K', ...(op ? { op } : {}) };
  }
  const mode = MODES.get(code & 0xe0);
  return { cls, size: SIZES.get(code & 0x18)!, ...(mode ? { mode } : {}) };
}
