import {
  ATOMIC_IMM,
  BPF_FETCH,
  BPF_HELPER_CALL,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_KFUNC_CALL,
  classWidth,
  isAluClass,
  isJmpClass,
  opcodeOf,
  type AtomicOp,
  type ByteOrder,
  type CallKind,
  type OpcodeParts,
  type Operand,
} from './opcode-parts.js';

/**
 * The rows of the opcode table (opcodes.ts), made from the ISA's families: ALU operations
 * in two widths and two sources, jumps in two classes, loads and stores in four sizes,
 * atomics. Each row's code is made from its parts (opcode-parts.ts).
 */

/** Row names of ld_imm64 by src: a plain constant, then the pseudo kinds above. */
const LD_IMM64_NAMES = ['lddw', 'lddw_map_fd', 'lddw_map_value', 'lddw_btf_id', 'lddw_func', 'lddw_map_idx', 'lddw_map_idx_value'] as const;

export type InsnField = 'dst' | 'src' | 'off' | 'imm';

/**
 * How control leaves an instruction (its jump kind). `goto` and `cond` jump to pc + 1 +
 * the field named by `target`; `call` returns to the next instruction; `exit` leaves the
 * function.
 */
export type Flow = 'next' | 'goto' | 'cond' | 'call' | 'exit';

/**
 * Where an instruction comes from: the ISA version (`-mcpu=vN`) that first has it, or
 * an extension the kernel added outside the versioned ISA. `internal` rows are what the
 * kernel itself writes into a translated program; they are never valid in an object.
 */
export type InsnOrigin = 'v1' | 'v2' | 'v3' | 'v4' | 'packet' | 'arena' | 'load-acquire' | 'may-goto' | 'internal';

/**
 * One row. Besides its identity and text it carries its parts as typed fields (class,
 * operation, width, source, size, mode, what it reads and writes, how control leaves
 * it), so that decoding, validation, disassembly, the CFG, both engines, the load-time
 * fixups, the assembler and the verifier read them here and never from names or bits.
 */
