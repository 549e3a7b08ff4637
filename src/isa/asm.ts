import { InsnError } from '../errors.js';
import { formsOf, SHAPE_SYNTAX, startsLongerMnemonic, type AsmForm, type OperandShape } from './asm-dialect.js';
import { fromRow, secondSlot } from './build.js';
import { encodeInsns } from './encode.js';
import type { Insn } from './insn.js';

/**
 * An assembler for the uBPF dialect the public conformance suite is written in:
 *
 *     # comment
 *     mov %r0, 0              ldxw %r0, [%r1+4]        stxdw [%r10-8], %r0
 *     lddw %r0, 0x1122334455667788                    jne %r0, 15, label
 *     ja +2                   call 5   call %r2         call local func
 *     lock fetch add [%r10-8], %r1                     be16 %r0
 *     label:
 *
 * Mnemonics and operand shapes come from the opcode table (asm-dialect.ts). A jump target
 * is a label or a signed offset (`+2`, `-1`); `exit` names the first exit instruction
 * unless a label of that name is defined, as the suite's own assembler has it.
 */

/** Bad assembly: says which line, and why. */
export class AsmError extends InsnError {
  readonly line: number;

  constructor(reason: string, line: number, file?: string) {
    super(`line ${line}: ${reason}`, file === undefined ? {} : { file });
    this.line = line;
  }
}

export interface AsmOptions {
  /** Named in errors. */
  file?: string;
}

/** One operand as written, told apart by its look before the form is chosen. */
type Token =
  | { kind: 'reg'; text: string; reg: number }
  | { kind: 'mem'; text: string; reg: number; off: bigint }
  | { kind: 'num'; text: string; value: bigint; signed: boolean }
  | { kind: 'word'; text: string };

/** An instruction waiting for its labels: the slot it starts at and what it needs. */
interface Pending {
  line: number;
  pc: number;
  insn: Insn;
  /** A label the jump or call field must point at. */
  label?: { name: string; field: 'off' | 'imm' };
}

const LABEL_DEF = /^([A-Za-z_.$][\w.$]*)\s*:/;
const LABEL_REF = /^[A-Za-z_.$][\w.$]*$/;
const NUMBER = /^([+-])?(0x[0-9a-f]+|[0-9]+)$/i;
const REG = /^%?r([0-9]+)$/;
const MEM = /^\[\s*(%?r[0-9]+)\s*(?:([+-])\s*(0x[0-9a-f]+|[0-9]+))?\s*\]$/i;

/** Assembles the text into instruction slots (an lddw takes two). */
export function assemble(source: string, options: AsmOptions = {}): Insn[] {
  const fail = (reason: string, line: number): never => {
    throw new AsmError(reason, line, options.file);
  };
  const labels = new Map<string, { pc: number; line: number }>();
  const pending: Pending[] = [];
  let pc = 0;
  let firstExit: number | undefined;
  source.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    let text = raw.replace(/#.*/, '').trim();
    for (let m = text.match(LABEL_DEF); m; m = text.match(LABEL_DEF)) {
      const seen = labels.get(m[1]!);
      if (seen) fail(`label '${m[1]}' is defined twice (first on line ${seen.line})`, line);
      labels.set(m[1]!, { pc, line });
      text = text.slice(m[0].length).trim();
    }
    if (text === '') return;
    const { mnemonic, rest } = splitMnemonic(text);
    const forms = formsOf(mnemonic);
    if (forms.length === 0) fail(`unknown mnemonic '${mnemonic}'`, line);
    const tokens = rest === '' ? [] : rest.split(',').map((t) => token(t.trim(), line, fail));
    const form = forms.find((f) => fits(f.shape, tokens));
    if (!form) fail(`${mnemonic} takes ${forms.map((f) => SHAPE_SYNTAX[f.shape]).join(' or ')}; got '${rest}'`, line);
    const built = build(form!, tokens, line, fail);
    pending.push({ line, pc, ...built });
    if (form!.row.flow === 'exit') firstExit ??= pc;
    pc += form!.row.slots;
    if (form!.row.slots === 2) pending.push({ line, pc: pc - 1, insn: secondSlot(built.imm2 ?? 0) });
  });
  if (firstExit !== undefined && !labels.has('exit')) labels.set('exit', { pc: firstExit, line: 0 });
  for (const p of pending) {
    if (!p.label) continue;
    const target = labels.get(p.label.name);
    if (!target) fail(`undefined label '${p.label.name}'`, p.line);
    p.insn[p.label.field] = checkRange(BigInt(target!.pc - p.pc - 1), p.label.field, `jump to '${p.label.name}'`, p.line, fail);
  }
  return pending.map((p) => p.insn);
}

/** The program as 8-byte little-endian slots, as the suite's runner and the kernel take it. */
export function assembleBytes(source: string, options: AsmOptions = {}): Uint8Array {
  return encodeInsns(assemble(source, options), true);
}

/** `lock fetch add [%r10-8], %r1` has the mnemonic `lock fetch add`; the table says which words continue one. */
function splitMnemonic(text: string): { mnemonic: string; rest: string } {
  const words = text.split(/\s+/);
  let mnemonic = words[0]!.toLowerCase();
  let used = 1;
  while (used < words.length && startsLongerMnemonic(mnemonic)) {
    const longer = `${mnemonic} ${words[used]!.toLowerCase()}`;
    if (formsOf(longer).length === 0 && !startsLongerMnemonic(longer)) break;
    mnemonic = longer;
    used++;
  }
  return { mnemonic, rest: words.slice(used).join(' ') };
}

