import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readElf, SHT_REL } from '../../src/elf/index.js';
import { bpfscope } from '../helpers/cli.js';
import { OBJECTS } from '../helpers/env.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfscope-bad-'));
const original = readFileSync(join(OBJECTS, 'xdp.o'));

/** A copy of objects/xdp.o with one thing broken, written where the CLI can open it. */
function broken(name: string, patch: (b: Buffer) => void): string {
  const b = Buffer.from(original);
  patch(b);
  const path = join(dir, name);
  writeFileSync(path, b);
  return path;
}

/** File offset of instruction `pc` of program `prog` in section `xdp`. */
function insnOffset(prog: string, pc: number): number {
  const elf = readElf(original, 'xdp.o');
  const sec = elf.sections.find((s) => s.name === 'xdp')!;
  const sym = elf.symbols.find((s) => s.name === prog)!;
  return sec.offset + sym.value + pc * 8;
}

function firstRelocation(): number {
  const elf = readElf(original, 'xdp.o');
  return elf.sections.find((s) => s.type === SHT_REL && s.name === '.relxdp')!.offset;
}

/** One error line naming the place, exit 255 (bpftool's -1), no stack trace. */
function expectOneErrorLine(args: string[], message: RegExp): void {
  const r = bpfscope(args);
  expect(r.status).toBe(255);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
}

describe('bad objects give one error line naming the place', () => {
  it('a truncated file', () => {
    const path = join(dir, 'truncated.o');
    writeFileSync(path, original.subarray(0, 40));
    expectOneErrorLine(['--object', path, 'prog', 'show'], /^Error: .*truncated\.o: truncated ELF header \(40 bytes\)$/);
  });

  it('a file that is not ELF', () => {
    const path = join(dir, 'text.o');
    writeFileSync(path, 'this is not an object file\n');
    expectOneErrorLine(['--object', path, 'prog', 'show'], /^Error: .*text\.o: not an ELF file$/);
  });

  it('a missing file', () => {
    expectOneErrorLine(['--object', join(dir, 'nope.o'), 'prog', 'show'], /^Error: .*nope\.o: cannot read: ENOENT$/);
  });

  it('the wrong machine', () => {
    const path = broken('x86.o', (b) => b.writeUInt16LE(62, 18));
    expectOneErrorLine(['--object', path, 'prog', 'show'], /^Error: .*x86\.o: e_machine is 62, not EM_BPF \(247\)$/);
  });

  it('an unknown relocation type', () => {
    const path = broken('reloc-type.o', (b) => b.writeUInt32LE(99, firstRelocation() + 8));
    expectOneErrorLine(['--object', path, 'prog', 'show'], /^Error: .*reloc-type\.o: section xdp: insn \d+: unknown relocation type 99 against 'proto_count'$/);
  });

  it('a relocation against an undefined symbol', () => {
    const path = broken('reloc-sym.o', (b) => b.writeUInt32LE(0, firstRelocation() + 12));
    expectOneErrorLine(['--object', path, 'prog', 'show'], /^Error: .*reloc-sym\.o: section xdp: insn \d+: relocation against '#0', an undefined symbol that is no extern libbpf knows/);
  });

  it('a jump out of the program', () => {
    const path = broken('jump-out.o', (b) => b.writeInt16LE(1000, insnOffset('xdp_parse', 28) + 2));
    expectOneErrorLine(['--object', path, 'prog', 'show'], /^Error: .*jump-out\.o: section xdp: program xdp_parse: insn 28: jump out of range from insn 28 to 1029$/);
  });

  it('a jump into the middle of ld_imm64', () => {
    const path = broken('jump-mid.o', (b) => b.writeInt16LE(10, insnOffset('xdp_parse', 28) + 2));
    expectOneErrorLine(['--object', path, 'prog', 'show'], /^Error: .*jump-mid\.o: section xdp: program xdp_parse: insn 28: jump into the middle of ld_imm64 at insn 38$/);
  });

  it('an instruction the ISA does not have', () => {
    const path = broken('bad-opcode.o', (b) => b.writeUInt8(0xff, insnOffset('xdp_parse', 3)));
    expectOneErrorLine(['--object', path, 'prog', 'show'], /^Error: .*bad-opcode\.o: section xdp: program xdp_parse: insn 3: unknown opcode 0xff$/);
  });

  it('JSON mode reports the error as bpftool does', () => {
    const path = join(dir, 'text.o');
    writeFileSync(path, 'not an object');
    const r = bpfscope(['-j', '--object', path, 'prog', 'show']);
    expect(r.status).toBe(255);
    expect(JSON.parse(r.stdout)).toEqual({ error: `${path}: not an ELF file` });
  });
});
