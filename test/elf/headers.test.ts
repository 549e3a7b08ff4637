import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findElfSection } from '../../src/elf/find-section.js';
import { ElfHeaders } from '../../src/elf/headers.js';
import { readElf } from '../../src/elf/index.js';
import { hasClang, OBJECTS, skipReason } from '../helpers/env.js';

interface ReadobjSection {
  Index: number;
  Name: { Name: string; Value: number };
  Type: { Value: number };
  Flags: { Value: number };
  Offset: number;
  Size: number;
  Link: number;
  Info: number;
  AddressAlignment: number;
  EntrySize: number;
}

const READOBJ = ['llvm-readobj-19', 'llvm-readobj'].find((t) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status === 0);

/** Every section header as llvm-readobj reads it (its JSON output needs LLVM 15 or later). */
function readobj(path: string): ReadobjSection[] | undefined {
  const r = spawnSync(READOBJ!, ['--sections', '--elf-output-style=JSON', path], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return (JSON.parse(r.stdout) as { Sections: { Section: ReadobjSection }[] }[])[0]!.Sections.map((s) => s.Section);
}

function expected(sections: ReadobjSection[]) {
  return sections.map((s) => ({ name: s.Name.Value, type: s.Type.Value, flags: s.Flags.Value, offset: s.Offset, size: s.Size, link: s.Link, info: s.Info, addralign: s.AddressAlignment, entsize: s.EntrySize }));
}

const reason = READOBJ && readobj(join(OBJECTS, 'xdp.o')) ? undefined : 'llvm-readobj with JSON output (LLVM 15+) is not installed';

describe('ELF headers read in one place', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('reads every section header field as llvm-readobj does, both byte orders', (ctx) => {
    if (skipReason(reason, 'the section header comparison with llvm-readobj')) return ctx.skip();
    for (const f of readdirSync(OBJECTS).filter((n) => n.endsWith('.o'))) {
      const path = join(OBJECTS, f);
      const bytes = readFileSync(path);
      const want = readobj(path)!;
      const headers = new ElfHeaders(bytes, f);
      expect([f, Array.from({ length: headers.sectionCount() }, (_, i) => headers.section(i))]).toEqual([f, expected(want)]);
      const elf = readElf(bytes, f);
      expect([f, elf.sections.map((s) => [s.name, s.type, s.flags, s.offset, s.size, s.link, s.info, s.addralign, s.entsize])]).toEqual([
        f,
        want.map((s) => [s.Name.Name, s.Type.Value, s.Flags.Value, s.Offset, s.Size, s.Link, s.Info, s.AddressAlignment, s.EntrySize]),
      ]);
    }
  });

  it('reads a 32-bit ELF file and finds a section in it by name', (ctx) => {
    if (skipReason(reason ?? (hasClang ? undefined : 'clang is not installed'), 'the ELF32 header comparison')) return ctx.skip();
    const dir = mkdtempSync(join(tmpdir(), 'bpfscope-elf32-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'a.c'), 'int p[3] = { 1, 2, 3 };\n');
    execFileSync('clang', ['-target', 'i386-linux-gnu', '-c', join(dir, 'a.c'), '-o', join(dir, 'a.o')]);
    const bytes = readFileSync(join(dir, 'a.o'));
    const headers = new ElfHeaders(bytes, 'a.o');
    expect(headers.is64).toBe(false);
    const want = readobj(join(dir, 'a.o'))!;
    expect(Array.from({ length: headers.sectionCount() }, (_, i) => headers.section(i))).toEqual(expected(want));
    const data = want.find((s) => s.Name.Name === '.data')!;
    expect(findElfSection(bytes, '.data', 'a.o')).toEqual(bytes.subarray(data.Offset, data.Offset + data.Size));
    expect(findElfSection(bytes, '.nothing', 'a.o')).toBeUndefined();
  });
});
