import { BtfError } from '../errors.js';
import type { Btf } from './btf.js';
import { CDeclarations } from './c-decl.js';
import { Layout, pointerSize } from './c-layout.js';
import { CNames } from './c-names.js';
import { MAX_NESTING, walk } from './limits.js';
import { ByteSink } from './byte-sink.js';
import type { TypeTable } from './type-table.js';
import { BTF_KIND } from './types.js';

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
  return new TextDecoder().decode(dumpBtfCBytes(btf, options));
}

/** dumpBtfC's header as UTF-8 bytes, as it is built: what the CLI prints. */
export function dumpBtfCBytes(btf: Btf, options: DumpCOptions = {}): Uint8Array {
  // vmlinux's header is about half the size of its type section.
  const out = new ByteSink(outputLimit(btf), 'format c: the header', btf.header.typeLen);
  out.put(HEADER);
  const dumper = new CDumper(btf, out, options.warn ?? (() => {}));
  walk('format c', () => {
    if (options.ids) for (const id of options.ids) dumper.dumpType(id);
    else for (let id = 1; id < btf.typeCount; id++) dumper.dumpType(id);
  });
  out.put(FOOTER);
  return out.bytes();
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
 * reached again while still being written. Types are read from their records by id
 * (TypeTable): vmlinux has 127k of them.
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
  private readonly table: TypeTable;
  private readonly w: Uint32Array;
  private readonly decls: CDeclarations;
  private readonly names: CNames;

  constructor(
    btf: Btf,
    private readonly out: ByteSink,
    private readonly warn: (message: string) => void,
  ) {
    const table = btf.table();
    this.table = table;
    this.w = table.words;
    const n = table.count;
    this.order = new Uint8Array(n);
    this.emit = new Uint8Array(n);
    this.fwdEmitted = new Uint8Array(n);
    this.referenced = markReferenced(table);
    this.budget = 1_000_000 + 16 * n;
    this.order[0] = Order.Ordered;
    this.emit[0] = Emit.Emitted;
    this.names = new CNames(table);
    this.decls = new CDeclarations(table, this.names, new Layout(table, pointerSize(btf)), out, warn);
  }

  dumpType(id: number): void {
    if (!this.table.has(id)) throw new BtfError(`type id ${id} out of range (${this.table.count} types)`);
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
    const kind = this.table.kinds[id]!;
    if (this.order[id] === Order.Ordering) {
      // A loop through a pointer to a named struct is broken by a forward declaration.
      if ((kind === BTF_KIND.STRUCT || kind === BTF_KIND.UNION) && throughPtr && this.table.names[id]! !== 0) return false;
      throw new BtfError(`unsatisfiable type cycle, id:[${id}]`);
    }
    this.enter(id);
    try {
      return this.orderKind(id, kind, throughPtr);
    } finally {
      this.depth--;
    }
  }

  private enter(id: number): void {
    if (++this.depth > MAX_NESTING) throw new BtfError(`type [${id}]: reference loop (or types nested over ${MAX_NESTING} deep)`);
  }

  private orderKind(id: number, kind: number, throughPtr: boolean): boolean {
    const table = this.table;
    switch (kind) {
      case BTF_KIND.INT:
      case BTF_KIND.FLOAT:
        this.order[id] = Order.Ordered;
        return false;
      case BTF_KIND.PTR: {
        const strong = this.orderType(table.refs[id]!, true);
        this.order[id] = Order.Ordered;
        return strong;
      }
      case BTF_KIND.ARRAY:
        return this.orderType(table.refs[id]!, false);
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION: {
        // Through a pointer, a named struct needs only a forward declaration; an
        // anonymous one is written inline, so its members' needs are ours.
        const named = table.names[id]! !== 0;
        if (throughPtr && named) return false;
        this.order[id] = Order.Ordering;
        for (let k = 0, n = table.vlen(id), e = table.entry(id, 0, 3); k < n; k++, e += 3) this.orderType(this.w[e + 1]!, false);
        if (named) this.queue.push(id);
        this.order[id] = Order.Ordered;
        return true;
      }
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64:
      case BTF_KIND.FWD:
        // Named ones, and anonymous ones nothing refers to (global constants), stand alone.
        if (table.names[id]! !== 0 || !this.referenced[id]) this.queue.push(id);
        this.order[id] = Order.Ordered;
        return true;
      case BTF_KIND.TYPEDEF: {
        const strong = this.orderType(table.refs[id]!, throughPtr);
        if (throughPtr && !strong) return false;
        this.queue.push(id);
        this.order[id] = Order.Ordered;
        return true;
      }
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.TYPE_TAG:
        return this.orderType(table.refs[id]!, throughPtr);
      case BTF_KIND.FUNC_PROTO: {
        let strong = this.orderType(table.refs[id]!, throughPtr);
        for (let k = 0, n = table.vlen(id), e = table.entry(id, 0, 2); k < n; k++, e += 2) if (this.orderType(this.w[e + 1]!, throughPtr)) strong = true;
        return strong;
      }
      case BTF_KIND.FUNC:
      case BTF_KIND.VAR:
      case BTF_KIND.DATASEC:
      case BTF_KIND.DECL_TAG:
        this.order[id] = Order.Ordered;
        return false;
      default:
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
    const kind = this.table.kinds[id]!;
    if (this.emit[id] === Emit.Emitting) {
      this.emitFwdWhileEmitting(id, kind, cont);
      return;
    }
    this.enter(id);
    try {
      this.emitKind(id, kind, cont);
    } finally {
      this.depth--;
    }
  }

  /** Reached again while being written: a forward declaration (or early typedef) may be needed. */
  private emitFwdWhileEmitting(id: number, kind: number, cont: number): void {
    if (this.fwdEmitted[id]) return;
    if (kind === BTF_KIND.STRUCT || kind === BTF_KIND.UNION) {
      if (id === cont) return;
      if (this.table.names[id]! === 0) {
        this.warn(`anonymous struct/union loop, id:[${id}]`);
        return;
      }
      this.decls.structRef(id);
      this.out.put(';\n\n');
      this.fwdEmitted[id] = 1;
    } else if (kind === BTF_KIND.TYPEDEF) {
      // The typedef can serve as a forward declaration for uses through pointers.
      if (!this.isBuiltin(id)) {
        this.decls.typedefDef(id, 0);
        this.out.put(';\n\n');
      }
      this.fwdEmitted[id] = 1;
    }
  }

  private emitKind(id: number, kind: number, cont: number): void {
    const table = this.table;
    const topLevel = cont === 0;
    switch (kind) {
      case BTF_KIND.INT:
        this.decls.missingAliases(id);
        this.emit[id] = Emit.Emitted;
        return;
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64:
        if (topLevel) {
          this.decls.enumDef(id, 0);
          this.out.put(';\n\n');
        }
        this.emit[id] = Emit.Emitted;
        return;
      case BTF_KIND.PTR:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.TYPE_TAG:
      case BTF_KIND.ARRAY:
        this.emitType(table.refs[id]!, cont);
        return;
      case BTF_KIND.FWD:
        this.decls.fwdDef(id);
        this.out.put(';\n\n');
        this.emit[id] = Emit.Emitted;
        return;
      case BTF_KIND.TYPEDEF:
        this.emit[id] = Emit.Emitting;
        this.emitType(table.refs[id]!, id);
        if (!this.fwdEmitted[id] && !this.isBuiltin(id)) {
          this.decls.typedefDef(id, 0);
          this.out.put(';\n\n');
        }
        this.emit[id] = Emit.Emitted;
        return;
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION: {
        this.emit[id] = Emit.Emitting;
        const anonymous = table.names[id]! === 0;
        // A definition spells out its members (an anonymous one is always defined
        // inline), so their types must be declared first.
        if (topLevel || anonymous) {
          const memberCont = anonymous ? cont : id;
          for (let k = 0, n = table.vlen(id), e = table.entry(id, 0, 3); k < n; k++, e += 3) this.emitType(this.w[e + 1]!, memberCont);
        } else if (!this.fwdEmitted[id] && id !== cont) {
          this.decls.structRef(id);
          this.out.put(';\n\n');
          this.fwdEmitted[id] = 1;
        }
        if (topLevel) {
          this.decls.structDef(id, 0);
          this.out.put(';\n\n');
          this.emit[id] = Emit.Emitted;
        } else {
          this.emit[id] = Emit.None;
        }
        return;
      }
      case BTF_KIND.FUNC_PROTO:
        this.emitType(table.refs[id]!, cont);
        for (let k = 0, n = table.vlen(id), e = table.entry(id, 0, 2); k < n; k++, e += 2) this.emitType(this.w[e + 1]!, cont);
        return;
      default:
        return;
    }
  }

  /** `__builtin_va_list` is the compiler's own; defining it breaks compilation elsewhere. */
  private isBuiltin(id: number): boolean {
    return this.table.strings.is(this.table.names[id]!, '__builtin_va_list');
  }
}

/** Which types something refers to: tells top-level anonymous enums from inline ones. */
function markReferenced(table: TypeTable): Uint8Array {
  const refs = new Uint8Array(table.count);
  const w = table.words;
  for (let id = 1; id < table.count; id++) {
    const at = table.at[id]!;
    const info = w[at + 1]!;
    const vlen = info & 0xffff;
    switch ((info >>> 24) & 0x1f) {
      case BTF_KIND.PTR:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.FUNC:
      case BTF_KIND.VAR:
      case BTF_KIND.DECL_TAG:
      case BTF_KIND.TYPE_TAG:
        refs[w[at + 2]!] = 1;
        break;
      case BTF_KIND.ARRAY:
        refs[w[at + 3]!] = 1;
        refs[w[at + 4]!] = 1;
        break;
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
        for (let k = 0, e = at + 3; k < vlen; k++, e += 3) refs[w[e + 1]!] = 1;
        break;
      case BTF_KIND.FUNC_PROTO:
        for (let k = 0, e = at + 3; k < vlen; k++, e += 2) refs[w[e + 1]!] = 1;
        break;
      case BTF_KIND.DATASEC:
        for (let k = 0, e = at + 3; k < vlen; k++, e += 3) refs[w[e]!] = 1;
        break;
      default:
        break;
    }
  }
  return refs;
}
