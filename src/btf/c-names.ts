import type { ByteSink } from './byte-sink.js';
import type { StringTable } from './strings.js';
import type { TypeTable } from './type-table.js';
import { BTF_KIND } from './types.js';

/**
 * C names for BTF types as libbpf's dumper assigns them. C has one namespace for
 * struct/union/enum tags and another for typedefs and enumerators; BTF (vmlinux in
 * particular) can hold several types with the same name, so the second and later
 * ones become `name___2`, `name___3`... A type's name is fixed the first time it is
 * printed, so the numbering follows printing order.
 */
export class CNames {
  /** struct, union, enum (and, oddly but faithfully, int) names. */
  private readonly tags: NameCounts;
  /** typedef names and enumerators. */
  private readonly idents: NameCounts;
  /**
   * The count each type's name got when first printed, by id (0: not yet): a count
   * over 1 is its `___N` suffix. Names are written as their bytes in the string table
   * and the suffix after them, so that naming vmlinux's types makes no strings.
   */
  private readonly counts: Int32Array;

  constructor(private readonly table: TypeTable) {
    this.counts = new Int32Array(table.count);
    // Sized by what can be counted: fresh memory costs page faults as it is touched,
    // and tables sized by the type count would be eight times vmlinux's need.
    let tags = 0;
    let idents = 0;
    const kinds = table.kinds;
    for (let id = 1; id < table.count; id++) {
      const kind = kinds[id]!;
      if (TAGGED[kind]) tags++;
      else if (kind === BTF_KIND.TYPEDEF) idents++;
      if (kind === BTF_KIND.ENUM || kind === BTF_KIND.ENUM64) idents += table.vlen(id);
    }
    this.tags = new NameCounts(table.strings, tags);
    this.idents = new NameCounts(table.strings, idents);
  }

  /** Writes the name of a struct, union, enum, forward declaration or int (nothing when anonymous). */
  putTagName(out: ByteSink, id: number): void {
    this.put(out, this.table.names[id]!, this.resolve(id, this.tags));
  }

  /** Writes the name of a typedef. */
  putIdentName(out: ByteSink, id: number): void {
    this.put(out, this.table.names[id]!, this.resolve(id, this.idents));
  }

  /** The name of a struct, union, enum, forward declaration or int as text, for the few checks that compare it. */
  tagName(id: number): string {
    const n = this.resolve(id, this.tags);
    const name = this.table.name(id);
    return n > 1 ? `${name}___${n}` : name;
  }

  /** The count of a typedef's name: the `___N` suffix its declarator writes after the name when over 1. */
  identCount(id: number): number {
    return this.resolve(id, this.idents);
  }

  /** Writes the enumerator named at `nameOff`, counted anew at each printing, as libbpf counts it. */
  putEnumerator(out: ByteSink, nameOff: number): void {
    this.put(out, nameOff, this.idents.add(nameOff));
  }

  private put(out: ByteSink, nameOff: number, count: number): void {
    if (count === 0) return;
    out.putName(this.table.strings, nameOff);
    if (count > 1) {
      out.put('___');
      out.put(String(count));
    }
  }

  /** The count the type's name got when first printed; 0 when anonymous. */
  private resolve(id: number, names: NameCounts): number {
    let n = this.counts[id]!;
    if (n === 0) {
      const table = this.table;
      const nameOff = table.names[id]!;
      if (nameOff === 0) return 0;
      const kind = table.kinds[id]!;
      // Forward declarations and empty enums may repeat freely: they define nothing.
      const free = kind === BTF_KIND.FWD || (kind === BTF_KIND.ENUM && table.vlen(id) === 0);
      n = free ? 1 : names.add(nameOff);
      this.counts[id] = n;
    }
    return n;
  }
}

/** Kinds whose names are tags (see `tags`). */
const TAGGED = new Uint8Array(32);
TAGGED[BTF_KIND.STRUCT] = TAGGED[BTF_KIND.UNION] = TAGGED[BTF_KIND.ENUM] = TAGGED[BTF_KIND.ENUM64] = TAGGED[BTF_KIND.FWD] = TAGGED[BTF_KIND.INT] = 1;

/**
 * How many times each name has been counted, keyed by the name's bytes in the string
 * table: an open-addressing table over name offsets, so that counting the 100k-odd
 * names of vmlinux's types and enumerators makes no strings.
 */
class NameCounts {
  /** Name offset + 1 per slot (0: empty), and its count. */
  private keys: Int32Array;
  private counts: Int32Array;
  private size = 0;

  /** `expected`: about how many names will be counted (the table grows past that). */
  constructor(
    private readonly strings: StringTable,
    expected: number,
  ) {
    const slots = 1 << Math.max(8, Math.ceil(Math.log2(2 * expected)));
    this.keys = new Int32Array(slots);
    this.counts = new Int32Array(slots);
  }

  /** Counts the name at `nameOff` once more; returns its count. */
  add(nameOff: number): number {
    if (2 * (this.size + 1) > this.keys.length) this.grow();
    const slot = this.slot(nameOff);
    if (this.keys[slot] === 0) {
      this.keys[slot] = nameOff + 1;
      this.size++;
    }
    return ++this.counts[slot]!;
  }

  private slot(nameOff: number): number {
    const mask = this.keys.length - 1;
    for (let i = this.strings.hashAt(nameOff) & mask; ; i = (i + 1) & mask) {
      const key = this.keys[i]!;
      if (key === 0 || this.strings.sameAt(key - 1, nameOff)) return i;
    }
  }

  private grow(): void {
    const keys = this.keys;
    const counts = this.counts;
    this.keys = new Int32Array(keys.length * 2);
    this.counts = new Int32Array(keys.length * 2);
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === 0) continue;
      const slot = this.slot(keys[i]! - 1);
      this.keys[slot] = keys[i]!;
      this.counts[slot] = counts[i]!;
    }
  }
}
