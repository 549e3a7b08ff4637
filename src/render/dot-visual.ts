import { buildCfg, lastInsnPc, type CfgBlock, type CfgFunction, disasmInsn, type DisasmOptions, bpftoolXlatedOptions, type BpftoolNames, type Insn, lookupOpcode, printedAs, forEachInsn, localCallTarget } from '../isa/index.js';
import type { XlatedProgram } from './xlated-model.js';

/** bpftool's fixed block numbers: ENTRY and EXIT come first, real blocks from 2 on. */
const ENTRY = 0;
const EXIT = 1;
const FIRST_BLOCK = 2;

/** bpftool formats each instruction into a 64-byte buffer before escaping it. */
const GRAPH_LINE_BUFFER = 64;

/**
 * `prog dump xlated PROG visual`: the control flow graph as Graphviz dot, laid out as
 * bpftool 7.1 prints it. Functions are the program's start and the targets of
 * bpf-to-bpf calls (callback functions stay inside the function before them, as bpftool
 * draws them); clusters are numbered in the order the calls are met, drawn in address
 * order. Jumps are read as bpftool reads them (gotol's offset from off, as its text in
 * the node says). Edges follow bpftool's drawing, which differs from the CFG in two
 * places: an exit "falls through" to the next block, and a block ending in a helper call
 * gets a second edge to the next block (bpftool takes the call's off as a jump offset).
 */
export function xlatedVisual(prog: XlatedProgram, names: Omit<BpftoolNames, 'calleeSymbol'> = {}): string {
  // bpftool draws with a fresh symbol table and no JITed symbols, so calls print as `call pc+N`.
  const { kernelFunction, helperFunction } = names;
  const disasm = bpftoolXlatedOptions({ ...(kernelFunction ? { kernelFunction } : {}), ...(helperFunction ? { helperFunction } : {}) });
  const order = callDiscoveryOrder(prog.insns);
  const cfg = buildCfg(prog.insns, { calls: 'xlated', functionStarts: order, dialect: 'bpftool-7.1' });
  const out = ['digraph "DOT graph for eBPF program" {\n'];
  for (const fn of cfg.functions) out.push(cluster(prog.insns, fn, order.indexOf(fn.start), disasm));
  out.push('}\n');
  return out.join('');
}

/** 0, then call targets as a scan of the instructions first meets them: bpftool numbers functions so. */
function callDiscoveryOrder(insns: readonly Insn[]): number[] {
  const order = [0];
  forEachInsn(insns, (insn, pc) => {
    const target = localCallTarget(insn, pc, 'xlated');
    if (target !== undefined && !order.includes(target)) order.push(target);
  });
  return order;
}

function cluster(insns: readonly Insn[], fn: CfgFunction, idx: number, disasm: DisasmOptions): string {
  const node = (bb: number) => `fn_${idx}_bb_${bb}`;
  const out = [`subgraph "cluster_${idx}" {\n\tstyle="dashed";\n\tcolor="black";\n\tlabel="func_${idx} ()";\n`];
  out.push(`\t${node(ENTRY)} [shape=Mdiamond,style=filled,label="ENTRY"];\n\n`);
  fn.blocks.forEach((block, i) => {
    out.push(`\t${node(FIRST_BLOCK + i)} [shape=record,style=filled,label="{${blockLabel(insns, fn, block, disasm)}}"];\n\n`);
  });
  out.push(`\t${node(EXIT)} [shape=Mdiamond,style=filled,label="EXIT"];\n\n`);
  const edge = (from: number, to: number) => `\t${node(from)}:s -> ${node(to)}:n [style="solid,bold", color=black, weight=10, constraint=true];\n`;
  out.push(edge(ENTRY, FIRST_BLOCK));
  for (let i = 0; i < fn.blocks.length; i++) {
    for (const to of drawnSuccessors(insns, fn, i)) out.push(edge(FIRST_BLOCK + i, to));
  }
  // bpftool adds an invisible ENTRY -> EXIT edge to steady the layout.
  out.push(`\t${node(ENTRY)}:s -> ${node(EXIT)}:n [style="invis", constraint=true];\n`);
  out.push('}\n');
  return out.join('');
}

/** bpftool's successors of block i, as bpftool numbers blocks. */
function drawnSuccessors(insns: readonly Insn[], fn: CfgFunction, i: number): number[] {
  const block = fn.blocks[i]!;
  const last = lastInsnPc(insns, block);
  const insn = insns[last]!;
  const flow = (lookupOpcode(insn) ?? printedAs(insn))?.flow;
  const nextOrExit = i + 1 < fn.blocks.length ? FIRST_BLOCK + i + 1 : EXIT;
  const jumps = block.successors.filter((e) => e.kind === 'jump').map((e) => FIRST_BLOCK + e.to);
  if (flow === 'goto') return jumps;
  if (flow === 'cond') return [nextOrExit, ...jumps];
  if (flow === 'call') {
    const alsoAt = fn.blocks.findIndex((b) => b.start === last + insn.off + 1);
    return alsoAt < 0 ? [nextOrExit] : [nextOrExit, FIRST_BLOCK + alsoAt];
  }
  return [nextOrExit];
}

/**
 * The record label: each instruction as `% 4d: ` (counted from the function's start) and
 * its text, cut to bpftool's buffer, `\l` ending each row and `|<>&` escaped, ` | `
 * between rows. bpftool puts the separator after every slot but the block's last, so
 * a block ending in an ld_imm64 ends with a dangling ` | `.
 */
function blockLabel(insns: readonly Insn[], fn: CfgFunction, block: CfgBlock, disasm: DisasmOptions): string {
  const rows: string[] = [];
  forEachInsn(
    insns,
    (_insn, pc) => {
      const text = `${disasmInsn(insns, pc, disasm)}\n`.slice(0, GRAPH_LINE_BUFFER - 1);
      rows.push(`${` ${pc - fn.start}`.padStart(4)}: ${escapeRecord(text)}`);
      if (pc !== block.end - 1) rows.push(' | ');
    },
    block.start,
    block.end,
  );
  return rows.join('');
}

function escapeRecord(text: string): string {
  return text.replace(/[\n<>|&]/g, (c) => (c === '\n' ? '\\l\\\n' : `\\${c}`));
}
