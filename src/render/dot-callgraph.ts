import { buildCfg, helperName, type Insn, tailCallSites } from '../isa/index.js';
import type { XlatedProgram } from './xlated-model.js';

/**
 * A call graph across programs, as plain data: who calls which function of the same
 * program (bpf-to-bpf), which kernel functions (helpers, kfuncs), and which programs a
 * tail call can reach through a prog array, when that is known.
 */
export interface CallGraph {
  programs: CallGraphProgram[];
  /** What prog arrays hold, where known (from a map dump, or the VM's state). */
  progArrays?: ProgArrayContents[];
}

export interface CallGraphProgram {
  name: string;
  /** What the program is, shown under its name: its section or type. */
  kind?: string;
  /** Function names, the entry first. */
  functions: string[];
  calls: GraphCall[];
}

export type GraphCall =
  /** A bpf-to-bpf call: `to` is a function of the same program. */
  | { kind: 'local'; from: string; to: string }
  /** A call into the kernel: `to` names the helper or kernel function. */
  | { kind: 'helper' | 'kfunc'; from: string; to: string }
  /** bpf_tail_call through a prog array; map and index when the code shows them. */
  | { kind: 'tail'; from: string; map?: string; index?: number };

export interface ProgArrayContents {
  map: string;
  slots: { index: number; program: string }[];
}

export interface ProgramCallsOptions {
  kind?: string;
  /** A map's name from its id (the imm of `r2 = map[id:N]` before a tail call). */
  mapName?(id: number): string | undefined;
  /** The kernel function a call reaches when the helper table does not name it. */
  kernelFunction?(insn: Insn, pc: number): string | undefined;
}

/**
 * Reads a program's calls from its xlated instructions. Functions are named from the
 * program's function records (the entry by the program's name when it has none); a
 * tail call whose prog array is loaded plainly before it names the map.
 */
export function programCalls(prog: XlatedProgram, options: ProgramCallsOptions = {}): CallGraphProgram {
  const starts = prog.funcs.map((f) => f.insnOff);
  const cfg = buildCfg(prog.insns, { calls: 'xlated', ...(starts.length ? { functionStarts: starts } : {}) });
  const nameAt = new Map(prog.funcs.map((f) => [f.insnOff, f.name]));
  const fnName = (start: number) => nameAt.get(start) ?? (start === 0 ? prog.name : `func@${start}`);
  const tails = new Map(tailCallSites(prog.insns, cfg).map((site) => [site.pc, site]));
  const calls: GraphCall[] = [];
  for (const fn of cfg.functions) {
    const from = fnName(fn.start);
    for (const call of fn.calls) {
      const insn = prog.insns[call.pc]!;
      const tail = tails.get(call.pc);
      if (tail) {
        const map = tail.mapLoad && (options.mapName?.(tail.mapLoad.imm) ?? `map[id:${tail.mapLoad.imm >>> 0}]`);
        calls.push({ kind: 'tail', from, ...(map !== undefined ? { map } : {}), ...(tail.index !== undefined ? { index: tail.index } : {}) });
      } else if (call.kind === 'local') {
        calls.push({ kind: 'local', from, to: fnName(call.target!) });
      } else if (call.kind === 'helper') {
        const to = (insn.src === 0 ? helperName(call.imm) : undefined) ?? options.kernelFunction?.(insn, call.pc) ?? `helper#${call.imm}`;
        calls.push({ kind: 'helper', from, to });
      } else if (call.kind === 'kfunc') {
        calls.push({ kind: 'kfunc', from, to: options.kernelFunction?.(insn, call.pc) ?? `kfunc#${call.imm}` });
      }
      // callx has no target the code shows; the kernel refuses it anyway.
    }
  }
  return { name: prog.name, ...(options.kind ? { kind: options.kind } : {}), functions: cfg.functions.map((f) => fnName(f.start)), calls };
}

/** A dot string literal; a newline becomes dot's centred line break. */
function quote(s: string): string {
  return `"${s.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`;
}

/**
 * The call graph as Graphviz dot, for `dot -Tsvg`: a cluster per program with a box per
 * function (the entry in bold), an ellipse per kernel function (dashed, shared by all
 * programs), a cylinder per prog array. Repeated calls along one edge are drawn once,
 * with their count.
 */
