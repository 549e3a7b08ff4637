import { E2BIG } from '../errno.js';
import { BtfError } from '../errors.js';
import { decodeAt } from './decode.js';
import { MAX_NESTING } from './limits.js';
import { NameIndex } from './name-index.js';
import { MAX_RESOLVE_DEPTH, resolveSize, sizeWalkEnd, type TypeRecords } from './resolve-size.js';
import { TypeTable } from './type-table.js';
import type { StringTable } from './strings.js';
import type { BtfHeader, BtfKindName, BtfMember, BtfOfKind, BtfType, BtfVoid, ByteOrder } from './types.js';

const VOID: BtfVoid = Object.freeze({ id: 0, kind: 'VOID', name: '', nameOff: 0 });

/**
 * A blob's type records, already checked (parseBtf's scan): where each starts. A Btf
 * decodes a record into a BtfType when the type is first asked for; the dumpers read
 * the records themselves (see table()).
 */
export interface BtfRecords {
  /** The type section as 32-bit words in the host's order (every record field is one). */
  words: Uint32Array;
  /** Word index of each of this blob's own records, in id order. */
  offsets: Uint32Array;
}

/** What a Btf is made of: parseBtf reads it from bytes, fixups patch another Btf's records. */
export interface BtfParts {
  byteOrder: ByteOrder;
  header: BtfHeader;
  strings: StringTable;
  records: BtfRecords;
  base: Btf | undefined;
}

/** A member found by name, with its offset from the start of the outermost type. */
export interface MemberLocation {
  member: BtfMember;
  /** Offset in bits from the start of the type searched. */
  bitOffset: number;
}

/**
 * Parsed BTF: types by id (split BTF sees its base's ids below `startId`), names,
 * lookups, and the size and qualifier arithmetic that CO-RE and map specs need.
 * Immutable; fixups return a new Btf.
 */
export class Btf implements TypeRecords {
  readonly byteOrder: ByteOrder;
  readonly header: BtfHeader;
  readonly strings: StringTable;
  readonly base: Btf | undefined;
  /** First id this blob defines: 1, or the base's typeCount for split BTF. */
  readonly startId: number;
  /** One more than the highest id, counting void and the base (libbpf's btf__type_cnt). */
  readonly typeCount: number;
  /**
   * Own types decoded so far, by id - startId; made at the first decode, since the
   * dumpers decode none (vmlinux's would be a megabyte of fresh memory).
   */
  private ownTypes: (BtfType | undefined)[] | undefined;
  private readonly ownCount: number;
  /** This blob's own type records, which the types are decoded from. */
  readonly records: BtfRecords;
  private allDecoded = false;
  private nameIndex: NameIndex | undefined;
  private typeTable: TypeTable | undefined;

  constructor(parts: BtfParts) {
    this.byteOrder = parts.byteOrder;
    this.header = parts.header;
    this.strings = parts.strings;
    this.base = parts.base;
    this.records = parts.records;
    this.ownCount = parts.records.offsets.length;
    this.startId = parts.base ? parts.base.typeCount : 1;
    this.typeCount = this.startId + this.ownCount;
  }

  /** This blob's own types in id order (without void or the base's). */
  get types(): readonly BtfType[] {
    if (!this.allDecoded) {
      const own = this.own();
      for (let i = 0; i < this.ownCount; i++) if (own[i] === undefined) this.decode(i);
      this.allDecoded = true;
    }
    return this.own() as readonly BtfType[];
  }

  /** The type with this id; 0 is void. */
  type(id: number): BtfType {
    // A fractional, negative or too large id indexes nothing and falls through.
    const local = id - this.startId;
    const t = this.ownTypes?.[local];
    if (t !== undefined) return t;
    if (local >= 0 && local < this.ownCount && Number.isInteger(local)) return this.decode(local);
    if (id === 0) return VOID;
    if (this.base && Number.isInteger(id) && id > 0 && id < this.startId) return this.base.type(id);
    throw new BtfError(`type id ${id} out of range (${this.typeCount} types)`);
  }

  /** The type with this id, which must be of the given kind. */
  typeOf<K extends BtfKindName>(id: number, kind: K): BtfOfKind<K> {
    const t = this.type(id);
    if (t.kind !== kind) throw new BtfError(`type [${id}] is ${t.kind}, expected ${kind}`);
    return t as BtfOfKind<K>;
  }

  private own(): (BtfType | undefined)[] {
    this.ownTypes ??= new Array<BtfType | undefined>(this.ownCount);
    return this.ownTypes;
  }

  private decode(local: number): BtfType {
    const t = decodeAt(this.records.words, this.records.offsets[local]!, this.startId + local, this.strings);
    this.own()[local] = t;
    return t;
  }

  /** Every type's record, the base's included, by id: what the dumpers walk. */
  table(): TypeTable {
    this.typeTable ??= new TypeTable(this);
    return this.typeTable;
  }

  /** Whether `id` names a type here (void included). */
  has(id: number): boolean {
    return Number.isInteger(id) && id >= 0 && id < this.typeCount;
  }

