import { BtfError } from '../errors.js';
import { Btf } from './btf.js';
import { BTF_KIND } from './types.js';

/**
 * Changes to a blob's own type records, made on a copy, as libbpf makes them in place
 * before it loads an object's BTF: words of existing records rewritten, variables
 * appended. Record layout is the kernel's: word 0 the name offset, word 1 `info`
 * (kind, kind_flag, vlen), word 2 the size or type, then the kind's own words.
 */
export class BtfEdit {
  private readonly words: Uint32Array;
  private readonly added: number[] = [];
  private readonly addedOffsets: number[] = [];
  private strings;

  constructor(private readonly btf: Btf) {
    this.words = btf.records.words.slice();
    this.strings = btf.strings;
  }

  /** Sets word `index` of type `id`'s record (an own type of the blob). */
  set(id: number, index: number, value: number): void {
    this.words[this.recordAt(id) + index] = value >>> 0;
  }

  /** Word `index` of type `id`'s record, as edited so far. */
  get(id: number, index: number): number {
    return this.words[this.recordAt(id) + index]!;
  }

  /** The offset of `text` in the string table, added when it is not there (libbpf's btf__add_str). */
  string(text: string): number {
    const { table, offset } = this.strings.withString(text);
    this.strings = table;
    return offset;
  }

  /** Appends a VAR (libbpf's btf__add_var); returns its id. */
  addVar(name: string, type: number, linkage: number): number {
    const id = this.btf.typeCount + this.addedOffsets.length;
    this.addedOffsets.push(this.words.length + this.added.length);
    this.added.push(this.string(name), (BTF_KIND.VAR << 24) >>> 0, type, linkage);
    return id;
  }

  /** The edited BTF; a header that says where the (possibly longer) sections now end. */
  build(): Btf {
    const words = new Uint32Array(this.words.length + this.added.length);
    words.set(this.words);
    words.set(this.added, this.words.length);
    const offsets = new Uint32Array(this.btf.records.offsets.length + this.addedOffsets.length);
    offsets.set(this.btf.records.offsets);
    offsets.set(this.addedOffsets, this.btf.records.offsets.length);
    const typeLen = words.length * 4;
    const strLen = this.strings.end - this.strings.start;
    const header = { ...this.btf.header, typeOff: 0, typeLen, strOff: typeLen, strLen };
    return new Btf({ byteOrder: this.btf.byteOrder, header, strings: this.strings, records: { words, offsets }, base: this.btf.base });
  }

  private recordAt(id: number): number {
    const local = id - this.btf.startId;
    const at = this.btf.records.offsets[local];
    if (at === undefined || local < 0) throw new BtfError(`type id ${id} is not one of this blob's own types`);
    return at;
  }
}
