import { BtfError } from '../errors.js';
import type { Btf } from './btf.js';
import { CDeclarations } from './c-decl.js';
import { Layout, pointerSize } from './c-layout.js';
import { CNames } from './c-names.js';
import { MAX_NESTING, walk } from './limits.js';
import { TextSink } from '../text/sink.js';
import type { BtfType } from './types.js';

export interface DumpCOptions {
  /** Only these types and what they need (bpftool's `btf dump map ... key|value`). */
  ids?: readonly number[];
  /** Receives libbpf's warnings (bpftool prints them on stderr); ignored by default. */
  warn?: (message: string) => void;
}

const HEADER =
  '#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n' +
  '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n#endif\n\n';
const FOOTER = '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n#endif /* __VMLINUX_H__ */\n';

/**
 * `bpftool btf dump ... format c`: a compilable header declaring every type (for
 * split BTF, the base's too, as bpftool does), in the order and layout libbpf's
 * btf_dump gives. Throws BtfError where libbpf gives up (a cycle of types that no
 * forward declaration can break).
 */
export function dumpBtfC(btf: Btf, options: DumpCOptions = {}): string {
  const out = new BoundedSink(outputLimit(btf));
  out.put(HEADER);
  const dumper = new CDumper(btf, out, options.warn ?? (() => {}));
  walk('format c', () => {
    if (options.ids) for (const id of options.ids) dumper.dumpType(id);
    else for (let id = 1; id < btf.typeCount; id++) dumper.dumpType(id);
  });
  out.put(FOOTER);
  return out.text();
}

/**
 * The C dump grows with its input, except where corrupt BTF makes it explode (struct
 * after struct padded across gaps of up to 512 KiB, say). Past 64 MiB or 64 bytes per
 * byte of BTF (vmlinux's header is half the size of its BTF), the dump stops with a
 * BtfError instead of running out of memory.
 */
function outputLimit(btf: Btf): number {
  let bytes = 0;
  for (let b: Btf | undefined = btf; b; b = b.base) bytes += b.header.hdrLen + b.header.typeLen + b.header.strLen;
  return Math.max(64 << 20, 64 * bytes);
}

class BoundedSink extends TextSink {
  private length = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override put(s: string): void {
    this.length += s.length;
    if (this.length > this.limit) throw new BtfError(`format c: the header would exceed ${this.limit} bytes: sizes or offsets are corrupt`);
    super.put(s);
  }
}

const enum Order {
  None,
  Ordering,
  Ordered,
}

const enum Emit {
  None,
  Emitting,
  Emitted,
}

/**
 * libbpf's two passes per requested type: a depth-first ordering that queues every
 * named definition the type needs before it (a struct embedded by value must be
 * complete first; one reached through a pointer only needs a forward declaration),
 * then emission of the queue, writing forward declarations where a definition is
 * reached again while still being written.
 */
class CDumper {
  private readonly order: Uint8Array;
  private readonly emit: Uint8Array;
  private readonly fwdEmitted: Uint8Array;
  private readonly referenced: Uint8Array;
  /**
   * Recursion depth of the ordering and emission walks. A type may legitimately be
   * met again on its own path (a typedef of a struct that points back to the
   * typedef), so loops that libbpf would recurse on forever (a pointer to itself)
   * are caught by depth instead.
   */
  private depth = 0;
  /**
   * Steps the emission walk may take. An anonymous struct is walked again at each use
   * (it is defined where it is used), so anonymous structs nested by value, each used
   * twice, double the walk per level. Real BTF takes about one step per type (vmlinux:
   * 138k for 127k types); corrupt BTF that would take billions is refused instead.
   */
  private budget: number;
  private queue: number[] = [];
  private readonly decls: CDeclarations;

  constructor(
    private readonly btf: Btf,
    private readonly out: TextSink,
    private readonly warn: (message: string) => void,
  ) {
    const n = btf.typeCount;
    this.order = new Uint8Array(n);
    this.emit = new Uint8Array(n);
    this.fwdEmitted = new Uint8Array(n);
    this.referenced = markReferenced(btf);
    this.budget = 1_000_000 + 16 * n;
    this.order[0] = Order.Ordered;
    this.emit[0] = Emit.Emitted;
    this.decls = new CDeclarations(btf, new CNames(btf), new Layout(btf, pointerSize(btf)), out, warn);
  }

