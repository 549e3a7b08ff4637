import { InsnError } from '../errors.js';
import { imm64Of, type Insn } from './insn.js';
import { helperName } from './helpers.js';
import type { InsnClass } from './opcode-parts.js';
import { BPF_CALL_INSN, classOf, opcodeRows, printedAs } from './opcodes.js';

/**
 * Which disassembler to speak like. `linux-6.18` is the kernel's `print_bpf_insn` as of
 * Linux 6.18 (what the verifier log shows). `bpftool-7.1` is the copy bpftool 7.1 is
 * built with (Linux 6.1's): it predates ISA v4 and later additions, so `prog dump xlated`
 * prints sdiv as `/=`, movsx as a plain move, bswap as `BUG_alu64_d7`, and so on.
 */
export type DisasmDialect = 'linux-6.18' | 'bpftool-7.1';

/**
 * The kernel disassembler's two hooks. Each may return undefined to get the kernel's own
 * text. Both receive the instruction's index so that the caller can look things up.
 */
export interface DisasmCallbacks {
  /**
   * The callee of a call the helper table does not name: for a bpf-to-bpf call the text
   * after `call pc` (the kernel prints `%+d` of imm), otherwise the text before `#imm`
   * (the kernel prints `kernel-function` for a kfunc, `unknown` for the rest).
   */
  callName?(insn: Insn, pc: number): string | undefined;
  /** The operand of an ld_imm64; value is the full 64-bit immediate (the kernel prints `0x%llx`). */
  imm64?(insn: Insn, next: Insn, value: bigint, pc: number): string | undefined;
}

export interface DisasmOptions extends DisasmCallbacks {
  /**
   * The function a helper call reaches once the kernel's fixups have rewritten it (a
   * map's own op, a program type's variant of the helper), which bpftool finds in
   * kallsyms and prints in place of the helper's name. Asked before the helper table.
   */
  helperFunction?(insn: Insn, pc: number): string | undefined;
  /** `linux-6.18` unless given. */
  dialect?: DisasmDialect;
}

const NO_SLOT: Insn = { code: 0, dst: 0, src: 0, off: 0, imm: 0 };

/**
 * One instruction as the kernel's disassembler prints it, without the trailing newline,
 * e.g. `(bf) r1 = r10`. For an ld_imm64 the next slot supplies the upper half (zero when
 * the program is cut off, where the kernel would read past the end).
 */
export function disasmInsn(insns: readonly Insn[], pc: number, options: DisasmOptions = {}): string {
  const insn = insns[pc];
  if (insn === undefined) throw new InsnError('no instruction here', { pc });
  const spec = printedAs(insn);
  if (spec === undefined) return unknownText(insn);
  const template = options.dialect === 'bpftool-7.1' ? (spec.text61 ?? spec.text) : spec.text;
  const context: TokenContext = { insn, pc, insns, options };
  // Every token the table uses is in TOKENS; a test renders every row to hold that.
  return template.replace(/\{(\w+)\}/g, (_m, token: string) => TOKENS[token]!(context));
}

interface TokenContext {
  insn: Insn;
  pc: number;
  insns: readonly Insn[];
  options: DisasmOptions;
}

const TOKENS: Record<string, (c: TokenContext) => string> = {
  code: ({ insn }) => hex2(insn.code),
  dst: ({ insn }) => String(insn.dst),
  src: ({ insn }) => String(insn.src),
  imm: ({ insn }) => String(insn.imm),
  immx: ({ insn }) => `0x${(insn.imm >>> 0).toString(16)}`,
  off: ({ insn }) => signed(insn.off),
  immrel: ({ insn }) => signed(insn.imm),
  imm_hi16: ({ insn }) => String(insn.imm >>> 16),
  imm_lo16: ({ insn }) => String(insn.imm & 0xffff),
  call: callName,
  imm64: imm64Text,
};

/** The call rows by their src; the kernel's __func_get_name asks src alone, so callx reads as whatever its src says. */
const CALL_BY_SRC = new Map(opcodeRows(BPF_CALL_INSN).map((row) => [row.select?.value, row.call] as const));

/** The kernel's __func_get_name: the helper table first, then the callback, then a default. */
function callName({ insn, pc, options }: TokenContext): string {
  const kind = CALL_BY_SRC.get(insn.src);
  if (kind === 'helper') {
    const helper = options.helperFunction?.(insn, pc) ?? helperName(insn.imm);
    if (helper !== undefined) return helper;
  }
  const named = options.callName?.(insn, pc);
  if (named !== undefined) return named;
  if (kind === 'local') return signed(insn.imm);
  if (kind === 'kfunc') return 'kernel-function';
  return 'unknown';
}

function imm64Text({ insn, pc, insns, options }: TokenContext): string {
  const next = insns[pc + 1] ?? NO_SLOT;
  const value = imm64Of(insn, next);
  return options.imm64?.(insn, next, value, pc) ?? `0x${value.toString(16)}`;
}

/**
 * What the kernel prints for an opcode no row covers. It prints `BUG_...` for unknown
 * loads and stores; for unknown ALU and jump operations it would print a `(null)`
 * operator, which we replace by the same kind of `BUG_` marker.
 */
function unknownText(insn: Insn): string {
  return `${UNKNOWN_PREFIX[classOf(insn.code)]}${hex2(insn.code)}`;
}

const UNKNOWN_PREFIX: Readonly<Record<InsnClass, string>> = {
  ld: 'BUG_ld_', ldx: 'BUG_ldx_', st: 'BUG_st_', stx: 'BUG_', alu: 'BUG_alu_', jmp: 'BUG_jmp_', jmp32: 'BUG_jmp32_', alu64: 'BUG_alu64_',
};

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** C's `%+d`. */
export function signed(n: number): string {
  return n < 0 ? String(n) : `+${n}`;
}
