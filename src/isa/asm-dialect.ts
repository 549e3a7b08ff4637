import { isAluClass, isJmpClass, type AluOp, type AtomicOp, type Size } from './opcode-parts.js';
import { OPCODES, type InsnField, type OpcodeSpec } from './opcodes.js';

/**
 * The uBPF assembler dialect (the one the public conformance suite is written in), as a
 * reading of the opcode table: each row gets its mnemonic and operand shape from its
 * parts (operation, width, source, size, mode), so a row added to the table is assembled without a new
 * case here. Rows the dialect has no spelling for (map references, kfuncs, arena and
 * kernel-internal instructions, load-acquire) get no form.
 */

/**
 * What an instruction's operands look like, in order. `mem` is `[%rN+off]`, `target` a
 * label or `+N`/`-N` (a relative jump, in the row's jump field), `call-target` the same
 * for a bpf-to-bpf call (kept in imm).
 */
export type OperandShape =
  | 'none'
  | 'dst'
  | 'dst,imm'
  | 'dst,src'
  | 'dst,imm,target'
  | 'dst,src,target'
  | 'dst,imm64'
  | 'dst,mem'
  | 'mem,imm'
  | 'mem,src'
  | 'src,imm'
  | 'imm'
  | 'target'
  | 'call-target';

export interface AsmForm {
  /** One or more words: `add32`, `lock fetch add`, `call local`. */
  readonly mnemonic: string;
  readonly shape: OperandShape;
  readonly row: OpcodeSpec;
}

/** Which instruction fields each shape fills; every one must be a field the row uses. */
export const SHAPE_FIELDS: Readonly<Record<OperandShape, readonly InsnField[]>> = {
  none: [],
  dst: ['dst'],
  'dst,imm': ['dst', 'imm'],
  'dst,src': ['dst', 'src'],
  'dst,imm,target': ['dst', 'imm', 'off'],
  'dst,src,target': ['dst', 'src', 'off'],
  'dst,imm64': ['dst', 'imm'],
  'dst,mem': ['dst', 'src', 'off'],
  'mem,imm': ['dst', 'off', 'imm'],
  'mem,src': ['dst', 'off', 'src'],
  'src,imm': ['src', 'imm'],
  imm: ['imm'],
  target: [],
  'call-target': ['imm'],
};

/** How a shape reads in an error message. */
export const SHAPE_SYNTAX: Readonly<Record<OperandShape, string>> = {
  none: '(no operands)',
  dst: '%rD',
  'dst,imm': '%rD, IMM',
  'dst,src': '%rD, %rS',
  'dst,imm,target': '%rD, IMM, TARGET',
  'dst,src,target': '%rD, %rS, TARGET',
  'dst,imm64': '%rD, IMM64',
  'dst,mem': '%rD, [%rS+OFF]',
  'mem,imm': '[%rD+OFF], IMM',
  'mem,src': '[%rD+OFF], %rS',
  'src,imm': '%rS, IMM',
  imm: 'IMM',
  target: 'TARGET',
  'call-target': 'LABEL',
};

/** Other spellings the dialect accepts for a mnemonic. */
const ALIASES: Readonly<Record<string, string>> = {
  swap16: 'bswap16',
  swap32: 'bswap32',
  swap64: 'bswap64',
  'call helper': 'call',
  gotol: 'ja32',
};

/** The dialect's size suffixes: `ldxw`, `stxdw`, `lock add32` (the 32-bit atomic, the 64-bit one bare). */
const SIZE_SUFFIX: Readonly<Record<Size, string>> = { B: 'b', H: 'h', W: 'w', DW: 'dw' };

/** The dialect's words for the atomics it spells. */
const ATOMIC_WORDS: Partial<Readonly<Record<AtomicOp, string>>> = { add: 'add', or: 'or', and: 'and', xor: 'xor', xchg: 'xchg', cmpxchg: 'cmpxchg' };

