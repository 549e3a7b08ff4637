import { BtfError } from '../errors.js';
import type { CNames } from './c-names.js';
import type { Layout } from './c-layout.js';
import type { ByteSink } from './byte-sink.js';
import type { TypeTable } from './type-table.js';
import { BTF_KIND, BTF_KIND_NAMES } from './types.js';

/** libbpf indents with tabs and stops adding them after 13. */
const MAX_INDENT = 13;

const INDENTS = Array.from({ length: MAX_INDENT + 1 }, (_, n) => '\t'.repeat(n));

function indent(level: number): string {
  return INDENTS[Math.min(level, MAX_INDENT)]!;
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
 * prototypes wrap what remains in parentheses. Types are read from their records by id.
 */
export class CDeclarations {
  private readonly w: Uint32Array;
  /**
   * The declarator chains being written, one above the other (an anonymous struct
   * in a chain declares its members while the chain waits): one array for all.
   */
  private readonly stack: number[] = [];

  constructor(
    private readonly table: TypeTable,
    private readonly names: CNames,
    private readonly layout: Layout,
    private readonly out: ByteSink,
    private readonly warn: (message: string) => void,
  ) {
    this.w = table.words;
  }

  /** `struct name` / `union name`, as used in a forward declaration or a reference. */
  structRef(id: number): void {
    this.out.put(this.table.kinds[id]! === BTF_KIND.STRUCT ? 'struct' : 'union');
    if (this.table.names[id]!) {
      this.out.put(' ');
      this.names.putTagName(this.out, id);
    }
  }

  structDef(id: number, level: number): void {
    const table = this.table;
    const w = this.w;
    const isStruct = table.kinds[id]! === BTF_KIND.STRUCT;
    const kindFlag = table.kindFlag(id);
    const vlen = table.vlen(id);
    const size = table.size(id);
    const align = this.layout.alignOf(id);
    const packed = isStruct && this.layout.isPacked(id);
    const inner = indent(level + 1);
    this.structRef(id);
    this.out.put(' {');
    let off = 0;
    let prevBitfield = false;
    for (let k = 0, e = table.entry(id, 0, 3); k < vlen; k++, e += 3) {
      const type = w[e + 1]!;
      const raw = w[e + 2]!;
      // With kind_flag the word packs bitfield size (high 8) over bit offset (low 24).
      const bitOffset = kindFlag ? raw & 0xffffff : raw;
      const bitfieldSize = kindFlag ? raw >>> 24 : 0;
      const memberAlign = packed ? 1 : this.layout.alignOf(type);
      if (off < bitOffset) this.out.put(this.layout.padding(off, bitOffset, memberAlign, prevBitfield && bitfieldSize !== 0, inner));
      this.out.put('\n');
      this.out.put(inner);
      this.decl(type, w[e]!, level + 1);
      if (bitfieldSize) {
        this.out.put(': ');
        this.out.put(String(bitfieldSize));
        this.out.put(';');
        off = bitOffset + bitfieldSize;
        prevBitfield = true;
      } else {
        this.out.put(';');
        off = bitOffset + Math.max(0, this.layout.resolveSize(type)) * 8;
        prevBitfield = false;
      }
    }
    if (isStruct && off < size * 8) this.out.put(this.layout.padding(off, size * 8, align, false, inner));
    // An empty struct stays on one line.
    if (vlen || size) {
      this.out.put('\n');
      this.out.put(indent(level));
    }
    this.out.put('}');
    if (packed) this.out.put(' __attribute__((packed))');
  }

  enumRef(id: number): void {
    this.out.put('enum ');
    this.names.putTagName(this.out, id);
  }

  enumDef(id: number, level: number): void {
    const table = this.table;
    const w = this.w;
    this.out.put('enum');
    if (table.names[id]!) {
      this.out.put(' ');
      this.names.putTagName(this.out, id);
    }
    const vlen = table.vlen(id);
    if (vlen === 0) return;
    this.out.put(' {');
    const inner = indent(level + 1);
    // Values as stored: signed or unsigned by kind_flag; 64-bit ones get C suffixes.
    const signed = table.kindFlag(id);
    if (table.kinds[id]! === BTF_KIND.ENUM) {
      for (let k = 0, e = table.entry(id, 0, 2); k < vlen; k++, e += 2) {
        this.enumerator(inner, w[e]!, String(signed ? w[e + 1]! | 0 : w[e + 1]!));
      }
    } else {
      for (let k = 0, e = table.entry(id, 0, 3); k < vlen; k++, e += 3) {
        const raw = (BigInt(w[e + 2]!) << 32n) | BigInt(w[e + 1]!);
        this.enumerator(inner, w[e]!, signed ? `${BigInt.asIntN(64, raw)}LL` : `${raw}ULL`);
      }
    }
    this.out.put('\n');
    this.out.put(indent(level));
    this.out.put('}');
  }

  /**
   * One `name = value,` line. Written piece by piece, as everything here: a template
   * string would be a cons string the sink has to flatten, millions of times.
   */
  private enumerator(inner: string, nameOff: number, value: string): void {
    this.out.put('\n');
    this.out.put(inner);
    this.names.putEnumerator(this.out, nameOff);
    this.out.put(' = ');
    this.out.put(value);
    this.out.put(',');
  }

  fwdDef(id: number): void {
    this.out.put(this.table.kindFlag(id) ? 'union ' : 'struct ');
    this.names.putTagName(this.out, id);
  }

  typedefDef(id: number, level: number): void {
    const nameOff = this.table.names[id]!;
    const count = this.names.identCount(id);
    const type = this.table.refs[id]!;
    // Old GCC emits this typedef pointing at void; the header would not compile.
    if (type === 0 && count <= 1 && this.table.strings.is(nameOff, '__gnuc_va_list')) {
      this.out.put('typedef __builtin_va_list __gnuc_va_list');
      return;
    }
    this.out.put('typedef ');
    this.decl(type, nameOff, level, count);
  }

  /** `typedef` definitions for base types some compilers leave undefined. */
  missingAliases(id: number): void {
    const name = this.names.tagName(id);
    const base = MISSING_BASE_TYPES.get(name);
    if (base) this.out.put(`typedef ${base} ${name};\n\n`);
  }

  /**
   * A declarator: the type of `id` declaring the name at `nameOff` in the string table
   * (none for the empty string), with `___<count>` after it when `count` is over 1.
   */
  decl(id: number, nameOff: number, level: number, count = 0): void {
    const table = this.table;
    const stack = this.stack;
    const base = stack.length;
    for (let cur = id; ; ) {
      if (stack.length - base > table.count) throw new BtfError(`type [${id}]: reference loop in a declaration`);
      stack.push(cur);
      if (cur === 0) break;
      const kind = table.kinds[cur]!;
      if (CHAINED[kind]) {
        cur = table.refs[cur]!;
      } else {
        if (!NAMED_BASE[kind]) this.warn(`unexpected type in decl chain, kind:${BTF_KIND_NAMES[kind]}, id:[${cur}]`);
        break;
      }
    }
    this.chain(base, nameOff, count, level);
    stack.length = base;
  }

  /** Qualifiers directly above a base type, written to its left. */
  private leadingQualifiers(base: number): void {
    const stack = this.stack;
    for (;;) {
      if (stack.length === base) return;
      const top = stack[stack.length - 1]!;
      const qualifier = QUALIFIER[this.table.kinds[top]!];
      if (qualifier === undefined) return;
      this.out.put(qualifier);
      this.out.put(' ');
      stack.pop();
    }
  }

  /** Drops qualifiers (and type tags) that C cannot express where they are. */
  private dropQualifiers(base: number): void {
    const stack = this.stack;
    for (;;) {
      if (stack.length === base) return;
      const top = stack[stack.length - 1]!;
      const kind = this.table.kinds[top]!;
      if (QUALIFIER[kind] === undefined && kind !== BTF_KIND.TYPE_TAG) return;
      stack.pop();
    }
  }

  private name(nameOff: number, count: number, lastWasPtr: boolean): void {
    if (this.table.strings.emptyAt(nameOff)) return;
    if (!lastWasPtr) this.out.put(' ');
    this.out.putName(this.table.strings, nameOff);
    if (count > 1) {
      this.out.put('___');
      this.out.put(String(count));
    }
  }

  /**
   * Pops and writes a declarator's chain (the stack above `base`, which ends with the
   * base type). A lone pointer before a function prototype starts a chain of its own, so
   * `lastWasPtr` starts true: `(*name)`, not `( *name)`.
   */
  private chain(base: number, nameOff: number, count: number, level: number): void {
    const table = this.table;
    const stack = this.stack;
    let lastWasPtr = true;
    while (stack.length > base) {
      const id = stack.pop()!;
      if (id === 0) {
        this.leadingQualifiers(base);
        this.out.put('void');
        lastWasPtr = false;
        continue;
      }
      const kind = table.kinds[id]!;
      switch (kind) {
        case BTF_KIND.INT:
        case BTF_KIND.FLOAT:
          this.leadingQualifiers(base);
          this.out.putName(table.strings, table.names[id]!);
          break;
        case BTF_KIND.STRUCT:
        case BTF_KIND.UNION:
          this.leadingQualifiers(base);
          // Anonymous ones are defined where they are used.
          if (table.names[id]! === 0) this.structDef(id, level);
          else this.structRef(id);
          break;
        case BTF_KIND.ENUM:
        case BTF_KIND.ENUM64:
          this.leadingQualifiers(base);
          if (table.names[id]! === 0) this.enumDef(id, level);
          else this.enumRef(id);
          break;
        case BTF_KIND.FWD:
          this.leadingQualifiers(base);
          this.fwdDef(id);
          break;
        case BTF_KIND.TYPEDEF:
          this.leadingQualifiers(base);
          this.names.putIdentName(this.out, id);
          break;
        case BTF_KIND.PTR:
          this.out.put(lastWasPtr ? '*' : ' *');
          break;
        case BTF_KIND.VOLATILE:
        case BTF_KIND.CONST:
        case BTF_KIND.RESTRICT:
          this.out.put(' ');
          this.out.put(QUALIFIER[kind]!);
          break;
        case BTF_KIND.TYPE_TAG:
          this.leadingQualifiers(base);
          this.out.put(' __attribute__((btf_type_tag("');
          this.out.putName(table.strings, table.names[id]!);
          this.out.put('")))');
          break;
        case BTF_KIND.ARRAY: {
          // GCC adds qualifiers to arrays of qualified elements; C has no place for them.
          this.dropQualifiers(base);
          const nelems = table.extra(id, 2);
          if (stack.length === base) {
            this.name(nameOff, count, lastWasPtr);
            this.dimension(nelems);
            return;
          }
          const multidim = table.kinds[stack[stack.length - 1]!]! === BTF_KIND.ARRAY;
          if (!table.strings.emptyAt(nameOff) && !lastWasPtr) this.out.put(' ');
          if (!multidim) this.out.put('(');
          this.chain(base, nameOff, count, level);
          if (!multidim) this.out.put(')');
          this.dimension(nelems);
          return;
        }
        case BTF_KIND.FUNC_PROTO: {
          // GCC marks noreturn function pointers volatile; dropped likewise.
          this.dropQualifiers(base);
          if (stack.length > base) {
            this.out.put(' (');
            this.chain(base, nameOff, count, level);
            this.out.put(')');
          } else {
            this.name(nameOff, count, lastWasPtr);
          }
          this.params(id, level);
          return;
        }
        default:
          this.warn(`unexpected type in decl chain, kind:${BTF_KIND_NAMES[kind]}, id:[${id}]`);
          return;
      }
      lastWasPtr = kind === BTF_KIND.PTR;
    }
    this.name(nameOff, count, lastWasPtr);
  }

  private dimension(nelems: number): void {
    this.out.put('[');
    this.out.put(String(nelems));
    this.out.put(']');
  }

  /** A prototype's parameter list. */
  private params(id: number, level: number): void {
    const table = this.table;
    const w = this.w;
    const vlen = table.vlen(id);
    const first = table.entry(id, 0, 2);
    // No parameters, or clang's single void one: `(void)`.
    if (vlen === 0 || (vlen === 1 && w[first + 1] === 0)) {
      this.out.put('(void)');
      return;
    }
    this.out.put('(');
    for (let k = 0, e = first; k < vlen; k++, e += 2) {
      if (k > 0) this.out.put(', ');
      const type = w[e + 1]!;
      if (k === vlen - 1 && type === 0) {
        this.out.put('...');
        break;
      }
      this.decl(type, w[e]!, level);
    }
    this.out.put(')');
  }
}

/** Kinds a declarator chain goes through, to the type they refer to. */
const CHAINED = new Uint8Array(32);
CHAINED[BTF_KIND.PTR] = CHAINED[BTF_KIND.VOLATILE] = CHAINED[BTF_KIND.CONST] = CHAINED[BTF_KIND.RESTRICT] = 1;
CHAINED[BTF_KIND.TYPE_TAG] = CHAINED[BTF_KIND.ARRAY] = CHAINED[BTF_KIND.FUNC_PROTO] = 1;

/** Kinds a declarator chain ends at. */
const NAMED_BASE = new Uint8Array(32);
for (const k of [BTF_KIND.INT, BTF_KIND.ENUM, BTF_KIND.ENUM64, BTF_KIND.FWD, BTF_KIND.STRUCT, BTF_KIND.UNION, BTF_KIND.TYPEDEF, BTF_KIND.FLOAT]) NAMED_BASE[k] = 1;

/** C's qualifiers by kind number. */
const QUALIFIER: (string | undefined)[] = [];
QUALIFIER[BTF_KIND.VOLATILE] = 'volatile';
QUALIFIER[BTF_KIND.CONST] = 'const';
QUALIFIER[BTF_KIND.RESTRICT] = 'restrict';
