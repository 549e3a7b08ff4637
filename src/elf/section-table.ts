import { createRequire } from 'node:module';
import { ElfError } from '../errors.js';
import { EM_BPF, SHT_NOBITS, type ElfSection } from './types.js';

interface ElfyHeader {
  class: string;
  endian: string;
  machine: string | number | undefined;
  shoff: number;
  shnum: number;
  shentsize: number;
  body: { sections: ElfySection[] };
}

interface ElfySection {
  name: string;
  flags: Record<string, boolean>;
  off: number;
  size: number;
  link: number;
  info: number;
}

const require = createRequire(import.meta.url);
const elfy = require('elfy') as { parse(buf: Buffer): ElfyHeader };

const ELF64_HEADER_SIZE = 64;
const ELF64_SHDR_SIZE = 64;

export interface SectionTable {
  littleEndian: boolean;
  machine: number;
  sections: ElfSection[];
}

/**
 * Header and section table. elfy reads the header and most section fields; it reads
 * ELF64 sh_addralign and sh_entsize from the wrong offsets and turns sh_type and the
 * machine into names, so those few fields are read here from the raw header bytes.
 */
export function readSectionTable(bytes: Uint8Array, file: string): SectionTable {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 4 || buf.readUInt32BE(0) !== 0x7f454c46) throw new ElfError('not an ELF file', { file });
  if (buf.length < ELF64_HEADER_SIZE) throw new ElfError(`truncated ELF header (${buf.length} bytes)`, { file });
  if (buf[4] !== 2) throw new ElfError('not a 64-bit ELF file (BPF objects are ELF64)', { file });
  if (buf[5] !== 1 && buf[5] !== 2) throw new ElfError(`bad ELF data encoding ${buf[5]}`, { file });
  const littleEndian = buf[5] === 1;
  const u16 = (o: number): number => (littleEndian ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (littleEndian ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u64 = (o: number): number => {
    const lo = u32(littleEndian ? o : o + 4);
    const hi = u32(littleEndian ? o + 4 : o);
    return hi * 0x1_0000_0000 + lo;
  };

  const machine = u16(18);
  if (machine !== EM_BPF) throw new ElfError(`e_machine is ${machine}, not EM_BPF (${EM_BPF})`, { file });
  const shoff = u64(40);
  const shentsize = u16(58);
  const shnum = u16(60);
  if (shnum > 0 && shentsize !== ELF64_SHDR_SIZE) throw new ElfError(`bad section header size ${shentsize}`, { file });
  if (shoff + shnum * ELF64_SHDR_SIZE > buf.length) {
    throw new ElfError(`section header table (offset ${shoff}, ${shnum} entries) runs past the end of the file (${buf.length} bytes)`, { file });
  }

  let parsed: ElfyHeader;
  try {
    parsed = elfy.parse(buf);
  } catch (e) {
    throw new ElfError(`malformed ELF: ${(e as Error).message}`, { file });
  }

  const sections = parsed.body.sections.map((s, index): ElfSection => {
    const hdr = shoff + index * ELF64_SHDR_SIZE;
    const type = u32(hdr + 4);
    const name = s.name;
    if (type !== SHT_NOBITS && (s.off > buf.length || s.size > buf.length - s.off)) {
      throw new ElfError(`section data (offset ${s.off}, size ${s.size}) runs past the end of the file`, { file, section: name || `#${index}` });
    }
    return {
      index,
      name,
      type,
      flags: u64(hdr + 8),
      offset: s.off,
      size: s.size,
      link: s.link,
      info: s.info,
      addralign: u64(hdr + 48),
      entsize: u64(hdr + 56),
      data: type === SHT_NOBITS ? new Uint8Array(0) : bytes.subarray(s.off, s.off + s.size),
    };
  });
  return { littleEndian, machine, sections };
}