export interface OpcodeSpec extends OpcodeParts {
  /** A unique name for the row, in llvm's spirit: `add64`, `sdiv32`, `ldxw`, `stdw`, `call_helper`. */
  readonly name: string;
  readonly code: number;
  /** ALU and jump classes: 32 for alu and jmp32, 64 for alu64 and jmp. */
  readonly width?: 32 | 64;
  /**
   * The signed variant of an operation: sdiv and smod, movsx, sign-extending loads
   * (MEMSX), signed compares (jsgt and its kin).
   */
  readonly signed?: true;
  /** BPF_END: which way bytes are swapped; `size` is the width swapped. */
  readonly order?: ByteOrder;
  /** BPF_ATOMIC: the operation, and whether it fetches the old value (into src, or r0 for cmpxchg). */
  readonly atomic?: AtomicOp;
  readonly fetch?: boolean;
  /** For `call` rows: what is called. */
  readonly call?: CallKind;
  /** For rows that address memory (`mem` in reads or writes, but LD_ABS/IND's socket buffer): the register they address it through. */
  readonly base?: 'dst' | 'src';
  /** What the instruction reads and writes (a call's writes of r1-r5 are its clobbers). */
  readonly reads: readonly Operand[];
  readonly writes: readonly Operand[];
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
/** What a row is given: the code and width come from its parts, flow and slots have defaults. */
type RowInput = Omit<Row, 'code' | 'width' | 'slots' | 'flow'> & Partial<Pick<Row, 'slots' | 'flow'>>;

const SIZES = [
  { size: 'B', suffix: 'b', type: 'u8', signed: 's8' },
  { size: 'H', suffix: 'h', type: 'u16', signed: 's16' },
  { size: 'W', suffix: 'w', type: 'u32', signed: 's32' },
  { size: 'DW', suffix: 'dw', type: 'u64', signed: undefined },
] as const;

const ALU_CLASSES = [
  { cls: 'alu', width: '32', reg: 'w' },
  { cls: 'alu64', width: '64', reg: 'r' },
] as const;

/** ALU operations with two operands (all in ISA v1 but the signed ones), and the kernel's spelling of each. */
const ALU_BINARY = [
  { op: 'add', sym: '+=' },
  { op: 'sub', sym: '-=' },
  { op: 'mul', sym: '*=' },
  { op: 'div', sym: '/=', signed: { name: 'sdiv', sym: 's/=' } },
  { op: 'or', sym: '|=' },
  { op: 'and', sym: '&=' },
  { op: 'lsh', sym: '<<=' },
  { op: 'rsh', sym: '>>=' },
  { op: 'mod', sym: '%=', signed: { name: 'smod', sym: 's%=' } },
  { op: 'xor', sym: '^=' },
  { op: 'mov', sym: '=' },
  { op: 'arsh', sym: 's>>=' },
] as const;

/** Conditional jumps; `v2` added the "less than" family. */
const JMP_COND = [
  { op: 'jeq', sym: '==', origin: 'v1' },
  { op: 'jgt', sym: '>', origin: 'v1' },
  { op: 'jge', sym: '>=', origin: 'v1' },
  { op: 'jset', sym: '&', origin: 'v1' },
  { op: 'jne', sym: '!=', origin: 'v1' },
  { op: 'jsgt', sym: 's>', origin: 'v1', signed: true },
  { op: 'jsge', sym: 's>=', origin: 'v1', signed: true },
  { op: 'jlt', sym: '<', origin: 'v2' },
  { op: 'jle', sym: '<=', origin: 'v2' },
  { op: 'jslt', sym: 's<', origin: 'v2', signed: true },
  { op: 'jsle', sym: 's<=', origin: 'v2', signed: true },
] as const;

/** What a call reads and writes: the arguments in, r0 out, r1-r5 clobbered. */
const CALL_IO = { reads: ['r1-r5'], writes: ['r0', 'r1-r5'] } as const;

function aluRows(): Row[] {
  const rows: Row[] = [];
  for (const { cls, width, reg } of ALU_CLASSES) {
    for (const a of ALU_BINARY) {
      const kText = `({code}) ${reg}{dst} ${a.sym} {imm}`;
      const xText = `({code}) ${reg}{dst} ${a.sym} ${reg}{src}`;
      const signed = 'signed' in a ? a.signed : undefined;
      // mov reads only its source; every other operation reads dst too.
      const dstRead = a.op === 'mov' ? [] : (['dst'] as const);
      const k = { cls, op: a.op, source: 'K', reads: dstRead, writes: ['dst'] } as const;
      const x = { cls, op: a.op, source: 'X', reads: [...dstRead, 'src'], writes: ['dst'] } as const;
      // off tells signed division from unsigned, and movsx from mov.
      const offZero = { select: { field: 'off', value: 0 }, fallback: true } as const;
      rows.push(row({ name: `${a.op}${width}_imm`, ...k, ...(signed ? offZero : {}), uses: ['dst', 'imm'], origin: 'v1', text: kText }));
      rows.push(row({ name: `${a.op}${width}_reg`, ...x, ...(signed || a.op === 'mov' ? offZero : {}), uses: ['dst', 'src'], origin: 'v1', text: xText }));
      if (signed) {
        const sk = `({code}) ${reg}{dst} ${signed.sym} {imm}`;
        const sx = `({code}) ${reg}{dst} ${signed.sym} ${reg}{src}`;
        const select = { field: 'off', value: 1 } as const;
        rows.push(row({ name: `${signed.name}${width}_imm`, ...k, signed: true, select, uses: ['dst', 'imm'], origin: 'v4', text: sk, text61: kText }));
        rows.push(row({ name: `${signed.name}${width}_reg`, ...x, signed: true, select, uses: ['dst', 'src'], origin: 'v4', text: sx, text61: xText }));
      }
    }
    // movsx: off names the source width; 32-bit moves can only widen 8 and 16 bits.
    for (const { bits, size } of cls === 'alu64' ? MOVSX_WIDTHS : MOVSX_WIDTHS.slice(0, 2)) {
      rows.push(row({
        name: `movsx${width}_${bits}`, cls, op: 'mov', source: 'X', signed: true, size, select: { field: 'off', value: bits }, uses: ['dst', 'src'],
        reads: ['src'], writes: ['dst'], origin: 'v4', text: `({code}) ${reg}{dst} = (s${bits})${reg}{src}`, text61: `({code}) ${reg}{dst} = ${reg}{src}`,
      }));
    }
    rows.push(row({ name: `neg${width}`, cls, op: 'neg', source: 'K', uses: ['dst'], reads: ['dst'], writes: ['dst'], origin: 'v1', text: `({code}) ${reg}{dst} = -${reg}{dst}` }));
  }
  const mov64x = { cls: 'alu64', op: 'mov', source: 'X', reads: ['src'], writes: ['dst'] } as const;
  rows.push(row({
    name: 'addr_space_cast', ...mov64x, select: { field: 'off', value: 1 }, uses: ['dst', 'src', 'imm'], origin: 'arena',
    text: '({code}) r{dst} = addr_space_cast(r{src}, {imm_hi16}, {imm_lo16})', text61: '({code}) r{dst} = r{src}',
  }));
  // The kernel's own per-CPU address computation (off = -1), only ever in xlated code.
  rows.push(row({
    name: 'mov64_percpu_addr', ...mov64x, select: { field: 'off', value: -1 }, uses: ['dst', 'src'], origin: 'internal',
    text: '({code}) r{dst} = &(void __percpu *)(r{src})', text61: '({code}) r{dst} = r{src}',
  }));
  for (const { bits, size } of END_WIDTHS) {
    // imm is the width; the kernel prints whatever it holds.
    const swap = { op: 'end', size, reads: ['dst'], writes: ['dst'], uses: ['dst'], select: { field: 'imm', value: bits }, ...(bits === 16 ? { fallback: true } : {}) } as const;
    rows.push(row({ name: `le${bits}`, cls: 'alu', source: 'K', order: 'le', ...swap, origin: 'v1', text: '({code}) r{dst} = le{imm} r{dst}' }));
    rows.push(row({ name: `be${bits}`, cls: 'alu', source: 'X', order: 'be', ...swap, origin: 'v1', text: '({code}) r{dst} = be{imm} r{dst}' }));
    rows.push(row({
      name: `bswap${bits}`, cls: 'alu64', source: 'K', order: 'swap', ...swap, origin: 'v4',
      text: '({code}) r{dst} = bswap{imm} r{dst}', text61: 'BUG_alu64_{code}',
    }));
  }
  return rows;
}

const MOVSX_WIDTHS = [
  { bits: 8, size: 'B' },
  { bits: 16, size: 'H' },
  { bits: 32, size: 'W' },
] as const;

const END_WIDTHS = [
  { bits: 16, size: 'H' },
  { bits: 32, size: 'W' },
  { bits: 64, size: 'DW' },
] as const;

/** The JMP32 class came with ISA v3; 32-bit ALU operations were there from the start. */
function originFor(origin: 'v1' | 'v2', cls: 'jmp' | 'jmp32'): InsnOrigin {
  return cls === 'jmp32' ? 'v3' : origin;
}

function jmpRows(): Row[] {
  const rows: Row[] = [];
  for (const { cls, width, reg } of [
    { cls: 'jmp', width: '', reg: 'r' },
    { cls: 'jmp32', width: '32', reg: 'w' },
  ] as const) {
    for (const j of JMP_COND) {
      const cond = { cls, op: j.op, ...('signed' in j ? { signed: true as const } : {}), origin: originFor(j.origin, cls), flow: 'cond', target: 'off', writes: [] } as const;
      rows.push(row({
        name: `${j.op}${width}_imm`, ...cond, source: 'K', uses: ['dst', 'off', 'imm'], reads: ['dst'],
        text: `({code}) if ${reg}{dst} ${j.sym} {immx} goto pc{off}`,
      }));
      rows.push(row({
        name: `${j.op}${width}_reg`, ...cond, source: 'X', uses: ['dst', 'src', 'off'], reads: ['dst', 'src'],
        text: `({code}) if ${reg}{dst} ${j.sym} ${reg}{src} goto pc{off}`,
      }));
    }
  }
  const call = { cls: 'jmp', op: 'call', source: 'K', origin: 'v1', flow: 'call', text: '({code}) call {call}#{imm}', ...CALL_IO } as const;
  const none = { reads: [], writes: [] } as const;
  rows.push(
    row({ name: 'ja', cls: 'jmp', op: 'ja', source: 'K', uses: ['off'], ...none, origin: 'v1', flow: 'goto', target: 'off', text: '({code}) goto pc{off}' }),
    // Linux 6.1 had no row for gotol and printed it as a conditional jump named "jmp".
    row({
      name: 'gotol', cls: 'jmp32', op: 'ja', source: 'K', uses: ['imm'], ...none, origin: 'v4', flow: 'goto', target: 'imm', target61: 'off',
      text: '({code}) gotol pc{immrel}', text61: '({code}) if w{dst} jmp {immx} goto pc{off}',
    }),
    row({ name: 'call_helper', ...call, call: 'helper', select: { field: 'src', value: BPF_HELPER_CALL }, fallback: true, uses: ['imm'] }),
    row({ name: 'call_local', ...call, call: 'local', select: { field: 'src', value: BPF_PSEUDO_CALL }, uses: ['imm'], text: '({code}) call pc{call}' }),
    // off selects the BTF of the module that defines the kfunc (0 = vmlinux).
    row({ name: 'call_kfunc', ...call, call: 'kfunc', select: { field: 'src', value: BPF_PSEUDO_KFUNC_CALL }, uses: ['off', 'imm'] }),
    // callx: the kernel's disassembler does not look at the X bit and prints a helper call.
    row({ name: 'callx', ...call, call: 'callx', source: 'X', uses: ['dst'], reads: ['dst', 'r1-r5'] }),
    row({ name: 'exit', cls: 'jmp', op: 'exit', source: 'K', uses: [], reads: ['r0'], writes: [], origin: 'v1', flow: 'exit', text: '({code}) exit' }),
    row({
      name: 'may_goto', cls: 'jmp', op: 'jcond', source: 'K', select: { field: 'src', value: 0 }, uses: ['off'], ...none, origin: 'may-goto', flow: 'cond', target: 'off',
      text: '({code}) may_goto pc{off}', text61: '({code}) if r{dst} (null) {immx} goto pc{off}',
    }),
  );
  return rows;
}

function loadStoreRows(): Row[] {
  const rows: Row[] = [];
  LD_IMM64_NAMES.forEach((name, src) => {
    rows.push(row({
      name, cls: 'ld', size: 'DW', mode: 'IMM', select: { field: 'src', value: src }, ...(src === 0 ? { fallback: true } : {}), uses: ['dst', 'imm'],
      reads: [], writes: ['dst'], slots: 2, origin: 'v1', text: '({code}) r{dst} = {imm64}',
    }));
  });
  for (const s of SIZES) {
    const size = s.size;
    if (size !== 'DW') {
      // The socket buffer is r6's; the result is r0's, and r1-r5 are clobbered as by a call.
      const packet = { cls: 'ld', size, origin: 'packet', writes: ['r0', 'r1-r5'] } as const;
      rows.push(row({ name: `ldabs${s.suffix}`, ...packet, mode: 'ABS', uses: ['imm'], reads: ['r6', 'mem'], text: `({code}) r0 = *(${s.type} *)skb[{imm}]` }));
      rows.push(row({ name: `ldind${s.suffix}`, ...packet, mode: 'IND', uses: ['src', 'imm'], reads: ['r6', 'src', 'mem'], text: `({code}) r0 = *(${s.type} *)skb[r{src} + {imm}]` }));
    }
    const load = { cls: 'ldx', size, base: 'src', uses: ['dst', 'src', 'off'], reads: ['src', 'mem'], writes: ['dst'] } as const;
    rows.push(row({ name: `ldx${s.suffix}`, ...load, mode: 'MEM', origin: 'v1', text: `({code}) r{dst} = *(${s.type} *)(r{src} {off})` }));
    if (s.signed) {
      rows.push(row({
        name: `ldxs${s.suffix}`, ...load, mode: 'MEMSX', signed: true, origin: 'v4',
        text: `({code}) r{dst} = *(${s.signed} *)(r{src} {off})`, text61: 'BUG_ldx_{code}',
      }));
    }
    rows.push(row({
      name: `st${s.suffix}`, cls: 'st', size, mode: 'MEM', base: 'dst', uses: ['dst', 'off', 'imm'], reads: ['dst'], writes: ['mem'], origin: 'v1',
      text: `({code}) *(${s.type} *)(r{dst} {off}) = {imm}`,
    }));
    rows.push(row({
      name: `stx${s.suffix}`, cls: 'stx', size, mode: 'MEM', base: 'dst', uses: ['dst', 'src', 'off'], reads: ['dst', 'src'], writes: ['mem'], origin: 'v1',
      text: `({code}) *(${s.type} *)(r{dst} {off}) = r{src}`,
    }));
    rows.push(...atomicRows(s));
  }
  // Speculation barrier the verifier inserts; the mode has no UAPI name.
  rows.push(row({ name: 'nospec', cls: 'st', size: 'W', mode: 'NOSPEC', uses: [], reads: [], writes: [], origin: 'internal', text: '({code}) nospec' }));
  return rows;
}

const ATOMIC_ALU = [
  { op: 'add', sym: '+=' },
  { op: 'or', sym: '|=' },
  { op: 'and', sym: '&=' },
  { op: 'xor', sym: '^=' },
] as const;

function atomicRows(s: (typeof SIZES)[number]): Row[] {
  const mem = `(${s.type} *)(r{dst} {off})`;
  const rows: Row[] = [];
  const atomic = (name: string, op: AtomicOp, fetch: boolean, io: Pick<Row, 'reads' | 'writes'>, origin: InsnOrigin, text: string, text61?: string): Row =>
    row({
      name: `${name}_${s.suffix}`, cls: 'stx', size: s.size, mode: 'ATOMIC', atomic: op, fetch, select: { field: 'imm', value: ATOMIC_IMM[op] | (fetch ? BPF_FETCH : 0) }, base: op === 'load_acquire' ? 'src' : 'dst',
      uses: ['dst', 'src', 'off'], ...io, origin, text, ...(text61 ? { text61 } : {}),
    });
  if (s.size === 'W' || s.size === 'DW') {
    const w = s.size === 'DW' ? '64' : '';
    const rmw = { reads: ['dst', 'src', 'mem'], writes: ['mem'] } as const;
    const fetched = { reads: ['dst', 'src', 'mem'], writes: ['src', 'mem'] } as const;
    for (const a of ATOMIC_ALU) {
      // Only add existed before v3 (as BPF_XADD); the fetch forms and the rest came with v3.
      rows.push(atomic(`lock_${a.op}`, a.op, false, rmw, a.op === 'add' ? 'v1' : 'v3', `({code}) lock *${mem} ${a.sym} r{src}`));
      rows.push(atomic(`atomic_fetch_${a.op}`, a.op, true, fetched, 'v3', `({code}) r{src} = atomic${w}_fetch_${a.op}(${mem}, r{src})`));
    }
    rows.push(atomic('atomic_xchg', 'xchg', true, fetched, 'v3', `({code}) r{src} = atomic${w}_xchg(${mem}, r{src})`));
    rows.push(atomic('atomic_cmpxchg', 'cmpxchg', true, { reads: ['dst', 'src', 'r0', 'mem'], writes: ['r0', 'mem'] }, 'v3', `({code}) r0 = atomic${w}_cmpxchg(${mem}, r0, r{src})`));
  }
  // load_acquire reads through src into dst, as a plain load does.
  rows.push(atomic('load_acquire', 'load_acquire', false, { reads: ['src', 'mem'], writes: ['dst'] }, 'load-acquire', `({code}) r{dst} = load_acquire((${s.type} *)(r{src} {off}))`, 'BUG_{code}'));
  rows.push(atomic('store_release', 'store_release', false, { reads: ['dst', 'src'], writes: ['mem'] }, 'load-acquire', `({code}) store_release(${mem}, r{src})`, 'BUG_{code}'));
  return rows;
}

function row(r: RowInput): Row {
  const width = isAluClass(r.cls) || isJmpClass(r.cls) ? { width: classWidth(r.cls) } : {};
  return Object.freeze({ ...r, code: opcodeOf(r), ...width, slots: r.slots ?? 1, flow: r.flow ?? 'next' });
}


export function buildRows(): readonly OpcodeSpec[] {
  return Object.freeze([...aluRows(), ...jmpRows(), ...loadStoreRows()]);
}
