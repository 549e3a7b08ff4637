import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readElf } from '../../../src/elf/index.js';
import { bpfscope } from '../../helpers/cli.js';
import { REPO } from '../../helpers/env.js';
import { coreReloCount } from './libbpf-relocs.js';

/**
 * Broken CO-RE input gives one error line naming file, section, program and
 * instruction, whether or not there is a target to resolve against; the target itself
 * can be broken too. The records are patched in a copy of the sample fields.o.
 */
const SAMPLES = join(REPO, 'test', 'object', 'core', 'objects');
const TARGET = join(SAMPLES, 'kernel.o');
const original = readFileSync(join(SAMPLES, 'fields.o'));
const dir = mkdtempSync(join(tmpdir(), 'bpfscope-core-bad-'));

/** File offset of field `word` (0 insn_off, 1 type_id, 2 access_str_off, 3 kind) of the first CO-RE record. */
function firstRecordWord(word: number): number {
  const elf = readElf(original, 'fields.o');
  const ext = elf.sections.find((s) => s.name === '.BTF.ext')!;
  const hdrLen = original.readUInt32LE(ext.offset + 4);
  const coreOff = original.readUInt32LE(ext.offset + 24);
  // The record size, then the first section's name offset and record count.
  return ext.offset + hdrLen + coreOff + 4 + 8 + word * 4;
}

function broken(name: string, word: number, value: number): string {
  const b = Buffer.from(original);
  b.writeUInt32LE(value, firstRecordWord(word));
  const path = join(dir, name);
  writeFileSync(path, b);
  return path;
}

function expectOneErrorLine(args: string[], message: RegExp): void {
  const r = bpfscope(args);
  expect(r.status).toBe(255);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

const where = 'section kprobe/do_nanosleep: program direct: insn 1: CO-RE relocation #0';

describe('bad CO-RE input gives one error line naming the place', () => {
  it.each([['with a target', ['--btf-target', TARGET]], ['without one', ['--btf-target', 'none']]])('%s', (_what, target) => {
    const record = original.readUInt32LE(firstRecordWord(0));
    expect(record).toBe(8);
    expectOneErrorLine([...target, '--object', broken('misaligned.o', 0, 11), 'prog', 'show'], new RegExp(`^Error: .*misaligned\\.o: ${where}: offset 11 is not at an instruction of the section$`));
    expectOneErrorLine([...target, '--object', broken('type.o', 1, 9999), 'prog', 'show'], new RegExp(`^Error: .*type\\.o: ${where}: local type id 9999 does not exist \\(the object's BTF has \\d+ types\\)$`));
    expectOneErrorLine([...target, '--object', broken('kind.o', 3, 77), 'prog', 'show'], new RegExp(`^Error: .*kind\\.o: ${where}: unknown kind 77$`));
    // Offset 1 of the string table is the name of type [1], not a list of indexes.
    expectOneErrorLine(
      [...target, '--object', broken('access.o', 2, 1), 'prog', 'show'],
      new RegExp(`^Error: .*access\\.o: ${where} \\(FIELD_BYTE_OFFSET of \\[5\\] STRUCT core_sample \\+ \\w+\\): bad CO-RE access string '\\w+' for \\[5\\] STRUCT core_sample: not a list of indexes such as 0:1:2$`),
    );
  });

  it('a target BTF that is not BTF', () => {
    expectOneErrorLine(
      ['--btf-target', join(SAMPLES, 'fields.c'), '--object', join(SAMPLES, 'fields.o'), 'prog', 'show'],
      /^Error: .*fields\.o: section kprobe\/do_nanosleep: program direct: insn 1: CO-RE relocation #0 \(FIELD_BYTE_OFFSET of \[5\] STRUCT core_sample \+ 0:1\): bad target BTF .*fields\.c: not an ELF file/,
    );
  });

  it('no target BTF: the programs as compiled, and one note', () => {
    const r = bpfscope(['--btf-target', 'none', '--object', join(SAMPLES, 'fields.o'), 'prog', 'show']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`note: ${join(SAMPLES, 'fields.o')}: ${coreReloCount(join(SAMPLES, 'fields.o'))} CO-RE relocations left unapplied: no target BTF (--btf-target FILE gives one)\n`);
    expect(r.stdout).toMatch(/name direct/);
  });
});
