import { BtfError } from '../errors.js';
import type { ByteOrder } from './types.js';

/** The magic number both .BTF and .BTF.ext start with. */
export const BTF_MAGIC = 0xeb9f;

/**
 * Fixed-width reads over a blob in one byte order. Callers check bounds before they
 * read a record, so the reads themselves stay cheap (parsing vmlinux makes millions).
 */
export class Reader {
  private readonly view: DataView;
  private readonly little: boolean;
  readonly length: number;

  constructor(bytes: Uint8Array, order: ByteOrder) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.little = order === 'little';
    this.length = bytes.byteLength;
  }

  u8(off: number): number {
    return this.view.getUint8(off);
  }

  u16(off: number): number {
    return this.view.getUint16(off, this.little);
  }

  u32(off: number): number {
    return this.view.getUint32(off, this.little);
  }

  i32(off: number): number {
    return this.view.getInt32(off, this.little);
  }
}

/**
 * Byte order from the leading magic: 0xeb9f read in the blob's own order. `what`
 * names the blob in the error ("BTF", "BTF.ext").
 */
export function detectByteOrder(bytes: Uint8Array, what: string): ByteOrder {
  if (bytes.byteLength < 2) throw new BtfError(`${what}: ${bytes.byteLength} bytes is too short for a header`);
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  if (b0 === 0x9f && b1 === 0xeb) return 'little';
  if (b0 === 0xeb && b1 === 0x9f) return 'big';
  throw new BtfError(`${what}: bad magic 0x${hex2(b0)}${hex2(b1)} (expected 0xeb9f in either byte order)`);
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/** Whether this machine stores numbers little-endian, as typed arrays read them. */
const HOST_LITTLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Bytes [start, end) as 32-bit words in the host's order, for the hot loops over type
 * records: a view on the blob where it is in host order and 4-byte aligned (as a
 * kernel's BTF read from a file is), else a converted copy. A trailing partial word
 * is left out; callers check lengths in bytes.
 */
export function hostWords(bytes: Uint8Array, start: number, end: number, order: ByteOrder): Uint32Array {
  const count = (end - start) >>> 2;
  const at = bytes.byteOffset + start;
  if ((order === 'little') === HOST_LITTLE && at % 4 === 0) return new Uint32Array(bytes.buffer, at, count);
  const words = new Uint32Array(count);
  const view = new DataView(bytes.buffer, at, count * 4);
  const little = order === 'little';
  for (let i = 0; i < count; i++) words[i] = view.getUint32(i * 4, little);
  return words;
}
