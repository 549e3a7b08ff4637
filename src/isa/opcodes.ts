import type { Insn } from './insn.js';

/**
 * The one opcode table. Every instruction bpfscope knows is one row: its on-wire opcode
 * byte, the field that tells it apart from other rows with the same byte (sdiv is div
 * with off=1, atomics are told apart by imm, calls and ld_imm64 by src), which fields it
 * uses, how control leaves it, and how the kernel's disassembler prints it. Decoding,
 * encoding, validation, disassembly and control flow all read this table.
 */

/** Instruction classes: the low three bits of the opcode. */
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

/** Sizes of loads and stores (bits 3-4). */
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
export const BPF_DW = 0x18;

/** Modes of loads and stores (bits 5-7). */
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_MEMSX = 0x80;
export const BPF_ATOMIC = 0xc0;

/** Operand source of ALU and JMP instructions (bit 3). */
export const BPF_K = 0x00;
export const BPF_X = 0x08;

/** Atomic operations (the imm of a BPF_ATOMIC store). */
export const BPF_FETCH = 0x01;
export const BPF_XCHG = 0xe0 | BPF_FETCH;
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;
export const BPF_LOAD_ACQ = 0x100;
export const BPF_STORE_REL = 0x110;

/** src of an ld_imm64: what its immediate refers to. */
export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;
export const BPF_PSEUDO_BTF_ID = 3;
export const BPF_PSEUDO_FUNC = 4;
export const BPF_PSEUDO_MAP_IDX = 5;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;

/** src of a call: a helper (0), a bpf-to-bpf call (1), a kernel function (2). */
export const BPF_HELPER_CALL = 0;
export const BPF_PSEUDO_CALL = 1;
export const BPF_PSEUDO_KFUNC_CALL = 2;

export const BPF_LD_IMM64 = BPF_LD | BPF_IMM | BPF_DW;

/** Row names of ld_imm64 by src: a plain constant, then the pseudo kinds above. */
const LD_IMM64_NAMES = ['lddw', 'lddw_map_fd', 'lddw_map_value', 'lddw_btf_id', 'lddw_func', 'lddw_map_idx', 'lddw_map_idx_value'] as const;

export type InsnField = 'dst' | 'src' | 'off' | 'imm';

/**
 * How control leaves an instruction. `goto` and `cond` jump to pc + 1 + the field named
 * by `target`; `call` returns to the next instruction; `exit` leaves the function.
 */
export type Flow = 'next' | 'goto' | 'cond' | 'call' | 'exit';

/**
 * Where an instruction comes from: the ISA version (`-mcpu=vN`) that first has it, or
 * an extension the kernel added outside the versioned ISA. `internal` rows are what the
 * kernel itself writes into a translated program; they are never valid in an object.
 */
export type InsnOrigin = 'v1' | 'v2' | 'v3' | 'v4' | 'packet' | 'arena' | 'load-acquire' | 'may-goto' | 'internal';

export interface OpcodeSpec {
  /** A unique name for the row, in llvm's spirit: `add64`, `sdiv32`, `ldxw`, `stdw`, `call_helper`. */
  readonly name: string;
  readonly code: number;
  /** The field value that selects this row among rows sharing `code`. */
  readonly select?: { readonly field: InsnField; readonly value: number };
  /** Operand fields the instruction gives meaning to; all others but `select`'s must be zero. */
  readonly uses: readonly InsnField[];
  /**
   * The kernel prints any other instruction with this opcode (an unknown `select` value)
   * as this row; e.g. div with off=2 prints as div.
   */
  readonly fallback?: boolean;
  /** 2 for ld_imm64, whose second slot carries the upper half of the immediate. */
  readonly slots: 1 | 2;
  readonly origin: InsnOrigin;
  readonly flow: Flow;
  /** For `goto` and `cond`: the field holding the jump offset. */
  readonly target?: 'off' | 'imm';
  /** Where bpftool 7.1 (which predates gotol) reads the jump offset, when not from `target`. */
  readonly target61?: 'off';
  /**
   * The kernel's text (Linux 6.18 `print_bpf_insn`), as a template: `{code}` two hex
   * digits, `{dst}` `{src}` register numbers, `{imm}` signed decimal, `{immx}` hex of the
   * unsigned 32 bits, `{off}` and `{immrel}` with an explicit sign, `{imm_hi16}`
   * `{imm_lo16}` halves of imm, `{call}` the callee's name, `{imm64}` the operand of an
   * ld_imm64.
   */
  readonly text: string;
  /**
   * The text of the disassembler bpftool 7.1 carries (Linux 6.1's), when it differs:
   * it predates ISA v4 and later extensions and prints them as the older row of the
   * same opcode, or as `BUG_...`.
   */
  readonly text61?: string;
}

