import type { StringTable } from './strings.js';
import type { TypeRecords } from './resolve-size.js';
import { BTF_KIND } from './types.js';

/**
 * Every type record of a Btf (its base's first, for split BTF) by id, read in place:
 * the fields the dumpers need, as numbers, without a BtfType object per type. Dumping
 * vmlinux visits its 127k types and their million members and parameters; objects for
 * them cost more to make and collect than the dump itself. Id 0 (void) reads as a
 * record of zeros (kind 0, no name, no entries) through the accessors; it has no
 * words of its own.
 *
 * Records are as parseBtf checked them: every reference is in range, every name offset
 * is in the string table. Callers check ids they take from outside with has().
 */
/** What a table is read from: a Btf, its base first (structurally, so that btf.ts alone imports the other). */
export interface TableSource {
  readonly records: { readonly words: Uint32Array; readonly offsets: Uint32Array };
  readonly base: TableSource | undefined;
  readonly startId: number;
  readonly typeCount: number;
  readonly strings: StringTable;
}

export class TypeTable implements TypeRecords {
  /**
   * Every record's words: the blob's own (a view on the file, for vmlinux) when there is
   * no base, else the base's and the blob's copied one after the other. Copying vmlinux's
   * 5 MB costs a command some 20 ms of page faults on fresh memory.
   */
  readonly words: Uint32Array;
  /** Word index of each id's record (0 for void, whose words are not to be read). */
  readonly at: Uint32Array;
  readonly count: number;
  readonly strings: StringTable;
  /**
   * Each id's kind, name offset and referred type (ref()'s answer), read out once: the
   * C dump asks for them millions of times, mostly from code V8 has not optimised yet,
   * where an element load costs far less than a call.
   */
  readonly kinds: Uint8Array;
  readonly names: Uint32Array;
  readonly refs: Uint32Array;

  constructor(btf: TableSource) {
    const blobs: TableSource[] = [];
    for (let b: TableSource | undefined = btf; b; b = b.base) blobs.unshift(b);
    if (blobs.length === 1) {
      this.words = btf.records.words;
    } else {
      let total = 0;
      for (const b of blobs) total += b.records.words.length;
      this.words = new Uint32Array(total);
    }
    this.at = new Uint32Array(btf.typeCount);
    this.count = btf.typeCount;
    this.strings = btf.strings;
    this.kinds = new Uint8Array(this.count);
    this.names = new Uint32Array(this.count);
    this.refs = new Uint32Array(this.count);
    let base = 0;
    const { at, kinds, names, refs } = this;
    const all = this.words;
    for (const b of blobs) {
      const { words, offsets } = b.records;
      if (all !== words) all.set(words, base);
      // Locals only: this loop over every type runs before V8 has optimised anything.
      for (let i = 0, id = b.startId, n = offsets.length; i < n; i++, id++) {
        const w = base + offsets[i]!;
        const kind = (all[w + 1]! >>> 24) & 0x1f;
        at[id] = w;
        kinds[id] = kind;
        names[id] = all[w]!;
        refs[id] = all[w + (kind === BTF_KIND.ARRAY ? 3 : 2)]!;
      }
      base += words.length;
    }
  }

  recordWords(): Uint32Array {
    return this.words;
  }

  recordStart(id: number): number {
    return this.at[id]!;
  }

  has(id: number): boolean {
    return Number.isInteger(id) && id >= 0 && id < this.count;
  }

  /** The kind number (BTF_KIND). */
  kind(id: number): number {
    return this.kinds[id]!;
  }

  nameOff(id: number): number {
    return this.names[id]!;
  }

  /** The type's name ('' when anonymous). */
  name(id: number): string {
    return this.strings.at(this.names[id]!);
  }

  vlen(id: number): number {
    return id === 0 ? 0 : this.words[this.at[id]! + 1]! & 0xffff;
  }

  kindFlag(id: number): boolean {
    return id !== 0 && this.words[this.at[id]! + 1]! >>> 31 === 1;
  }

  /** The third word: the size of INT, STRUCT, UNION, ENUM, ENUM64, DATASEC and FLOAT. */
  size(id: number): number {
    return id === 0 ? 0 : this.words[this.at[id]! + 2]!;
  }

  /**
   * The type referred to: the third word of PTR, TYPEDEF, the qualifiers, TYPE_TAG,
   * FUNC, VAR and DECL_TAG, and FUNC_PROTO's return type; ARRAY's element type.
   */
  ref(id: number): number {
    return this.refs[id]!;
  }

  /** The word at `k` after the common header: INT's encoding word, ARRAY's fields. */
  extra(id: number, k: number): number {
    return this.words[this.at[id]! + 3 + k]!;
  }

  /**
   * Word index of entry `k` (a member, enumerator or parameter) of a type with vlen
   * entries `perEntry` words long. Entries start right after the common header.
   */
  entry(id: number, k: number, perEntry: number): number {
    return this.at[id]! + 3 + k * perEntry;
  }
}
