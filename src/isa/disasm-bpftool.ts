import type { Insn } from './insn.js';
import { signed, type DisasmOptions } from './disasm.js';
import {
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
} from './opcodes.js';

/** What bpftool learns from the kernel (kallsyms, jited_ksyms) and we learn from the program layer. */
export interface BpftoolNames {
  /**
   * The kernel symbol of a bpf-to-bpf callee, `bpf_prog_<tag>_<name>`. bpftool prints
   * `call pc+N#SYMBOL` for a JITed program and plain `call pc+N` otherwise (and always
   * in `visual`), so return undefined for the latter.
   */
  calleeSymbol?(insn: Insn, pc: number): string | undefined;
  /**
   * The kernel function a call reaches when the helper table does not name it: a kfunc,
   * or a helper the kernel has replaced by another function (`call __htab_map_lookup_elem`)
   * or that is newer than the table. bpftool finds these in kallsyms.
   */
  kernelFunction?(insn: Insn, pc: number): string | undefined;
  /** The function a helper call became in the kernel's fixups (`htab_map_update_elem`), printed in place of the helper's name. */
  helperFunction?(insn: Insn, pc: number): string | undefined;
}

/** A calleeSymbol that looks symbols up by the callee's first instruction (as a loaded program keeps them). */
export function calleeSymbolsAt(symbols: ReadonlyMap<number, string>): NonNullable<BpftoolNames['calleeSymbol']> {
  return (insn, pc) => symbols.get(pc + insn.off + 1);
}

/**
 * Disassembly options for instructions as `prog dump xlated` gets them back from the
 * kernel: map references carry map ids, a bpf-to-bpf call carries its relative offset in
 * off (and the callee's index in imm). Helper calls keep their id in imm, so they print
 * `call bpf_trace_printk#6` where bpftool prints the kernel address offset after `#`.
 */
export function bpftoolXlatedOptions(names: BpftoolNames = {}): DisasmOptions {
  return {
    dialect: 'bpftool-7.1',
    callName(insn, pc) {
      if (insn.src === BPF_PSEUDO_CALL) {
        const symbol = names.calleeSymbol?.(insn, pc);
        return symbol === undefined ? signed(insn.off) : `${signed(insn.off)}#${symbol}`;
      }
      return names.kernelFunction?.(insn, pc);
    },
    imm64: (insn, next) => IMM64_TEXT[insn.src]?.(insn, next),
    ...(names.helperFunction ? { helperFunction: names.helperFunction } : {}),
  };
}

/** bpftool's print_imm: ld_imm64 operands by pseudo kind; a plain constant keeps the kernel's hex. */
const IMM64_TEXT: Record<number, (insn: Insn, next: Insn) => string> = {
  [BPF_PSEUDO_MAP_FD]: (insn) => `map[id:${insn.imm >>> 0}]`,
  [BPF_PSEUDO_MAP_VALUE]: (insn, next) => `map[id:${insn.imm >>> 0}][0]+${next.imm >>> 0}`,
  [BPF_PSEUDO_MAP_IDX_VALUE]: (insn, next) => `map[idx:${insn.imm >>> 0}]+${next.imm >>> 0}`,
  [BPF_PSEUDO_FUNC]: (insn) => `subprog[${signed(insn.imm)}]`,
};