export function callGraphDot(graph: CallGraph): string {
  const ids = new NodeIds();
  const out = ['digraph "bpfscope call graph" {\n', '\trankdir=LR;\n', '\tgraph [fontname="monospace", fontsize=11];\n', '\tnode [fontname="monospace", fontsize=10];\n', '\tedge [fontname="monospace", fontsize=9];\n'];
  const programs = new Map(graph.programs.map((p) => [p.name, p]));
  graph.programs.forEach((prog) => {
    out.push(`\tsubgraph ${quote(`cluster_${ids.program(prog.name)}`)} {\n`);
    out.push(`\t\tlabel=${quote(prog.kind ? `${prog.name}\n(${prog.kind})` : prog.name)};\n\t\tstyle="rounded";\n`);
    prog.functions.forEach((fn, i) => {
      out.push(`\t\t${ids.fn(prog.name, fn)} [shape=box${i === 0 ? ', style="bold"' : ''}, label=${quote(fn)}];\n`);
    });
    out.push('\t}\n');
  });
  const edges = new EdgeList();
  for (const prog of graph.programs) {
    for (const call of prog.calls) {
      const from = ids.fn(prog.name, call.from);
      if (call.kind === 'local') edges.add(from, ids.fn(prog.name, call.to), '');
      else if (call.kind === 'tail') edges.add(from, ids.progArray(call.map), `color="blue", label=${quote(call.index === undefined ? 'tail call' : `tail call [${call.index}]`)}`);
      else edges.add(from, ids.kernel(call.to, call.kind), 'style="dashed", color="gray40"');
    }
  }
  for (const array of graph.progArrays ?? []) {
    for (const slot of array.slots) {
      const entry = programs.get(slot.program)?.functions[0];
      const to = entry === undefined ? ids.outside(slot.program) : ids.fn(slot.program, entry);
      edges.add(ids.progArray(array.map), to, `color="blue", style="bold", label=${quote(`[${slot.index}]`)}`);
    }
  }
  out.push(...ids.declarations(), ...edges.lines(), '}\n');
  return out.join('');
}

/** Node ids that need no escaping, and the declarations of nodes outside the clusters. */
class NodeIds {
  private readonly ids = new Map<string, string>();
  private readonly extra: string[] = [];

  private id(key: string, prefix: string, declare?: (id: string) => string): string {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = `${prefix}${this.ids.size}`;
      this.ids.set(key, id);
      if (declare) this.extra.push(declare(id));
    }
    return id;
  }

  program(name: string): string {
    return this.id(`program\0${name}`, 'p');
  }

  fn(program: string, fn: string): string {
    return this.id(`fn\0${program}\0${fn}`, 'f');
  }

  kernel(name: string, kind: 'helper' | 'kfunc'): string {
    return this.id(`kernel\0${name}`, 'k', (id) => `\t${id} [shape=ellipse, style="dashed", label=${quote(kind === 'kfunc' ? `${name}\n(kfunc)` : name)}];\n`);
  }

  /** A prog array; an unknown one is one node for all. */
  progArray(map: string | undefined): string {
    return this.id(`map\0${map ?? ''}`, 'm', (id) => `\t${id} [shape=cylinder${map === undefined ? ', style="dashed"' : ''}, label=${quote(map ?? 'prog array\n(unknown)')}];\n`);
  }

  /** A program a prog array holds that the graph does not otherwise show. */
  outside(program: string): string {
    return this.id(`outside\0${program}`, 'x', (id) => `\t${id} [shape=box, style="dashed", label=${quote(program)}];\n`);
  }

  declarations(): string[] {
    return this.extra;
  }
}

/** Edges in first-seen order, repeats counted rather than drawn again. */
class EdgeList {
  private readonly edges = new Map<string, { from: string; to: string; attrs: string; count: number }>();

  add(from: string, to: string, attrs: string): void {
    const key = `${from}->${to}\0${attrs}`;
    const edge = this.edges.get(key);
    if (edge) edge.count++;
    else this.edges.set(key, { from, to, attrs, count: 1 });
  }

  lines(): string[] {
    return [...this.edges.values()].map(({ from, to, attrs, count }) => {
      const all = [attrs, count > 1 ? `taillabel=${quote(`x${count}`)}` : ''].filter(Boolean).join(', ');
      return `\t${from} -> ${to}${all ? ` [${all}]` : ''};\n`;
    });
  }
}
