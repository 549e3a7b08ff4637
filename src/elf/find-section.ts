import { ElfError } from '../errors.js';
import { ElfHeaders, hasElfHeader } from './headers.js';
import { SHT_NOBITS } from './types.js';

/**
 * The contents of the first section with this name, in any ELF file: 32- or 64-bit,
 * either byte order, any machine (a BPF object, a kernel image, a module). Reads only
 * the header, the section table and the section-name table, as libbpf does when
 * bpftool looks for a `.BTF` section; `undefined` when no section has the name.
 * Throws ElfError when what it reads is malformed.
 */
export function findElfSection(bytes: Uint8Array, name: string, file = '<memory>'): Uint8Array | undefined {
  const fail = (reason: string): never => {
    throw new ElfError(reason, { file });
  };
  if (!hasElfHeader(bytes)) fail('not an ELF file, or its header is truncated or of an unknown class or byte order');
  const elf = new ElfHeaders(bytes, file);
  if (elf.shoff === 0) return undefined;
  if (elf.shentsize !== elf.shdrSize) fail(`bad section header size ${elf.shentsize}`);
  const shnum = elf.sectionCount();
  const shstrndx = elf.nameTableIndex();
  if (shstrndx >= shnum) fail(`section name table index ${shstrndx} is past the ${shnum} sections`);

  const contents = (index: number): Uint8Array => {
    const s = elf.section(index);
    if (s.type === SHT_NOBITS) return new Uint8Array(0);
    if (s.offset > bytes.length || s.size > bytes.length - s.offset) {
      fail(`section ${index} data (offset ${s.offset}, size ${s.size}) runs past the end of the file (${bytes.length} bytes)`);
    }
    return bytes.subarray(s.offset, s.offset + s.size);
  };

  const names = contents(shstrndx);
  const wanted = new TextEncoder().encode(name);
  for (let i = 1; i < shnum; i++) {
    const off = elf.section(i).name;
    if (off >= names.length) fail(`section ${i} name offset ${off} is past the section name table`);
    if (sameCString(names, off, wanted)) return contents(i);
  }
  return undefined;
}

function sameCString(table: Uint8Array, off: number, wanted: Uint8Array): boolean {
  if (off + wanted.length >= table.length) return false;
  for (let i = 0; i < wanted.length; i++) if (table[off + i] !== wanted[i]) return false;
  return table[off + wanted.length] === 0;
}