type Row = OpcodeSpec;

const SIZES = [
  { bits: BPF_B, suffix: 'b', type: 'u8', signed: 's8' },
  { bits: BPF_H, suffix: 'h', type: 'u16', signed: 's16' },
  { bits: BPF_W, suffix: 'w', type: 'u32', signed: 's32' },
  { bits: BPF_DW, suffix: 'dw', type: 'u64', signed: undefined },
] as const;

const ALU_CLASSES = [
  { cls: BPF_ALU, width: '32', reg: 'w' },
  { cls: BPF_ALU64, width: '64', reg: 'r' },
] as const;

/** ALU operations with two operands (all in ISA v1 but the signed ones), and the kernel's spelling of each. */
const ALU_BINARY = [
  { op: 0x00, name: 'add', sym: '+=' },
  { op: 0x10, name: 'sub', sym: '-=' },
  { op: 0x20, name: 'mul', sym: '*=' },
  { op: 0x30, name: 'div', sym: '/=', signed: { name: 'sdiv', sym: 's/=' } },
  { op: 0x40, name: 'or', sym: '|=' },
  { op: 0x50, name: 'and', sym: '&=' },
  { op: 0x60, name: 'lsh', sym: '<<=' },
  { op: 0x70, name: 'rsh', sym: '>>=' },
  { op: 0x90, name: 'mod', sym: '%=', signed: { name: 'smod', sym: 's%=' } },
  { op: 0xa0, name: 'xor', sym: '^=' },
  { op: 0xb0, name: 'mov', sym: '=' },
  { op: 0xc0, name: 'arsh', sym: 's>>=' },
] as const;

const BPF_NEG = 0x80;
const BPF_MOV = 0xb0;
const BPF_END = 0xd0;
const BPF_TO_BE = 0x08;

/** Conditional jumps; `v2` added the "less than" family. */
const JMP_COND = [
  { op: 0x10, name: 'jeq', sym: '==', origin: 'v1' },
  { op: 0x20, name: 'jgt', sym: '>', origin: 'v1' },
  { op: 0x30, name: 'jge', sym: '>=', origin: 'v1' },
  { op: 0x40, name: 'jset', sym: '&', origin: 'v1' },
  { op: 0x50, name: 'jne', sym: '!=', origin: 'v1' },
  { op: 0x60, name: 'jsgt', sym: 's>', origin: 'v1' },
  { op: 0x70, name: 'jsge', sym: 's>=', origin: 'v1' },
  { op: 0xa0, name: 'jlt', sym: '<', origin: 'v2' },
  { op: 0xb0, name: 'jle', sym: '<=', origin: 'v2' },
  { op: 0xc0, name: 'jslt', sym: 's<', origin: 'v2' },
  { op: 0xd0, name: 'jsle', sym: 's<=', origin: 'v2' },
] as const;

const BPF_JA = 0x00;
const BPF_CALL = 0x80;
/** The opcode byte of every call (helper, bpf-to-bpf, kfunc by src). */
export const BPF_CALL_INSN = BPF_JMP | BPF_CALL;
const BPF_EXIT = 0x90;
const BPF_JCOND = 0xe0;

