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
