import { BtfError } from '../errors.js';
import { BTF_MAGIC, Reader } from './reader.js';
import type { BtfHeader } from './types.js';

/** Size of the header every version-1 BTF blob starts with. */
const BTF_HEADER_SIZE = 24;

/** A checked header, and where its two sections lie in the blob (absolute offsets). */
export interface BtfLayout {
  header: BtfHeader;
  typeStart: number;
  typeEnd: number;
  strStart: number;
  strEnd: number;
}

/**
 * Reads the header and checks what libbpf checks before trusting it: version 1, a
 * header no shorter than version 1's, both sections inside the blob, the type
 * section 4-byte aligned and ending before the string section begins.
 */
export function readHeader(r: Reader): BtfLayout {
  if (r.length < BTF_HEADER_SIZE) throw new BtfError(`BTF header: blob has ${r.length} bytes, header needs ${BTF_HEADER_SIZE}`);
  const header: BtfHeader = {
    magic: r.u16(0),
    version: r.u8(2),
    flags: r.u8(3),
    hdrLen: r.u32(4),
    typeOff: r.u32(8),
    typeLen: r.u32(12),
    strOff: r.u32(16),
    strLen: r.u32(20),
  };
  if (header.magic !== BTF_MAGIC) throw new BtfError(`BTF header: bad magic 0x${header.magic.toString(16)}`);
  if (header.version !== 1) throw new BtfError(`BTF header: version ${header.version} is not supported (only 1)`);
  if (header.hdrLen < BTF_HEADER_SIZE) throw new BtfError(`BTF header: hdr_len ${header.hdrLen} is shorter than the ${BTF_HEADER_SIZE}-byte version 1 header`);
  if (header.hdrLen > r.length) throw new BtfError(`BTF header: hdr_len ${header.hdrLen} is past the end of the ${r.length}-byte blob`);
  const data = r.length - header.hdrLen;
  if (header.typeOff % 4 !== 0) throw new BtfError(`BTF header: type section offset ${header.typeOff} is not 4-byte aligned`);
  // Sums in doubles: u32 + u32 cannot wrap the way it would in C.
  if (header.typeOff + header.typeLen > data) {
    throw new BtfError(`BTF header: type section (offset ${header.typeOff}, ${header.typeLen} bytes) runs past the ${data} bytes after the header`);
  }
  if (header.strOff + header.strLen > data) {
    throw new BtfError(`BTF header: string section (offset ${header.strOff}, ${header.strLen} bytes) runs past the ${data} bytes after the header`);
  }
  if (header.typeOff + header.typeLen > header.strOff) {
    throw new BtfError(`BTF header: type section (offset ${header.typeOff}, ${header.typeLen} bytes) overlaps or follows the string section at ${header.strOff}`);
  }
  const base = header.hdrLen;
  return {
    header,
    typeStart: base + header.typeOff,
    typeEnd: base + header.typeOff + header.typeLen,
    strStart: base + header.strOff,
    strEnd: base + header.strOff + header.strLen,
  };
}
