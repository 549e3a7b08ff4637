import type { Insn } from '../isa/index.js';

/**
 * What `prog dump xlated` needs of a program: its instructions as the kernel would hand
 * them back (map references as ids), where each function starts, and the source lines.
 * Offsets are instruction indexes (8-byte slots) from the start of the program.
 */
export interface XlatedFunc {
  insnOff: number;
  /** The function's name from BTF (for the call graph and cluster titles). */
  name: string;
  /** bpftool's one-line prototype, e.g. `int xdp_prog(struct xdp_md * ctx)`. */
  signature: string;
}

export interface XlatedLine {
  insnOff: number;
  fileName: string;
  /** The source text of the line, as stored in BTF strings. */
  line: string;
  lineNum: number;
  lineCol: number;
}

export interface XlatedProgram {
  name: string;
  insns: Insn[];
  funcs: XlatedFunc[];
  lines: XlatedLine[];
}
