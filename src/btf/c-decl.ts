import { BtfError } from '../errors.js';
import type { Btf } from './btf.js';
import type { CNames } from './c-names.js';
import type { Layout } from './c-layout.js';
import type { TextSink } from '../text/sink.js';
import type { BtfComposite, BtfEnum, BtfEnum64, BtfType, BtfTypedef } from './types.js';

/** libbpf indents with tabs and stops adding them after 13. */
const MAX_INDENT = 13;

export function indent(level: number): string {
  return '\t'.repeat(Math.min(level, MAX_INDENT));
}

/** Base types GCC's Arm SIMD intrinsics use without defining them; libbpf aliases them. */
const MISSING_BASE_TYPES = new Map([
  ['__Poly8_t', 'unsigned char'],
  ['__Poly16_t', 'unsigned short'],
  ['__Poly64_t', 'unsigned long long'],
  ['__Poly128_t', 'unsigned __int128'],
]);

/**
 * C declarations from BTF, as libbpf's btf_dump writes them: struct, union, enum and
 * typedef definitions, and declarators. BTF puts a qualifier before what it qualifies
 * and a pointer before its target, so a declarator is built by pushing the chain of
 * types down to the named base type, then popping: qualifiers on a base type go to
 * its left, qualifiers on a pointer to the right of its `*`, arrays and function
 * prototypes wrap what remains in parentheses.
 */
export class CDeclarations {
  constructor(
    private readonly btf: Btf,
    private readonly names: CNames,
    private readonly layout: Layout,
    private readonly out: TextSink,
    private readonly warn: (message: string) => void,
  ) {}

  /** `struct name` / `union name`, as used in a forward declaration or a reference. */
  structRef(t: BtfComposite<'STRUCT' | 'UNION'>): void {
    this.out.put(`${t.kind === 'STRUCT' ? 'struct' : 'union'}${t.nameOff ? ' ' : ''}${this.names.tagName(t.id)}`);
  }

  structDef(t: BtfComposite<'STRUCT' | 'UNION'>, level: number): void {
    const isStruct = t.kind === 'STRUCT';
    const align = this.layout.alignOf(t.id);
    const packed = isStruct && this.layout.isPacked(t);
    const inner = indent(level + 1);
    this.out.put(`${isStruct ? 'struct' : 'union'}${t.nameOff ? ' ' : ''}${this.names.tagName(t.id)} {`);
    let off = 0;
    let prevBitfield = false;
    for (const m of t.members) {
      const memberAlign = packed ? 1 : this.layout.alignOf(m.type);
      this.out.put(this.layout.padding(off, m.bitOffset, memberAlign, prevBitfield && m.bitfieldSize !== 0, inner));
      this.out.put(`\n${inner}`);
      this.decl(m.type, m.name, level + 1);
      if (m.bitfieldSize) {
        this.out.put(`: ${m.bitfieldSize}`);
        off = m.bitOffset + m.bitfieldSize;
        prevBitfield = true;
      } else {
        off = m.bitOffset + Math.max(0, this.layout.resolveSize(m.type)) * 8;
        prevBitfield = false;
      }
      this.out.put(';');
    }
    if (isStruct) this.out.put(this.layout.padding(off, t.size * 8, align, false, inner));
    // An empty struct stays on one line.
    this.out.put(t.members.length || t.size ? `\n${indent(level)}}` : '}');
    if (packed) this.out.put(' __attribute__((packed))');
  }

  enumRef(t: BtfEnum | BtfEnum64): void {
    this.out.put(`enum ${this.names.tagName(t.id)}`);
  }

  enumDef(t: BtfEnum | BtfEnum64, level: number): void {
    this.out.put(`enum${t.nameOff ? ' ' : ''}${this.names.tagName(t.id)}`);
    if (t.values.length === 0) return;
    this.out.put(' {');
    const inner = indent(level + 1);
    // Values as stored: signed or unsigned by kind_flag; 64-bit ones get C suffixes.
    const suffix = t.kind === 'ENUM' ? '' : t.signed ? 'LL' : 'ULL';
    for (const v of t.values) this.out.put(`\n${inner}${this.names.enumerator(v.name)} = ${v.value}${suffix},`);
    this.out.put(`\n${indent(level)}}`);
  }

  fwdDef(t: BtfType & { kind: 'FWD' }): void {
    this.out.put(`${t.fwdKind} ${this.names.tagName(t.id)}`);
  }

  typedefDef(t: BtfTypedef, level: number): void {
    const name = this.names.identName(t.id);
    // Old GCC emits this typedef pointing at void; the header would not compile.
    if (t.type === 0 && name === '__gnuc_va_list') {
      this.out.put('typedef __builtin_va_list __gnuc_va_list');
      return;
    }
    this.out.put('typedef ');
    this.decl(t.type, name, level);
  }

  /** `typedef` definitions for base types some compilers leave undefined. */
  missingAliases(id: number): void {
    const name = this.names.tagName(id);
    const base = MISSING_BASE_TYPES.get(name);
    if (base) this.out.put(`typedef ${base} ${name};\n\n`);
  }

