import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readElf, EM_BPF, SHT_REL, STT_FUNC } from '../../src/elf/index.js';
import { ElfError } from '../../src/errors.js';
import { OBJECTS } from '../helpers/env.js';

const xdpPath = join(OBJECTS, 'xdp.o');
const xdp = (): Buffer => readFileSync(xdpPath);

function shdrOffset(bytes: Buffer, index: number): number {
  return Number(bytes.readBigUInt64LE(40)) + index * 64;
}

describe('readElf', () => {
  it('reads the header, sections with their real alignment, symbols and relocations', () => {
    const elf = readElf(xdp(), 'xdp.o');
    expect(elf.machine).toBe(EM_BPF);
    expect(elf.littleEndian).toBe(true);
    const symtab = elf.sections.find((s) => s.name === '.symtab')!;
    // elfy (the reader this replaced) read these two from the wrong offsets.
    expect(symtab.entsize).toBe(24);
    expect(symtab.addralign).toBe(8);
    expect(elf.sections.find((s) => s.type === SHT_REL)?.entsize).toBe(16);
    expect(elf.symbols.some((s) => s.type === STT_FUNC && s.name === 'xdp_pass')).toBe(true);
    expect([...elf.relocations.values()].flat().length).toBeGreaterThan(0);
  });

  it('reads a big-endian build', () => {
    const elf = readElf(readFileSync(join(OBJECTS, 'xdp.bpfeb.o')), 'xdp.bpfeb.o');
    expect(elf.littleEndian).toBe(false);
    expect(elf.symbols.some((s) => s.name === 'xdp_pass')).toBe(true);
  });

  it('names the file for a truncated header', () => {
    expect(() => readElf(xdp().subarray(0, 30), 'x.o')).toThrow(new ElfError('truncated ELF header (30 bytes)', { file: 'x.o' }));
  });

  it('refuses bytes that are not ELF', () => {
    expect(() => readElf(Buffer.from('hello world, not an object'), 'x.o')).toThrow('x.o: not an ELF file');
  });

  it('refuses another machine', () => {
    const b = xdp();
    b.writeUInt16LE(62, 18);
    expect(() => readElf(b, 'x.o')).toThrow('x.o: e_machine is 62, not EM_BPF (247)');
  });

  it('refuses a section table past the end of the file', () => {
    const b = xdp();
    expect(() => readElf(b.subarray(0, b.length - 100), 'x.o')).toThrow(/x\.o: section header table .* runs past the end of the file/);
  });

  it('names the section whose data is out of range', () => {
    const b = xdp();
    const elf = readElf(b, 'x.o');
    const text = elf.sections.find((s) => s.name === 'xdp')!;
    b.writeBigUInt64LE(BigInt(b.length + 4096), shdrOffset(b, text.index) + 24);
    expect(() => readElf(b, 'x.o')).toThrow(/^x\.o: section xdp: section data \(offset \d+, size \d+\) runs past the end of the file$/);
  });

  it('names the relocation whose symbol does not exist', () => {
    const b = xdp();
    const elf = readElf(b, 'x.o');
    const rel = elf.sections.find((s) => s.type === SHT_REL && s.name === '.relxdp')!;
    b.writeUInt32LE(9999, rel.offset + 12);
    expect(() => readElf(b, 'x.o')).toThrow(/^x\.o: section \.relxdp: relocation 0: symbol index 9999 is past the symbol table \(\d+ symbols\)$/);
  });
});
