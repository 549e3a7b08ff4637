import { essentialName, hashBytes } from './essential-name.js';
import type { StringTable } from './strings.js';

const utf8 = new TextEncoder();

/**
 * The named types of one BTF blob (its own records, not a base's) by the hash of their
 * essential name, as typed-array chains: vmlinux has over a hundred thousand names, and
 * making a JS string of each (what a Map of names needs) costs a command tens of
 * milliseconds before its first lookup. A lookup hashes the name, walks its chain in id
 * order and compares bytes.
 */
export class NameIndex {
  private readonly heads: Int32Array;
  private readonly next: Int32Array;
  private readonly hashes: Uint32Array;
  private readonly nameOffs: Uint32Array;

  constructor(
    words: Uint32Array,
    offsets: Uint32Array,
    private readonly strings: StringTable,
    private readonly startId: number,
  ) {
    const count = offsets.length;
    let size = 16;
    while (size < count * 2) size *= 2;
    this.heads = new Int32Array(size).fill(-1);
    this.next = new Int32Array(count).fill(-1);
    this.hashes = new Uint32Array(count);
    this.nameOffs = new Uint32Array(count);
    const mask = size - 1;
    // Backwards, each at its chain's head: the chains come out in id order.
    for (let i = count - 1; i >= 0; i--) {
      const off = words[offsets[i]!]!;
      if (off === 0 || !strings.has(off) || strings.emptyAt(off)) continue;
      const h = strings.essentialHashAt(off);
      this.hashes[i] = h;
      this.nameOffs[i] = off;
      const slot = h & mask;
      this.next[i] = this.heads[slot]!;
      this.heads[slot] = i;
    }
  }

  /** Ids of the types named exactly `name`, in id order. */
  named(name: string): number[] {
    if (name === '') return [];
    return this.collect(essentialName(name), (off) => this.strings.at(off) === name);
  }

  /** Ids of the types whose essential name is `essential` (itself flavorless), in id order. */
  withEssentialName(essential: string): number[] {
    if (essential === '') return [];
    return this.collect(essential, (off) => this.strings.essentialIs(off, essential));
  }

  private collect(essential: string, matches: (off: number) => boolean): number[] {
    const h = hashBytes(utf8.encode(essential));
    const out: number[] = [];
    for (let i = this.heads[h & (this.heads.length - 1)]!; i !== -1; i = this.next[i]!) {
      if (this.hashes[i] === h && matches(this.nameOffs[i]!)) out.push(this.startId + i);
    }
    return out;
  }
}