  /** A declarator: the type of `id` declaring `name` ('' for none). */
  decl(id: number, name: string, level: number): void {
    const stack: number[] = [];
    for (let cur = id; ; ) {
      if (stack.length > this.btf.typeCount) throw new BtfError(`type [${id}]: reference loop in a declaration`);
      stack.push(cur);
      if (cur === 0) break;
      const t = this.btf.type(cur);
      if (t.kind === 'PTR' || t.kind === 'VOLATILE' || t.kind === 'CONST' || t.kind === 'RESTRICT' || t.kind === 'TYPE_TAG' || t.kind === 'ARRAY') {
        cur = t.type;
      } else if (t.kind === 'FUNC_PROTO') {
        cur = t.returnType;
      } else {
        if (!NAMED_BASE.has(t.kind)) this.warn(`unexpected type in decl chain, kind:${t.kind}, id:[${cur}]`);
        break;
      }
    }
    this.chain(stack, name, level);
  }

  /** Qualifiers directly above a base type, written to its left. */
  private leadingQualifiers(stack: number[]): void {
    for (;;) {
      const top = stack.at(-1);
      if (top === undefined) return;
      const kind = this.btf.type(top).kind;
      if (kind !== 'VOLATILE' && kind !== 'CONST' && kind !== 'RESTRICT') return;
      this.out.put(`${kind.toLowerCase()} `);
      stack.pop();
    }
  }

  /** Drops qualifiers (and type tags) that C cannot express where they are. */
  private dropQualifiers(stack: number[]): void {
    for (;;) {
      const top = stack.at(-1);
      if (top === undefined) return;
      const kind = this.btf.type(top).kind;
      if (kind !== 'VOLATILE' && kind !== 'CONST' && kind !== 'RESTRICT' && kind !== 'TYPE_TAG') return;
      stack.pop();
    }
  }

  private name(name: string, lastWasPtr: boolean): void {
    this.out.put(name && !lastWasPtr ? ` ${name}` : name);
  }

  /**
   * Pops and writes a declarator's chain (`stack` ends with the base type). A lone
   * pointer before a function prototype starts a chain of its own, so `lastWasPtr`
   * starts true: `(*name)`, not `( *name)`.
   */
  private chain(stack: number[], name: string, level: number): void {
    let lastWasPtr = true;
    while (stack.length) {
      const id = stack.pop()!;
      if (id === 0) {
        this.leadingQualifiers(stack);
        this.out.put('void');
        lastWasPtr = false;
        continue;
      }
      const t = this.btf.type(id);
      switch (t.kind) {
        case 'INT':
        case 'FLOAT':
          this.leadingQualifiers(stack);
          this.out.put(t.name);
          break;
        case 'STRUCT':
        case 'UNION':
          this.leadingQualifiers(stack);
          // Anonymous ones are defined where they are used.
          if (t.nameOff === 0) this.structDef(t, level);
          else this.structRef(t);
          break;
        case 'ENUM':
        case 'ENUM64':
          this.leadingQualifiers(stack);
          if (t.nameOff === 0) this.enumDef(t, level);
          else this.enumRef(t);
          break;
        case 'FWD':
          this.leadingQualifiers(stack);
          this.fwdDef(t);
          break;
        case 'TYPEDEF':
          this.leadingQualifiers(stack);
          this.out.put(this.names.identName(id));
          break;
        case 'PTR':
          this.out.put(lastWasPtr ? '*' : ' *');
          break;
        case 'VOLATILE':
        case 'CONST':
        case 'RESTRICT':
          this.out.put(` ${t.kind.toLowerCase()}`);
          break;
        case 'TYPE_TAG':
          this.leadingQualifiers(stack);
          this.out.put(` __attribute__((btf_type_tag("${t.name}")))`);
          break;
        case 'ARRAY': {
          // GCC adds qualifiers to arrays of qualified elements; C has no place for them.
          this.dropQualifiers(stack);
          const next = stack.at(-1);
          if (next === undefined) {
            this.name(name, lastWasPtr);
            this.out.put(`[${t.nelems}]`);
            return;
          }
          const multidim = this.btf.type(next).kind === 'ARRAY';
          if (name && !lastWasPtr) this.out.put(' ');
          if (!multidim) this.out.put('(');
          this.chain(stack, name, level);
          if (!multidim) this.out.put(')');
          this.out.put(`[${t.nelems}]`);
          return;
        }
        case 'FUNC_PROTO': {
          // GCC marks noreturn function pointers volatile; dropped likewise.
          this.dropQualifiers(stack);
          if (stack.length) {
            this.out.put(' (');
            this.chain(stack, name, level);
            this.out.put(')');
          } else {
            this.name(name, lastWasPtr);
          }
          const params = t.params;
          // No parameters, or clang's single void one: `(void)`.
          if (params.length === 0 || (params.length === 1 && params[0]!.type === 0)) {
            this.out.put('(void)');
            return;
          }
          this.out.put('(');
          for (let i = 0; i < params.length; i++) {
            if (i > 0) this.out.put(', ');
            const p = params[i]!;
            if (i === params.length - 1 && p.type === 0) {
              this.out.put('...');
              break;
            }
            this.decl(p.type, p.name, level);
          }
          this.out.put(')');
          return;
        }
        default:
          this.warn(`unexpected type in decl chain, kind:${t.kind}, id:[${id}]`);
          return;
      }
      lastWasPtr = t.kind === 'PTR';
    }
    this.name(name, lastWasPtr);
  }
}

/** Kinds a declarator chain ends at. */
const NAMED_BASE = new Set<BtfType['kind']>(['INT', 'ENUM', 'ENUM64', 'FWD', 'STRUCT', 'UNION', 'TYPEDEF', 'FLOAT']);