  /** The type's name, '' when anonymous. */
  name(id: number): string {
    return this.type(id).name;
  }

  /** The string at a string-table offset (split BTF: offsets continue the base's). */
  str(off: number): string {
    return this.strings.get(off, 'string');
  }

  /** Every type with this name, in id order, base first; optionally of one kind. */
  find<K extends BtfKindName>(name: string, kind?: K): BtfOfKind<K>[] {
    const ids = this.names().named(name);
    const found = ids.map((id) => this.type(id)).filter((t) => kind === undefined || t.kind === kind);
    return (this.base ? [...this.base.find(name, kind), ...found] : found) as BtfOfKind<K>[];
  }

  /** Ids of this blob's own types (not the base's) whose essential name (essentialName) is `essential`, in id order. */
  idsWithEssentialName(essential: string): number[] {
    return this.names().withEssentialName(essential);
  }

  /** The first type with this name and kind, if any. */
  findOne<K extends BtfKindName>(name: string, kind: K): BtfOfKind<K> | undefined {
    return this.find(name, kind)[0];
  }

  /** Every type of one kind, in id order, base first. */
  ofKind<K extends BtfKindName>(kind: K): BtfOfKind<K>[] {
    const mine = this.types.filter((t) => t.kind === kind) as BtfOfKind<K>[];
    return this.base ? [...this.base.ofKind(kind), ...mine] : mine;
  }

  /**
   * The id reached by skipping typedefs and qualifiers (const, volatile, restrict,
   * type tags). Throws on a reference loop rather than spinning.
   */
  resolve(id: number): number {
    let cur = id;
    for (let steps = 0; ; steps++) {
      const t = this.type(cur);
      if (t.kind !== 'TYPEDEF' && t.kind !== 'CONST' && t.kind !== 'VOLATILE' && t.kind !== 'RESTRICT' && t.kind !== 'TYPE_TAG') return cur;
      this.guard(id, steps);
      cur = t.type;
    }
  }

  /** The resolved type itself. */
  resolved(id: number): BtfType {
    return this.type(this.resolve(id));
  }

  /**
   * Size in bytes of a value of this type, as libbpf's btf__resolve_size computes it
   * (resolve-size.ts). Where libbpf fails (void, forward declarations, functions, a
   * chain too long, a size over 32 bits) this throws, with libbpf's errno.
   */
  size(id: number): number {
    if (!this.has(id)) this.type(id);
    const size = resolveSize(this, id);
    if (size >= 0) return size;
    throw new BtfError(`type [${id}]: ${this.noSizeReason(id, -size)}`, {}, -size);
  }

  private noSizeReason(id: number, errno: number): string {
    if (errno === E2BIG) return 'its size overflows 32 bits';
    const end = sizeWalkEnd(this, id);
    if (end === undefined) return `more than ${MAX_RESOLVE_DEPTH} typedefs, qualifiers and arrays before a sized type`;
    const t = this.type(end);
    return `${end === id ? '' : `refers to [${end}] `}${t.kind === 'VOID' ? 'void' : t.kind} which has no size`;
  }

  /** Where type `id`'s record is (TypeRecords, for resolveSize): this blob's words or a base's. */
  recordWords(id: number): Uint32Array {
    return this.blobOf(id).records.words;
  }

  recordStart(id: number): number {
    const blob = this.blobOf(id);
    return blob.records.offsets[id - blob.startId]!;
  }

  private blobOf(id: number): Btf {
    let blob: Btf = this;
    while (id < blob.startId && blob.base) blob = blob.base;
    return blob;
  }

  /**
   * Finds a member by name in a struct or union (through typedefs and qualifiers),
   * looking inside anonymous struct/union members as C does.
   */
  findMember(id: number, name: string): MemberLocation | undefined {
    return this.searchMember(id, name, 0, 0);
  }

  private searchMember(id: number, name: string, bitBase: number, depth: number): MemberLocation | undefined {
    if (depth > MAX_NESTING) throw new BtfError(`type [${id}]: reference loop (or anonymous members nested over ${MAX_NESTING} deep)`);
    const t = this.resolved(id);
    if (t.kind !== 'STRUCT' && t.kind !== 'UNION') return undefined;
    for (const m of t.members) {
      if (m.name === name) return { member: m, bitOffset: bitBase + m.bitOffset };
    }
    for (const m of t.members) {
      if (m.name !== '') continue;
      const inner = this.searchMember(m.type, name, bitBase + m.bitOffset, depth + 1);
      if (inner) return inner;
    }
    return undefined;
  }

  /**
   * A chain of references can be at most as long as the number of types without
   * repeating one; past that it is a loop.
   */
  private guard(start: number, steps: number): void {
    if (steps > this.typeCount) throw new BtfError(`type [${start}]: reference loop`);
  }

  private names(): NameIndex {
    this.nameIndex ??= new NameIndex(this.records.words, this.records.offsets, this.strings, this.startId);
    return this.nameIndex;
  }
}
