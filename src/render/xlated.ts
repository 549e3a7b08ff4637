import { disasmInsn, bpftoolXlatedOptions, type BpftoolNames, encodeInsns, INSN_SIZE, type Insn, slotCount } from '../isa/index.js';
import type { XlatedFunc, XlatedLine, XlatedProgram } from './xlated-model.js';
import { JsonWriter } from '../text/index.js';

/** The keywords of `prog dump xlated` that change the listing (bpftool takes one at a time). */
export interface XlatedListingOptions {
  /** `opcodes`: each instruction's bytes under it. */
  opcodes?: boolean;
  /** `linum`: the file, line and column after each source line. */
  linum?: boolean;
  /** Names bpftool finds in kallsyms (callee symbols, kernel functions). */
  names?: BpftoolNames;
  /** Byte order of the opcode bytes; the kernel's own (little-endian on x86-64 and arm64) by default. */
  littleEndian?: boolean;
}

/**
 * One step of bpftool's walk over the instructions: the slot, and what it prints before
 * the instruction (a function prototype, a source line). The second slot of an
 * ld_imm64 is stepped over, as bpftool does.
 */
interface ListingStep {
  pc: number;
  insn: Insn;
  text: string;
  func?: XlatedFunc;
  line?: XlatedLine;
  bytes: Uint8Array;
}

function* listing(prog: XlatedProgram, options: XlatedListingOptions): Generator<ListingStep> {
  const disasm = bpftoolXlatedOptions(options.names);
  const bytes = encodeInsns(prog.insns, options.littleEndian ?? true);
  const funcs = new FuncCursor(prog.funcs);
  const lines = new LineCursor(prog.lines);
  for (let pc = 0; pc < prog.insns.length; pc++) {
    // A cut-off ld_imm64 (no second slot) is printed as one slot.
    const wide = slotCount(prog.insns[pc]!) === 2 && pc + 1 < prog.insns.length;
    yield {
      pc,
      insn: prog.insns[pc]!,
      text: disasmInsn(prog.insns, pc, disasm),
      func: funcs.at(pc),
      line: lines.at(pc),
      bytes: bytes.subarray(pc * INSN_SIZE, (pc + (wide ? 2 : 1)) * INSN_SIZE),
    };
    if (wide) pc++;
  }
}

/**
 * bpftool's function prototypes come from func_info records taken in order: a record
 * is used when the walk reaches its instruction exactly, and one that is never reached
 * holds back those after it.
 */
class FuncCursor {
  private next = 0;
  constructor(private readonly funcs: readonly XlatedFunc[]) {}

  at(pc: number): XlatedFunc | undefined {
    const func = this.funcs[this.next];
    if (func?.insnOff !== pc) return undefined;
    this.next++;
    return func;
  }
}

/**
 * libbpf's bpf_prog_linfo__lfind as bpftool drives it: starting from the number of
 * lines printed so far, the last record at or before the instruction, if the first one
 * looked at is not past it. (With the strictly increasing offsets the kernel insists on,
 * that is the record at the instruction.)
 */
class LineCursor {
  private printed = 0;
  constructor(private readonly lines: readonly XlatedLine[]) {}

  at(pc: number): XlatedLine | undefined {
    let i = this.printed;
    if (i >= this.lines.length || pc < this.lines[i]!.insnOff) return undefined;
    while (i + 1 < this.lines.length && this.lines[i + 1]!.insnOff <= pc) i++;
    this.printed++;
    return this.lines[i];
  }
}

/** C's isspace, which bpftool's ltrim uses on source lines. */
function ltrim(s: string): string {
  return s.replace(/^[ \t\n\v\f\r]+/, '');
}

/** printf's `% 4d`: a space for the sign, then padded to four columns. */
function pcColumn(pc: number): string {
  return ` ${pc}`.padStart(4);
}

/** bpftool's fprint_hex for up to 8 bytes: two hex digits each, one space between. */
function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function sourceLine(line: XlatedLine, linum: boolean): string {
  const text = `; ${ltrim(line.line)}`;
  return linum ? `${text} [file:${line.fileName} line_num:${line.lineNum} line_col:${line.lineCol}]` : text;
}

/** `prog dump xlated` as plain text, exactly as bpftool 7.1 prints it. */
export function xlatedText(prog: XlatedProgram, options: XlatedListingOptions = {}): string {
  const out: string[] = [];
  for (const step of listing(prog, options)) {
    if (step.func && step.func.signature !== '') out.push(`${step.func.signature}:\n`);
    if (step.line) out.push(`${sourceLine(step.line, options.linum ?? false)}\n`);
    out.push(`${pcColumn(step.pc)}: ${step.text}\n`);
    if (options.opcodes) out.push(`       ${hexBytes(step.bytes.subarray(0, INSN_SIZE))}${step.bytes.length > INSN_SIZE ? ` ${hexBytes(step.bytes.subarray(INSN_SIZE))}` : ''}\n`);
  }
  return out.join('');
}

/** `-j` (or `-p` with pretty) `prog dump xlated`, with bpftool's layout. */
export function xlatedJson(prog: XlatedProgram, options: XlatedListingOptions & { pretty?: boolean } = {}): string {
  const w = new JsonWriter(options.pretty ?? false);
  writeXlatedJson(w, prog, options);
  return w.finish();
}

/**
 * Writes the instruction array into a writer that is already under way: bpftool dumps
 * several programs as objects whose `insns` member is this array, indented to its depth.
 */
export function writeXlatedJson(w: JsonWriter, prog: XlatedProgram, options: XlatedListingOptions = {}): void {
  w.startArray();
  for (const step of listing(prog, options)) {
    w.startObject();
    if (step.func && step.func.signature !== '') w.stringField('proto', step.func.signature);
    if (step.line) lineFields(w, step.line, options.linum ?? false);
    // bpftool quotes the disassembly without escaping it; it holds nothing to escape.
    w.name('disasm').raw(`"${step.text}"`);
    if (options.opcodes) opcodeFields(w, step.insn, step.bytes);
    w.endObject();
  }
  w.endArray();
}

function lineFields(w: JsonWriter, line: XlatedLine, linum: boolean): void {
  w.stringField('src', ltrim(line.line));
  if (!linum) return;
  w.stringField('file', line.fileName);
  if (line.lineNum !== 0) w.numberField('line_num', line.lineNum);
  if (line.lineCol !== 0) w.numberField('line_col', line.lineCol);
}

/**
 * The fields of the first slot, then off's two bytes and imm's bytes as bpftool reads
 * them from memory: for an ld_imm64, 12 bytes running on into the second slot.
 */
function opcodeFields(w: JsonWriter, insn: Insn, bytes: Uint8Array): void {
  const hex = (b: number) => `"0x${b.toString(16).padStart(2, '0')}"`;
  w.name('opcodes').startObject();
  w.name('code').raw(hex(insn.code));
  w.name('src_reg').raw(`"0x${insn.src.toString(16)}"`);
  w.name('dst_reg').raw(`"0x${insn.dst.toString(16)}"`);
  w.name('off').startArray();
  for (const b of bytes.subarray(2, 4)) w.raw(hex(b));
  w.endArray();
  w.name('imm').startArray();
  for (const b of bytes.subarray(4)) w.raw(hex(b));
  w.endArray();
  w.endObject();
}

/** What `prog dump xlated PROG file FILE` writes: the instructions' bytes, nothing else. */
export function xlatedBytes(prog: XlatedProgram, littleEndian = true): Uint8Array {
  return encodeInsns(prog.insns, littleEndian);
}
