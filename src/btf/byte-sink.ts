import { BtfError } from '../errors.js';
import type { StringTable } from './strings.js';

const utf8 = new TextEncoder();

/**
 * Text collected as UTF-8 bytes in one growing buffer, up to a limit. The C dump is
 * a few million pieces of a few characters each; joined as strings they leave
 * millions of short-lived cons strings for the GC (a fifth of vmlinux's dump), copied
 * here as bytes they leave nothing. Almost all of it is ASCII, copied a character at a
 * time; the rest is encoded.
 */
export class ByteSink {
  private buf: Uint8Array;
  private pos = 0;

  /** `limit`, in bytes, what the error calls the output when it is passed, and a first guess at its size. */
  constructor(
    private readonly limit: number,
    private readonly what: string,
    expected = 1 << 16,
  ) {
    this.buf = new Uint8Array(Math.min(limit, Math.max(1 << 12, expected)));
  }

  put(s: string): void {
    const n = s.length;
    // Room for the worst case: three bytes per UTF-16 unit.
    if (this.pos + 3 * n > this.buf.length) this.grow(3 * n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        p += utf8.encodeInto(s.slice(i), buf.subarray(p)).written;
        break;
      }
      buf[p++] = c;
    }
    this.pos = p;
    if (p > this.limit) throw new BtfError(`${this.what} would exceed ${this.limit} bytes: sizes or offsets are corrupt`);
  }

  /** The string at `nameOff` in `strings`, its bytes as stored. */
  putName(strings: StringTable, nameOff: number): void {
    let end = strings.copyTo(nameOff, this.buf, this.pos);
    while (end < 0) {
      if (this.buf.length > this.limit) throw new BtfError(`${this.what} would exceed ${this.limit} bytes: sizes or offsets are corrupt`);
      this.grow(this.buf.length);
      end = strings.copyTo(nameOff, this.buf, this.pos);
    }
    this.pos = end;
    if (this.pos > this.limit) throw new BtfError(`${this.what} would exceed ${this.limit} bytes: sizes or offsets are corrupt`);
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private grow(more: number): void {
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.pos + more));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }
}
