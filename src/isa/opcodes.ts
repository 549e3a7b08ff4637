import type { Insn } from './insn.js';
import { opcodeOf, partsOf, SIZE_BYTES, type InsnClass, type OpcodeParts, type Operand } from './opcode-parts.js';
import { buildRows, type OpcodeSpec } from './opcode-rows.js';

/**
 * The one opcode table. Every instruction bpfscope knows is one row (opcode-rows.ts): its
 * parts (class, operation, source, size, mode, what it reads and writes; opcode-parts.ts
 * makes the on-wire byte of them), the field that tells it apart from other rows with the
 * same byte (sdiv is div with off=1, atomics are told apart by imm, calls and ld_imm64 by
 * src), which fields it uses, how control leaves it, and how the kernel's disassembler
 * prints it. Decoding, encoding, validation, disassembly, control flow, the engines, the
 * load-time fixups and the assembler all read this table.
 */

export type { Flow, InsnField, InsnOrigin, OpcodeSpec } from './opcode-rows.js';
export {
  BPF_FETCH,
  BPF_HELPER_CALL,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
} from './opcode-parts.js';

export const BPF_LD_IMM64 = opcodeOf({ cls: 'ld', size: 'DW', mode: 'IMM' });
/** The opcode byte of every call (helper, bpf-to-bpf, kfunc by src). */
export const BPF_CALL_INSN = opcodeOf({ cls: 'jmp', op: 'call', source: 'K' });

export const OPCODES: readonly OpcodeSpec[] = buildRows();

/** The rows of each opcode byte, by byte: every walk over a program looks each instruction up, several times. */
const rowsByByte: OpcodeSpec[][] = Array.from({ length: 256 }, () => []);
const byName = new Map<string, OpcodeSpec>();
for (const spec of OPCODES) {
  rowsByByte[spec.code]!.push(spec);
  byName.set(spec.name, spec);
}

/** The rows that share an opcode byte (empty when the byte is no instruction). */
export function opcodeRows(code: number): readonly OpcodeSpec[] {
  return rowsByByte[code & 0xff]!;
}

/** The row an instruction is, judged by its opcode and selecting field; undefined if none. */
export function lookupOpcode(insn: Insn): OpcodeSpec | undefined {
  const rows = opcodeRows(insn.code);
  for (let i = 0; i < rows.length; i++) {
    const spec = rows[i]!;
    if (spec.select === undefined || insn[spec.select.field] === spec.select.value) return spec;
  }
  return undefined;
}

/** The row the kernel's disassembler would print the instruction as, if it has one. */
export function printedAs(insn: Insn): OpcodeSpec | undefined {
  return lookupOpcode(insn) ?? opcodeRows(insn.code).find((spec) => spec.fallback);
}

export function opcodeByName(name: string): OpcodeSpec | undefined {
  return byName.get(name);
}

/** The row of that name; asking for a name no row has is a bug in the caller. */
export function opcodeNamed(name: string): OpcodeSpec {
  const spec = byName.get(name);
  if (!spec) throw new Error(`no opcode row is named ${name}`);
  return spec;
}

/** The class of an opcode byte, whether or not a row has it. */
export function classOf(code: number): InsnClass {
  return partsOf(code).cls;
}

/** The parts a row may be looked up by: its opcode parts, and the variant fields that set it apart. */
export type RowQuery = OpcodeParts & Partial<Pick<OpcodeSpec, 'signed' | 'atomic' | 'fetch' | 'order' | 'call'>>;

/**
 * The row with these parts. Variant fields not given mean the plain row among those that
 * share the byte: the unsigned one, selected by a zero field if selected at all (so
 * `div` is div, not sdiv; `mov` is mov64_reg, not movsx or addr_space_cast; a call is a
 * helper call; an atomic does not fetch; an ld_imm64 is a plain constant). movsx and END
 * rows are told apart by `size`.
 */
export function rowOf(q: RowQuery): OpcodeSpec {
  const rows = opcodeRows(opcodeOf(q)).filter(
    (r) =>
      (q.signed === undefined || (r.signed ?? false) === q.signed) &&
      r.atomic === q.atomic &&
      (q.fetch === undefined || (r.fetch ?? false) === q.fetch) &&
      (q.order === undefined || r.order === q.order) &&
      (q.call === undefined || r.call === q.call) &&
      (q.size === undefined || r.size === undefined || r.size === q.size),
  );
  const found = rows.length === 1 ? rows[0] : rows.find((r) => !r.signed && (r.select?.value ?? 0) === 0);
  if (!found) throw new Error(`no opcode row has the parts ${JSON.stringify(q)}`);
  return found;
}

/** r1-r5: the arguments of a call, which it leaves clobbered. */
const ARG_REGS = 0b111110;

function regMask(operands: readonly Operand[], insn: Insn): number {
  let mask = 0;
  for (const o of operands) {
    if (o === 'dst') mask |= 1 << insn.dst;
    else if (o === 'src') mask |= 1 << insn.src;
    else if (o === 'r0') mask |= 1;
    else if (o === 'r6') mask |= 1 << 6;
    else if (o === 'r1-r5') mask |= ARG_REGS;
  }
  return mask;
}

/** The registers the instruction reads, as a bit mask (bit n for rn). */
export function regsRead(row: OpcodeSpec, insn: Insn): number {
  return regMask(row.reads, insn);
}

/** The registers the instruction writes, a call's clobbers included, as a bit mask (bit n for rn). */
export function regsWritten(row: OpcodeSpec, insn: Insn): number {
  return regMask(row.writes, insn);
}

/** The bytes a load or store moves; undefined for an instruction that is neither (or no row's). */
export function accessBytes(insn: Insn): 1 | 2 | 4 | 8 | undefined {
  const row = lookupOpcode(insn);
  return row?.mode === undefined || row.size === undefined ? undefined : SIZE_BYTES[row.size];
}
