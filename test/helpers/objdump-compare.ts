import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseBtf, parseBtfExt } from '../../src/btf/index.js';
import { readElf, SHF_EXECINSTR, STT_FUNC, type ElfFile } from '../../src/elf/index.js';
import { encodeInsns } from '../../src/isa/encode.js';
import { BPF_CALL_INSN, BPF_LD_IMM64 } from '../../src/isa/opcodes.js';
import type { ObjectSpec } from '../../src/object/spec.js';

/**
 * An object's programs against `llvm-objdump -d` of it: the check that objects only older
 * loaders read (and prebuilt objects of other projects) are read instruction for
 * instruction as compiled.
 */

/** llvm-objdump -d: every section's bytes by instruction index, from the raw-bytes column. */
function objdumpSections(file: string): Map<string, Map<number, number[]>> {
  const text = execFileSync('llvm-objdump', ['-d', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const out = new Map<string, Map<number, number[]>>();
  let current: Map<number, number[]> | undefined;
  for (const line of text.split('\n')) {
    const sec = /^Disassembly of section (.*):$/.exec(line);
    if (sec) out.set(sec[1]!, (current = new Map()));
    const insn = /^\s*(\d+):\t((?:[0-9a-f]{2} )*[0-9a-f]{2})/.exec(line);
    if (insn && current) current.set(Number(insn[1]), insn[2]!.trim().split(' ').map((b) => parseInt(b, 16)));
  }
  return out;
}

/** Instruction indexes, per section, whose fields a loader rewrites: ELF relocations and CO-RE records. */
function rewritten(elf: ElfFile): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  const add = (section: string, byteOff: number) => {
    if (!out.has(section)) out.set(section, new Set());
    out.get(section)!.add(byteOff / 8);
  };
  for (const [index, relocs] of elf.relocations) for (const r of relocs) add(elf.sections[index]!.name, r.offset);
  const btf = elf.sections.find((s) => s.name === '.BTF');
  const ext = elf.sections.find((s) => s.name === '.BTF.ext');
  if (btf && ext) {
    for (const s of parseBtfExt(ext.data, parseBtf(btf.data)).coreRelos.sections) for (const r of s.records) add(s.section, r.insnOff);
  }
  return out;
}

/**
 * Compares each function of each program with its section's bytes. Masked: src_reg and imm
 * (and the second slot's imm) where a relocation or CO-RE record points, off as well
 * for CO-RE, and the imm of bpf-to-bpf calls, which linking makes relative to the new layout.
 */
export function checkAgainstObjdump(file: string, spec: ObjectSpec): { problems: string[]; compared: number } {
  const elf = readElf(readFileSync(file), file);
  const dump = objdumpSections(file);
  const patched = rewritten(elf);
  const problems: string[] = [];
  let compared = 0;
  for (const prog of spec.programs) {
    const ours = encodeInsns(prog.insns, spec.littleEndian);
    for (const fn of prog.functions) {
      const section = elf.sections.find((s) => s.name === fn.sectionName)!;
      const sym = elf.symbols.find((s) => s.shndx === section.index && s.name === fn.name);
      const start = (sym?.value ?? 0) / 8;
      const theirs = dump.get(fn.sectionName);
      if (!theirs) {
        problems.push(`${prog.name}: llvm-objdump shows no section ${fn.sectionName}`);
        continue;
      }
      for (let i = 0; i < fn.insnCount; i++) {
        const bytes = theirs.get(start + i);
        if (!bytes) continue; // the second slot of an ld_imm64, shown on its first slot's line
        const at = (fn.insnOff + i) * 8;
        const mine = [...ours.subarray(at, at + bytes.length)];
        const mask = maskFor(mine, patched.get(fn.sectionName)?.has(start + i) ?? false, spec.littleEndian);
        compared++;
        const differs = bytes.some((b, k) => (b & mask[k]!) !== (mine[k]! & mask[k]!));
        if (differs) problems.push(`${prog.name}: ${fn.sectionName}+${start + i}: objdump ${hex(bytes)}, bpfscope ${hex(mine)}`);
      }
    }
  }
  return { problems, compared };
}

function maskFor(insn: number[], relocated: boolean, littleEndian: boolean): number[] {
  const mask = new Array<number>(insn.length).fill(0xff);
  const code = insn[0]!;
  // The register byte holds src in its high nibble in little-endian objects, in its low one in big-endian ones.
  const srcNibble = littleEndian ? 0xf0 : 0x0f;
  const src = littleEndian ? insn[1]! >> 4 : insn[1]! & 0x0f;
  const isPseudoCall = code === BPF_CALL_INSN && src === 1;
  const isFuncAddr = code === BPF_LD_IMM64 && src === 4;
  if (relocated || isPseudoCall || isFuncAddr) {
    mask[1] = 0xff ^ srcNibble;
    for (let k = 4; k < 8; k++) mask[k] = 0;
    if (insn.length === 16) for (let k = 12; k < 16; k++) mask[k] = 0;
  }
  if (relocated) mask[2] = mask[3] = 0;
  return mask;
}

const hex = (b: number[]) => b.map((x) => x.toString(16).padStart(2, '0')).join(' ');

/** The FUNC symbols of program sections (executable, not .text): the programs a loader lists. */
export function programSymbols(file: string): string[] {
  const elf = readElf(readFileSync(file), file);
  const progSections = new Set(elf.sections.filter((s) => s.flags & SHF_EXECINSTR && s.name !== '.text' && s.size > 0).map((s) => s.index));
  return elf.symbols.filter((s) => s.type === STT_FUNC && progSections.has(s.shndx)).map((s) => s.name).sort();
}