function token(text: string, line: number, fail: (reason: string, line: number) => never): Token {
  let m: RegExpMatchArray | null;
  if ((m = text.match(REG))) return { kind: 'reg', text, reg: register(m[1]!, line, fail) };
  if ((m = text.match(MEM))) {
    const reg = register(m[1]!.replace(/^%?r/, ''), line, fail);
    const off = m[3] === undefined ? 0n : BigInt(m[3]) * (m[2] === '-' ? -1n : 1n);
    return { kind: 'mem', text, reg, off };
  }
  if ((m = text.match(NUMBER))) return { kind: 'num', text, value: BigInt(m[2]!) * (m[1] === '-' ? -1n : 1n), signed: m[1] !== undefined };
  if (LABEL_REF.test(text)) return { kind: 'word', text };
  if (text === '') return fail('an operand is missing', line);
  return fail(`cannot read operand '${text}'`, line);
}

/** r0-r10 are the ISA's; r11-r15 fit the 4-bit field, so tests can write bad programs. */
function register(digits: string, line: number, fail: (reason: string, line: number) => never): number {
  const n = Number(digits);
  if (n > 15) fail(`r${digits} is not a register (r0-r10; r11-r15 fit the field but no program may use them)`, line);
  return n;
}

/** The token kinds each shape wants, in order. */
const SHAPE_KINDS: Readonly<Record<OperandShape, readonly ('reg' | 'mem' | 'num' | 'target')[]>> = {
  none: [],
  dst: ['reg'],
  'dst,imm': ['reg', 'num'],
  'dst,src': ['reg', 'reg'],
  'dst,imm,target': ['reg', 'num', 'target'],
  'dst,src,target': ['reg', 'reg', 'target'],
  'dst,imm64': ['reg', 'num'],
  'dst,mem': ['reg', 'mem'],
  'mem,imm': ['mem', 'num'],
  'mem,src': ['mem', 'reg'],
  'src,imm': ['reg', 'num'],
  imm: ['num'],
  target: ['target'],
  'call-target': ['target'],
};

function fits(shape: OperandShape, tokens: readonly Token[]): boolean {
  const kinds = SHAPE_KINDS[shape];
  return (
    kinds.length === tokens.length &&
    kinds.every((k, i) => {
      const t = tokens[i]!;
      return k === 'target' ? t.kind === 'word' || (t.kind === 'num' && t.signed) : t.kind === k;
    })
  );
}

function build(
  form: AsmForm,
  tokens: readonly Token[],
  line: number,
  fail: (reason: string, line: number) => never,
): { insn: Insn; imm2?: number; label?: Pending['label'] } {
  const { row, shape } = form;
  const insn = fromRow(row);
  const reg = (i: number) => (tokens[i] as Extract<Token, { kind: 'reg' }>).reg;
  const num = (i: number) => (tokens[i] as Extract<Token, { kind: 'num' }>).value;
  const mem = (i: number) => tokens[i] as Extract<Token, { kind: 'mem' }>;
  let label: Pending['label'];
  let imm2: number | undefined;
  const target = (i: number, field: 'off' | 'imm') => {
    const t = tokens[i]!;
    if (t.kind === 'word') label = { name: t.text, field };
    else insn[field] = checkRange((t as Extract<Token, { kind: 'num' }>).value, field, 'jump offset', line, fail);
  };
  const imm32 = (i: number) => {
    insn.imm = checkRange(num(i), 'imm', 'immediate', line, fail);
  };
  const memory = (i: number, field: 'dst' | 'src') => {
    insn[field] = mem(i).reg;
    insn.off = checkRange(mem(i).off, 'off', 'offset', line, fail);
  };
  switch (shape) {
    case 'none':
      break;
    case 'dst':
      insn.dst = reg(0);
      break;
    case 'dst,imm':
      insn.dst = reg(0);
      imm32(1);
      break;
    case 'dst,src':
      insn.dst = reg(0);
      insn.src = reg(1);
      break;
    case 'dst,imm,target':
      insn.dst = reg(0);
      imm32(1);
      target(2, 'off');
      break;
    case 'dst,src,target':
      insn.dst = reg(0);
      insn.src = reg(1);
      target(2, 'off');
      break;
    case 'dst,imm64': {
      insn.dst = reg(0);
      const v = num(1);
      if (v < -(1n << 63n) || v >= 1n << 64n) fail(`immediate ${tokens[1]!.text} does not fit in 64 bits`, line);
      insn.imm = Number(BigInt.asIntN(32, v));
      imm2 = Number(BigInt.asIntN(32, v >> 32n));
      break;
    }
    case 'dst,mem':
      insn.dst = reg(0);
      memory(1, 'src');
      break;
    case 'mem,imm':
      memory(0, 'dst');
      imm32(1);
      break;
    case 'mem,src':
      memory(0, 'dst');
      insn.src = reg(1);
      break;
    case 'src,imm':
      insn.src = reg(0);
      imm32(1);
      break;
    case 'imm':
      imm32(0);
      break;
    case 'target':
      target(0, row.target ?? 'off');
      break;
    case 'call-target':
      target(0, 'imm');
      break;
  }
  return { insn, ...(imm2 === undefined ? {} : { imm2 }), ...(label ? { label } : {}) };
}

/**
 * off is a signed 16-bit field; imm a 32-bit one, written signed or unsigned (the suite
 * writes `0xffffffff` for -1 in 32-bit compares), and kept signed as Insn holds it.
 */
function checkRange(value: bigint, field: 'off' | 'imm', what: string, line: number, fail: (reason: string, line: number) => never): number {
  const [min, max, bits] = field === 'off' ? [-(1n << 15n), (1n << 15n) - 1n, 16] : [-(1n << 31n), (1n << 32n) - 1n, 32];
  if (value < min || value > max) fail(`${what} ${value} does not fit in ${field} (${bits} bits)`, line);
  return Number(BigInt.asIntN(bits, value));
}