function aluRows(): Row[] {
  const rows: Row[] = [];
  for (const { cls, width, reg } of ALU_CLASSES) {
    for (const a of ALU_BINARY) {
      const k = cls | a.op | BPF_K;
      const x = cls | a.op | BPF_X;
      const kText = `({code}) ${reg}{dst} ${a.sym} {imm}`;
      const xText = `({code}) ${reg}{dst} ${a.sym} ${reg}{src}`;
      const signed = 'signed' in a ? a.signed : undefined;
      // off tells signed division from unsigned, and movsx from mov.
      const offZero = { select: { field: 'off', value: 0 }, fallback: true } as const;
      rows.push(row({ name: `${a.name}${width}_imm`, code: k, ...(signed ? offZero : {}), uses: ['dst', 'imm'], origin: 'v1', text: kText }));
      rows.push(row({ name: `${a.name}${width}_reg`, code: x, ...(signed || a.op === BPF_MOV ? offZero : {}), uses: ['dst', 'src'], origin: 'v1', text: xText }));
      if (signed) {
        const sk = `({code}) ${reg}{dst} ${signed.sym} {imm}`;
        const sx = `({code}) ${reg}{dst} ${signed.sym} ${reg}{src}`;
        rows.push(row({ name: `${signed.name}${width}_imm`, code: k, select: { field: 'off', value: 1 }, uses: ['dst', 'imm'], origin: 'v4', text: sk, text61: kText }));
        rows.push(row({ name: `${signed.name}${width}_reg`, code: x, select: { field: 'off', value: 1 }, uses: ['dst', 'src'], origin: 'v4', text: sx, text61: xText }));
      }
    }
    // movsx: off names the source width; 32-bit moves can only widen 8 and 16 bits.
    for (const bits of cls === BPF_ALU64 ? [8, 16, 32] : [8, 16]) {
      rows.push(row({
        name: `movsx${width}_${bits}`, code: cls | BPF_MOV | BPF_X, select: { field: 'off', value: bits }, uses: ['dst', 'src'],
        origin: 'v4', text: `({code}) ${reg}{dst} = (s${bits})${reg}{src}`, text61: `({code}) ${reg}{dst} = ${reg}{src}`,
      }));
    }
    rows.push(row({ name: `neg${width}`, code: cls | BPF_NEG | BPF_K, uses: ['dst'], origin: 'v1', text: `({code}) ${reg}{dst} = -${reg}{dst}` }));
  }
  const mov64x = BPF_ALU64 | BPF_MOV | BPF_X;
  rows.push(row({
    name: 'addr_space_cast', code: mov64x, select: { field: 'off', value: 1 }, uses: ['dst', 'src', 'imm'], origin: 'arena',
    text: '({code}) r{dst} = addr_space_cast(r{src}, {imm_hi16}, {imm_lo16})', text61: '({code}) r{dst} = r{src}',
  }));
  // The kernel's own per-CPU address computation (off = -1), only ever in xlated code.
  rows.push(row({
    name: 'mov64_percpu_addr', code: mov64x, select: { field: 'off', value: -1 }, uses: ['dst', 'src'], origin: 'internal',
    text: '({code}) r{dst} = &(void __percpu *)(r{src})', text61: '({code}) r{dst} = r{src}',
  }));
  for (const bits of [16, 32, 64]) {
    // imm is the width; the kernel prints whatever it holds.
    const widthSelect = { select: { field: 'imm', value: bits }, ...(bits === 16 ? { fallback: true } : {}) } as const;
    rows.push(row({ name: `le${bits}`, code: BPF_ALU | BPF_END, ...widthSelect, uses: ['dst'], origin: 'v1', text: '({code}) r{dst} = le{imm} r{dst}' }));
    rows.push(row({ name: `be${bits}`, code: BPF_ALU | BPF_END | BPF_TO_BE, ...widthSelect, uses: ['dst'], origin: 'v1', text: '({code}) r{dst} = be{imm} r{dst}' }));
    rows.push(row({
      name: `bswap${bits}`, code: BPF_ALU64 | BPF_END, ...widthSelect, uses: ['dst'], origin: 'v4',
      text: '({code}) r{dst} = bswap{imm} r{dst}', text61: 'BUG_alu64_{code}',
    }));
  }
  return rows;
}

/** The JMP32 class came with ISA v3; 32-bit ALU operations were there from the start. */
function originFor(origin: 'v1' | 'v2', cls: number): InsnOrigin {
  return cls === BPF_JMP32 ? 'v3' : origin;
}