/** The row's form in the dialect, or undefined when the dialect cannot spell it. */
function formOf(row: OpcodeSpec): AsmForm | undefined {
  const form = (mnemonic: string, shape: OperandShape): AsmForm => ({ mnemonic, shape, row });
  const w32 = row.width === 32 ? '32' : '';
  if (isAluClass(row.cls)) return aluForm(row, w32, form);
  if (isJmpClass(row.cls)) return jmpForm(row, w32, form);
  const size = row.size === undefined ? '' : SIZE_SUFFIX[row.size];
  switch (row.mode) {
    case 'IMM':
      return row.select?.value === 0 ? form('lddw', 'dst,imm64') : undefined;
    case 'ABS':
      return form(`ldabs${size}`, 'imm');
    case 'IND':
      return form(`ldind${size}`, 'src,imm');
    case 'MEM':
      return row.cls === 'ldx' ? form(`ldx${size}`, 'dst,mem') : row.cls === 'st' ? form(`st${size}`, 'mem,imm') : form(`stx${size}`, 'mem,src');
    case 'MEMSX':
      return form(`ldxs${size}`, 'dst,mem');
    case 'ATOMIC': {
      // `lock_add_w` is `lock add32`, `atomic_fetch_or_dw` is `lock fetch or`; xchg and cmpxchg always fetch.
      const word = row.atomic && ATOMIC_WORDS[row.atomic];
      if (!word) return undefined;
      const fetch = row.fetch && row.atomic !== 'xchg' && row.atomic !== 'cmpxchg' ? 'fetch ' : '';
      return form(`lock ${fetch}${word}${row.size === 'W' ? '32' : ''}`, 'mem,src');
    }
    default:
      return undefined;
  }
}

type FormOf = (mnemonic: string, shape: OperandShape) => AsmForm;

/** ALU: `add64_imm` is `add`, `add32_reg` is `add32`; the 64-bit form is the bare name. */
function aluForm(row: OpcodeSpec, w32: string, form: FormOf): AsmForm | undefined {
  const op = row.op as AluOp;
  const shape = row.source === 'X' ? 'dst,src' : 'dst,imm';
  if (op === 'end') return form(`${row.order === 'swap' ? 'bswap' : row.order}${SIZE_BITS_OF[row.size!]}`, 'dst');
  if (op === 'neg') return form(`neg${w32}`, 'dst');
  // movsx64_8 is `movsx864`: source width, then destination width.
  if (op === 'mov' && row.signed) return form(`movsx${SIZE_BITS_OF[row.size!]}${row.width}`, 'dst,src');
  // Selected by a nonzero off: arena casts and kernel-internal moves.
  if ((row.select?.value ?? 0) !== 0 && !row.signed) return undefined;
  return form(`${row.signed ? 's' : ''}${op}${w32}`, shape);
}

/** Jumps: `jeq_imm` is `jeq`, `jeq32_reg` is `jeq32`; gotol is `ja32`. */
function jmpForm(row: OpcodeSpec, w32: string, form: FormOf): AsmForm | undefined {
  switch (row.flow) {
    case 'cond':
      if (row.op === 'jcond') return form('may_goto', 'target');
      return form(`${row.op}${w32}`, row.source === 'X' ? 'dst,src,target' : 'dst,imm,target');
    case 'goto':
      return form(`ja${w32}`, 'target');
    case 'exit':
      return form('exit', 'none');
    case 'call':
      if (row.call === 'helper') return form('call', 'imm');
      if (row.call === 'local') return form('call local', 'call-target');
      if (row.call === 'callx') return form('call', 'dst');
      return undefined;
    default:
      return undefined;
  }
}

const SIZE_BITS_OF: Readonly<Record<Size, number>> = { B: 8, H: 16, W: 32, DW: 64 };

export const ASM_FORMS: readonly AsmForm[] = Object.freeze(
  OPCODES.flatMap((row) => {
    const f = formOf(row);
    if (!f) return [];
    // Guards the table against a row whose fields no longer match its shape.
    for (const field of SHAPE_FIELDS[f.shape]) {
      if (!row.uses.includes(field)) throw new Error(`asm form ${f.mnemonic} fills ${field}, which ${row.name} does not use`);
    }
    return [Object.freeze(f)];
  }),
);

const byMnemonic = new Map<string, AsmForm[]>();
const byRow = new Map<OpcodeSpec, AsmForm>();
for (const f of ASM_FORMS) {
  byMnemonic.set(f.mnemonic, [...(byMnemonic.get(f.mnemonic) ?? []), f]);
  byRow.set(f.row, f);
}

/** The forms a mnemonic may take (`add` has an IMM and a register form); empty if unknown. */
export function formsOf(mnemonic: string): readonly AsmForm[] {
  return byMnemonic.get(ALIASES[mnemonic] ?? mnemonic) ?? [];
}

export function formOfRow(row: OpcodeSpec): AsmForm | undefined {
  return byRow.get(row);
}

/**
 * Whether more words may follow: `lock` and `lock fetch` start longer mnemonics, and so
 * does `call` (`call local`), which is also a mnemonic by itself.
 */
export function startsLongerMnemonic(words: string): boolean {
  return longerPrefixes.has(words);
}

const longerPrefixes = new Set<string>();
for (const name of [...byMnemonic.keys(), ...Object.keys(ALIASES)]) {
  const words = name.split(' ');
  for (let i = 1; i < words.length; i++) longerPrefixes.add(words.slice(0, i).join(' '));
}
