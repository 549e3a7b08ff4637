import { BPF_ALU, BPF_ALU64, insnClass, OPCODES, type InsnField, type OpcodeSpec } from './opcodes.js';

/**
 * The uBPF assembler dialect (the one the public conformance suite is written in), as a
 * reading of the opcode table: each row gets its mnemonic and operand shape from its
 * name and the fields it uses, so a row added to the table is assembled without a new
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

/** The row's form in the dialect, or undefined when the dialect cannot spell it. */
function formOf(row: OpcodeSpec): AsmForm | undefined {
  const n = row.name;
  const form = (mnemonic: string, shape: OperandShape): AsmForm => ({ mnemonic, shape, row });
  let m: RegExpMatchArray | null;
  // ALU: `add64_imm` is `add`, `add32_reg` is `add32`; the 64-bit form is the bare name.
  const alu = insnClass(row.code) === BPF_ALU || insnClass(row.code) === BPF_ALU64;
  if (alu && (m = n.match(/^([a-z]+)(32|64)_(imm|reg)$/))) return form(m[1]! + (m[2] === '32' ? '32' : ''), m[3] === 'imm' ? 'dst,imm' : 'dst,src');
  if ((m = n.match(/^neg(32|64)$/))) return form(m[1] === '32' ? 'neg32' : 'neg', 'dst');
  // movsx64_8 is `movsx864`: source width, then destination width.
  if ((m = n.match(/^movsx(32|64)_(\d+)$/))) return form(`movsx${m[2]}${m[1]}`, 'dst,src');
  if (/^(le|be|bswap)\d+$/.test(n)) return form(n, 'dst');
  // Conditional jumps: `jeq_imm` is `jeq`, `jeq32_reg` is `jeq32`.
  if ((m = n.match(/^(j[a-z]+?)(32)?_(imm|reg)$/))) return form(m[1]! + (m[2] ?? ''), m[3] === 'imm' ? 'dst,imm,target' : 'dst,src,target');
  if (n === 'ja' || n === 'may_goto') return form(n, 'target');
  if (n === 'gotol') return form('ja32', 'target');
  if (n === 'exit') return form(n, 'none');
  if (n === 'call_helper') return form('call', 'imm');
  if (n === 'call_local') return form('call local', 'call-target');
  if (n === 'callx') return form('call', 'dst');
  if (n === 'lddw') return form(n, 'dst,imm64');
  if (/^ldabs[bhw]$/.test(n)) return form(n, 'imm');
  if (/^ldind[bhw]$/.test(n)) return form(n, 'src,imm');
  if (/^ldxs?(b|h|w|dw)$/.test(n)) return form(n, 'dst,mem');
  if (/^st(b|h|w|dw)$/.test(n)) return form(n, 'mem,imm');
  if (/^stx(b|h|w|dw)$/.test(n)) return form(n, 'mem,src');
  // Atomics: `lock_add_w` is `lock add32`, `atomic_fetch_or_dw` is `lock fetch or`.
  if ((m = n.match(/^(?:lock|atomic)_(fetch_)?(add|or|and|xor|xchg|cmpxchg)_(w|dw)$/))) {
    return form(`lock ${m[1] ? 'fetch ' : ''}${m[2]}${m[3] === 'w' ? '32' : ''}`, 'mem,src');
  }
  return undefined;
}

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