function jmpRows(): Row[] {
  const rows: Row[] = [];
  for (const { cls, width, reg } of [
    { cls: BPF_JMP, width: '', reg: 'r' },
    { cls: BPF_JMP32, width: '32', reg: 'w' },
  ] as const) {
    for (const j of JMP_COND) {
      rows.push(row({
        name: `${j.name}${width}_imm`, code: cls | j.op | BPF_K, uses: ['dst', 'off', 'imm'], origin: originFor(j.origin, cls), flow: 'cond', target: 'off',
        text: `({code}) if ${reg}{dst} ${j.sym} {immx} goto pc{off}`,
      }));
      rows.push(row({
        name: `${j.name}${width}_reg`, code: cls | j.op | BPF_X, uses: ['dst', 'src', 'off'], origin: originFor(j.origin, cls), flow: 'cond', target: 'off',
        text: `({code}) if ${reg}{dst} ${j.sym} ${reg}{src} goto pc{off}`,
      }));
    }
  }
  const call = BPF_JMP | BPF_CALL;
  rows.push(
    row({ name: 'ja', code: BPF_JMP | BPF_JA, uses: ['off'], origin: 'v1', flow: 'goto', target: 'off', text: '({code}) goto pc{off}' }),
    // Linux 6.1 had no row for gotol and printed it as a conditional jump named "jmp".
    row({
      name: 'gotol', code: BPF_JMP32 | BPF_JA, uses: ['imm'], origin: 'v4', flow: 'goto', target: 'imm', target61: 'off',
      text: '({code}) gotol pc{immrel}', text61: '({code}) if w{dst} jmp {immx} goto pc{off}',
    }),
    row({ name: 'call_helper', code: call, select: { field: 'src', value: BPF_HELPER_CALL }, fallback: true, uses: ['imm'], origin: 'v1', flow: 'call', text: '({code}) call {call}#{imm}' }),
    row({ name: 'call_local', code: call, select: { field: 'src', value: BPF_PSEUDO_CALL }, uses: ['imm'], origin: 'v1', flow: 'call', text: '({code}) call pc{call}' }),
    // off selects the BTF of the module that defines the kfunc (0 = vmlinux).
    row({ name: 'call_kfunc', code: call, select: { field: 'src', value: BPF_PSEUDO_KFUNC_CALL }, uses: ['off', 'imm'], origin: 'v1', flow: 'call', text: '({code}) call {call}#{imm}' }),
    // callx: the kernel's disassembler does not look at the X bit and prints a helper call.
    row({ name: 'callx', code: call | BPF_X, uses: ['dst'], origin: 'v1', flow: 'call', text: '({code}) call {call}#{imm}' }),
    row({ name: 'exit', code: BPF_JMP | BPF_EXIT, uses: [], origin: 'v1', flow: 'exit', text: '({code}) exit' }),
    row({
      name: 'may_goto', code: BPF_JMP | BPF_JCOND, select: { field: 'src', value: 0 }, uses: ['off'], origin: 'may-goto', flow: 'cond', target: 'off',
      text: '({code}) may_goto pc{off}', text61: '({code}) if r{dst} (null) {immx} goto pc{off}',
    }),
  );
  return rows;
}

function loadStoreRows(): Row[] {
  const rows: Row[] = [];
  LD_IMM64_NAMES.forEach((name, src) => {
    rows.push(row({
      name, code: BPF_LD_IMM64, select: { field: 'src', value: src }, ...(src === 0 ? { fallback: true } : {}), uses: ['dst', 'imm'],
      slots: 2, origin: 'v1', text: '({code}) r{dst} = {imm64}',
    }));
  });
  for (const s of SIZES) {
    if (s.bits !== BPF_DW) {
      rows.push(row({ name: `ldabs${s.suffix}`, code: BPF_LD | BPF_ABS | s.bits, uses: ['imm'], origin: 'packet', text: `({code}) r0 = *(${s.type} *)skb[{imm}]` }));
      rows.push(row({ name: `ldind${s.suffix}`, code: BPF_LD | BPF_IND | s.bits, uses: ['src', 'imm'], origin: 'packet', text: `({code}) r0 = *(${s.type} *)skb[r{src} + {imm}]` }));
    }
    rows.push(row({ name: `ldx${s.suffix}`, code: BPF_LDX | BPF_MEM | s.bits, uses: ['dst', 'src', 'off'], origin: 'v1', text: `({code}) r{dst} = *(${s.type} *)(r{src} {off})` }));
    if (s.signed) {
      rows.push(row({
        name: `ldxs${s.suffix}`, code: BPF_LDX | BPF_MEMSX | s.bits, uses: ['dst', 'src', 'off'], origin: 'v4',
        text: `({code}) r{dst} = *(${s.signed} *)(r{src} {off})`, text61: 'BUG_ldx_{code}',
      }));
    }
    rows.push(row({ name: `st${s.suffix}`, code: BPF_ST | BPF_MEM | s.bits, uses: ['dst', 'off', 'imm'], origin: 'v1', text: `({code}) *(${s.type} *)(r{dst} {off}) = {imm}` }));
    rows.push(row({ name: `stx${s.suffix}`, code: BPF_STX | BPF_MEM | s.bits, uses: ['dst', 'src', 'off'], origin: 'v1', text: `({code}) *(${s.type} *)(r{dst} {off}) = r{src}` }));
    rows.push(...atomicRows(s));
  }
  // Speculation barrier the verifier inserts; the mode has no UAPI name.
  rows.push(row({ name: 'nospec', code: BPF_ST | 0xc0, uses: [], origin: 'internal', text: '({code}) nospec' }));
  return rows;
}

