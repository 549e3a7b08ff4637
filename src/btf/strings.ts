import { isAscii } from 'node:buffer';
import { BtfError } from '../errors.js';
import { essentialHashOf, essentialName, FNV_OFFSET, FNV_PRIME } from './essential-name.js';

const utf8 = new TextDecoder('utf-8');

/**
 * A BTF string section: NUL-terminated strings addressed by byte offset. In split BTF
 * the offsets continue after the base's section, so a lookup below `start` goes to
 * the base table.
 */
export class StringTable {
  /** First offset this table owns (the base's total size for split BTF, else 0). */
  readonly start: number;
  /** One past the last offset this table owns. */
  readonly end: number;
  /**
   * The whole section as one string once it is known to be pure ASCII (null where it is
   * not), so that character and byte offsets agree and a lookup is an indexOf and a
   * slice: callers that look up hundreds of thousands of names (decoding every type)
   * pay for converting the megabytes of vmlinux's table once. Made only after
   * LOOKUPS_BEFORE_WHOLE lookups, since the dumps copy names as bytes and look up few.
   */
  private ascii: string | null | undefined;
  private lookups = 0;
  private readonly cache = new Map<number, string>();
  private longestLength: number | undefined;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly base: StringTable | undefined,
  ) {
    this.start = base ? base.end : 0;
    this.end = this.start + bytes.byteLength;
  }

  /** Whether `off` addresses a byte of this table or of its base. */
  has(off: number): boolean {
    return Number.isInteger(off) && off >= 0 && off < this.end;
  }

  /** The string at `off`; throws a BtfError naming `what` when out of range. */
  get(off: number, what: string): string {
    if (!this.has(off)) throw new BtfError(`${what} offset ${off} out of range (string table has ${this.end} bytes)`);
    return this.at(off);
  }

  /** The string at an offset already known to be in range. */
  at(off: number): string {
    if (off < this.start) return this.base!.at(off);
    const local = off - this.start;
    if (this.ascii === undefined && ++this.lookups > LOOKUPS_BEFORE_WHOLE) {
      const bytes = this.bytes;
      this.ascii = isAscii(bytes) ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1') : null;
    }
    if (typeof this.ascii === 'string') return this.ascii.slice(local, this.ascii.indexOf('\0', local));
    let s = this.cache.get(local);
    if (s === undefined) {
      s = utf8.decode(this.bytes.subarray(local, this.bytes.indexOf(0, local)));
      this.cache.set(local, s);
    }
    return s;
  }
  /** Bytes in the longest string here or in the base, without its NUL. */
  longest(): number {
    if (this.longestLength === undefined) {
      // One loop over the bytes: an indexOf per string costs a native call for each of
      // vmlinux's hundred thousand names, before anything is optimised.
      const bytes = this.bytes;
      let max = 0;
      let run = 0;
      for (let i = 0; i < bytes.length; i++) {
        if (bytes[i] !== 0) run++;
        else {
          if (run > max) max = run;
          run = 0;
        }
      }
      this.longestLength = Math.max(max, run, this.base ? this.base.longest() : 0);
    }
    return this.longestLength;
  }

  /** Whether the string at `off` (known to be in range) is `text`, an ASCII string. */
  is(off: number, text: string): boolean {
    if (off < this.start) return this.base!.is(off, text);
    const bytes = this.bytes;
    const at = off - this.start;
    for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
    return bytes[at + text.length] === 0;
  }

  /** The essential-name hash of the string at `off` (known to be in range): see essentialHashOf. */
  essentialHashAt(off: number): number {
    if (off < this.start) return this.base!.essentialHashAt(off);
    return essentialHashOf(this.bytes, off - this.start);
  }

  /** Whether the essential name of the string at `off` (known to be in range) is `text`. */
  essentialIs(off: number, text: string): boolean {
    return essentialName(this.at(off)) === text;
  }

  /** Whether the string at `off` (known to be in range) is empty. */
  emptyAt(off: number): boolean {
    if (off < this.start) return this.base!.emptyAt(off);
    return this.bytes[off - this.start] === 0;
  }

  /** FNV-1a over the bytes of the string at `off` (known to be in range). */
  hashAt(off: number): number {
    if (off < this.start) return this.base!.hashAt(off);
    const bytes = this.bytes;
    let h = FNV_OFFSET;
    for (let i = off - this.start, c = bytes[i]!; c !== 0; c = bytes[++i]!) h = Math.imul(h ^ c, FNV_PRIME);
    return h >>> 0;
  }

  /** Whether the strings at offsets `a` and `b` (both in range) are the same bytes. */
  sameAt(a: number, b: number): boolean {
    if (a === b) return true;
    if (a < this.start || b < this.start) return this.at(a) === this.at(b);
    const bytes = this.bytes;
    for (let i = a - this.start, j = b - this.start; ; i++, j++) {
      const c = bytes[i]!;
      if (c !== bytes[j]) return false;
      if (c === 0) return true;
    }
  }

  /**
   * Copies the bytes of the string at `off` (known to be in range) into `dest` at `at`,
   * as stored: no decoding, so that a dump prints names byte for byte as bpftool does,
   * whatever their encoding. Returns the position after them, or -1 where `dest` ends
   * first (the caller makes room and copies again).
   */
  copyTo(off: number, dest: Uint8Array, at: number): number {
    if (off < this.start) return this.base!.copyTo(off, dest, at);
    const bytes = this.bytes;
    const end = dest.length;
    for (let i = off - this.start; ; i++) {
      const c = bytes[i]!;
      if (c === 0) return at;
      if (at === end) return -1;
      dest[at++] = c;
    }
  }

  /**
   * This table with `text` in it, as libbpf's btf__add_str leaves it: the offset of an
   * own string that is exactly `text` if there is one, else `text` appended at the end.
   */
  withString(text: string): { table: StringTable; offset: number } {
    const needle = Buffer.from(`${text}\0`, 'utf8');
    const own = Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    for (let i = own.indexOf(needle); i >= 0; i = own.indexOf(needle, i + 1)) {
      if (i === 0 || own[i - 1] === 0) return { table: this, offset: this.start + i };
    }
    const bytes = new Uint8Array(own.length + needle.length);
    bytes.set(own);
    bytes.set(needle, own.length);
    return { table: new StringTable(bytes, this.base), offset: this.end };
  }
}

/** String lookups a table answers one by one before it converts the whole table (see `ascii`). */
const LOOKUPS_BEFORE_WHOLE = 256;

/**
 * Checks a string section the way libbpf does: a base table starts with the empty
 * string, and every table ends with a NUL so no string runs off the end. A split
 * table may be empty.
 */
export function checkStringSection(bytes: Uint8Array, split: boolean): void {
  if (bytes.length === 0) {
    if (split) return;
    throw new BtfError('string section is empty (needs at least the empty string)');
  }
  if (!split && bytes[0] !== 0) throw new BtfError('string section does not start with the empty string');
  if (bytes[bytes.length - 1] !== 0) throw new BtfError('string section does not end with a NUL byte');
}