  dumpType(id: number): void {
    if (!this.btf.has(id)) throw new BtfError(`type id ${id} out of range (${this.btf.typeCount} types)`);
    this.queue = [];
    this.orderType(id, false);
    for (const q of this.queue) this.emitType(q, 0);
  }

  /**
   * Queues the definitions `id` depends on, then `id` itself if it is a named
   * definition. Returns whether the link to it is strong (its definition must come
   * first), as opposed to weak (a forward declaration will do).
   */
  private orderType(id: number, throughPtr: boolean): boolean {
    if (this.order[id] === Order.Ordered) return true;
    const t = this.btf.type(id);
    if (this.order[id] === Order.Ordering) {
      // A loop through a pointer to a named struct is broken by a forward declaration.
      if ((t.kind === 'STRUCT' || t.kind === 'UNION') && throughPtr && t.nameOff !== 0) return false;
      throw new BtfError(`unsatisfiable type cycle, id:[${id}]`);
    }
    this.enter(id);
    try {
      return this.orderKind(id, t, throughPtr);
    } finally {
      this.depth--;
    }
  }

  private enter(id: number): void {
    if (++this.depth > MAX_NESTING) throw new BtfError(`type [${id}]: reference loop (or types nested over ${MAX_NESTING} deep)`);
  }

  private orderKind(id: number, t: BtfType, throughPtr: boolean): boolean {
    switch (t.kind) {
      case 'INT':
      case 'FLOAT':
        this.order[id] = Order.Ordered;
        return false;
      case 'PTR': {
        const strong = this.orderType(t.type, true);
        this.order[id] = Order.Ordered;
        return strong;
      }
      case 'ARRAY':
        return this.orderType(t.type, false);
      case 'STRUCT':
      case 'UNION':
        // Through a pointer, a named struct needs only a forward declaration; an
        // anonymous one is written inline, so its members' needs are ours.
        if (throughPtr && t.nameOff !== 0) return false;
        this.order[id] = Order.Ordering;
        for (const m of t.members) this.orderType(m.type, false);
        if (t.nameOff !== 0) this.queue.push(id);
        this.order[id] = Order.Ordered;
        return true;
      case 'ENUM':
      case 'ENUM64':
      case 'FWD':
        // Named ones, and anonymous ones nothing refers to (global constants), stand alone.
        if (t.nameOff !== 0 || !this.referenced[id]) this.queue.push(id);
        this.order[id] = Order.Ordered;
        return true;
      case 'TYPEDEF': {
        const strong = this.orderType(t.type, throughPtr);
        if (throughPtr && !strong) return false;
        this.queue.push(id);
        this.order[id] = Order.Ordered;
        return true;
      }
      case 'VOLATILE':
      case 'CONST':
      case 'RESTRICT':
      case 'TYPE_TAG':
        return this.orderType(t.type, throughPtr);
      case 'FUNC_PROTO': {
        let strong = this.orderType(t.returnType, throughPtr);
        for (const p of t.params) if (this.orderType(p.type, throughPtr)) strong = true;
        return strong;
      }
      case 'FUNC':
      case 'VAR':
      case 'DATASEC':
      case 'DECL_TAG':
        this.order[id] = Order.Ordered;
        return false;
      case 'VOID':
        return true;
    }
  }

  /**
   * Writes `id` if it is a definition not yet written, after what it needs. `cont`
   * is the struct being written that (directly) contains this reference, 0 at top
   * level: a struct referring to itself needs no forward declaration.
   */
  private emitType(id: number, cont: number): void {
    if (--this.budget < 0) throw new BtfError(`format c: anonymous types nested so that writing them out would never end (at type [${id}])`);
    if (this.emit[id] === Emit.Emitted) return;
    const t = this.btf.type(id);
    if (this.emit[id] === Emit.Emitting) {
      this.emitFwdWhileEmitting(id, t, cont);
      return;
    }
    this.enter(id);
    try {
      this.emitKind(id, t, cont);
    } finally {
      this.depth--;
    }
  }