const ATOMIC_ALU = [
  { op: 0x00, name: 'add', sym: '+=' },
  { op: 0x40, name: 'or', sym: '|=' },
  { op: 0x50, name: 'and', sym: '&=' },
  { op: 0xa0, name: 'xor', sym: '^=' },
] as const;

function atomicRows(s: (typeof SIZES)[number]): Row[] {
  const code = BPF_STX | BPF_ATOMIC | s.bits;
  const mem = `(${s.type} *)(r{dst} {off})`;
  const rows: Row[] = [];
  const atomic = (name: string, imm: number, origin: InsnOrigin, text: string, text61?: string): Row =>
    row({ name: `${name}_${s.suffix}`, code, select: { field: 'imm', value: imm }, uses: ['dst', 'src', 'off'], origin, text, ...(text61 ? { text61 } : {}) });
  if (s.bits === BPF_W || s.bits === BPF_DW) {
    const w = s.bits === BPF_DW ? '64' : '';
    for (const a of ATOMIC_ALU) {
      // Only add existed before v3 (as BPF_XADD); the fetch forms and the rest came with v3.
      rows.push(atomic(`lock_${a.name}`, a.op, a.op === 0 ? 'v1' : 'v3', `({code}) lock *${mem} ${a.sym} r{src}`));
      rows.push(atomic(`atomic_fetch_${a.name}`, a.op | BPF_FETCH, 'v3', `({code}) r{src} = atomic${w}_fetch_${a.name}(${mem}, r{src})`));
    }
    rows.push(atomic('atomic_xchg', BPF_XCHG, 'v3', `({code}) r{src} = atomic${w}_xchg(${mem}, r{src})`));
    rows.push(atomic('atomic_cmpxchg', BPF_CMPXCHG, 'v3', `({code}) r0 = atomic${w}_cmpxchg(${mem}, r0, r{src})`));
  }
  rows.push(atomic('load_acquire', BPF_LOAD_ACQ, 'load-acquire', `({code}) r{dst} = load_acquire((${s.type} *)(r{src} {off}))`, 'BUG_{code}'));
  rows.push(atomic('store_release', BPF_STORE_REL, 'load-acquire', `({code}) store_release(${mem}, r{src})`, 'BUG_{code}'));
  return rows;
}

function row(r: Omit<Row, 'slots' | 'flow'> & Partial<Pick<Row, 'slots' | 'flow'>>): Row {
  return Object.freeze({ ...r, slots: r.slots ?? 1, flow: r.flow ?? 'next' });
}

export const OPCODES: readonly OpcodeSpec[] = Object.freeze([...aluRows(), ...jmpRows(), ...loadStoreRows()]);

const byCode = new Map<number, OpcodeSpec[]>();
const byName = new Map<string, OpcodeSpec>();
for (const spec of OPCODES) {
  const list = byCode.get(spec.code) ?? [];
  list.push(spec);
  byCode.set(spec.code, list);
  byName.set(spec.name, spec);
}

/** The rows that share an opcode byte (empty when the byte is no instruction). */
export function opcodeRows(code: number): readonly OpcodeSpec[] {
  return byCode.get(code) ?? [];
}

/** The row an instruction is, judged by its opcode and selecting field; undefined if none. */
export function lookupOpcode(insn: Insn): OpcodeSpec | undefined {
  return opcodeRows(insn.code).find((spec) => spec.select === undefined || insn[spec.select.field] === spec.select.value);
}

/** The row the kernel's disassembler would print the instruction as, if it has one. */
export function printedAs(insn: Insn): OpcodeSpec | undefined {
  return lookupOpcode(insn) ?? opcodeRows(insn.code).find((spec) => spec.fallback);
}

export function opcodeByName(name: string): OpcodeSpec | undefined {
  return byName.get(name);
}

export function insnClass(code: number): number {
  return code & 0x07;
}

/** Whether the instruction is a 16-byte ld_imm64 (whatever its src). */
export function isLdImm64(insn: Insn): boolean {
  return insn.code === BPF_LD_IMM64;
}