  /** Reached again while being written: a forward declaration (or early typedef) may be needed. */
  private emitFwdWhileEmitting(id: number, t: BtfType, cont: number): void {
    if (this.fwdEmitted[id]) return;
    if (t.kind === 'STRUCT' || t.kind === 'UNION') {
      if (id === cont) return;
      if (t.nameOff === 0) {
        this.warn(`anonymous struct/union loop, id:[${id}]`);
        return;
      }
      this.decls.structRef(t);
      this.out.put(';\n\n');
      this.fwdEmitted[id] = 1;
    } else if (t.kind === 'TYPEDEF') {
      // The typedef can serve as a forward declaration for uses through pointers.
      if (!isBuiltin(t)) {
        this.decls.typedefDef(t, 0);
        this.out.put(';\n\n');
      }
      this.fwdEmitted[id] = 1;
    }
  }

  private emitKind(id: number, t: BtfType, cont: number): void {
    const topLevel = cont === 0;
    switch (t.kind) {
      case 'INT':
        this.decls.missingAliases(id);
        this.emit[id] = Emit.Emitted;
        return;
      case 'ENUM':
      case 'ENUM64':
        if (topLevel) {
          this.decls.enumDef(t, 0);
          this.out.put(';\n\n');
        }
        this.emit[id] = Emit.Emitted;
        return;
      case 'PTR':
      case 'VOLATILE':
      case 'CONST':
      case 'RESTRICT':
      case 'TYPE_TAG':
      case 'ARRAY':
        this.emitType(t.type, cont);
        return;
      case 'FWD':
        this.decls.fwdDef(t);
        this.out.put(';\n\n');
        this.emit[id] = Emit.Emitted;
        return;
      case 'TYPEDEF':
        this.emit[id] = Emit.Emitting;
        this.emitType(t.type, id);
        if (!this.fwdEmitted[id] && !isBuiltin(t)) {
          this.decls.typedefDef(t, 0);
          this.out.put(';\n\n');
        }
        this.emit[id] = Emit.Emitted;
        return;
      case 'STRUCT':
      case 'UNION':
        this.emit[id] = Emit.Emitting;
        // A definition spells out its members (an anonymous one is always defined
        // inline), so their types must be declared first.
        if (topLevel || t.nameOff === 0) {
          const memberCont = t.nameOff === 0 ? cont : id;
          for (const m of t.members) this.emitType(m.type, memberCont);
        } else if (!this.fwdEmitted[id] && id !== cont) {
          this.decls.structRef(t);
          this.out.put(';\n\n');
          this.fwdEmitted[id] = 1;
        }
        if (topLevel) {
          this.decls.structDef(t, 0);
          this.out.put(';\n\n');
          this.emit[id] = Emit.Emitted;
        } else {
          this.emit[id] = Emit.None;
        }
        return;
      case 'FUNC_PROTO':
        this.emitType(t.returnType, cont);
        for (const p of t.params) this.emitType(p.type, cont);
        return;
      default:
        return;
    }
  }
}

/** `__builtin_va_list` is the compiler's own; defining it breaks compilation elsewhere. */
function isBuiltin(t: BtfType): boolean {
  return t.nameOff !== 0 && t.name === '__builtin_va_list';
}

/** Which types something refers to: tells top-level anonymous enums from inline ones. */
function markReferenced(btf: Btf): Uint8Array {
  const refs = new Uint8Array(btf.typeCount);
  for (let id = 1; id < btf.typeCount; id++) {
    const t = btf.type(id);
    switch (t.kind) {
      case 'PTR':
      case 'VOLATILE':
      case 'CONST':
      case 'RESTRICT':
      case 'TYPEDEF':
      case 'FUNC':
      case 'VAR':
      case 'DECL_TAG':
      case 'TYPE_TAG':
        refs[t.type] = 1;
        break;
      case 'ARRAY':
        refs[t.type] = 1;
        refs[t.indexType] = 1;
        break;
      case 'STRUCT':
      case 'UNION':
        for (const m of t.members) refs[m.type] = 1;
        break;
      case 'FUNC_PROTO':
        for (const p of t.params) refs[p.type] = 1;
        break;
      case 'DATASEC':
        for (const v of t.vars) refs[v.type] = 1;
        break;
      default:
        break;
    }
  }
  return refs;
}
