import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBtf, type Btf } from '../../../src/btf/index.js';
import { readElf } from '../../../src/elf/index.js';
import { RelocationError } from '../../../src/errors.js';
import type { Insn } from '../../../src/isa/insn.js';
import type { CoreResult } from '../../../src/object/core/calc.js';
import { patchInsn, POISON_HELPER_ID } from '../../../src/object/core/patch.js';
import { parseSpec } from '../../../src/object/core/spec.js';
import { openObject } from '../../../src/object/open.js';
import { NO_TARGET, readBtfFile, type LoadTarget } from '../../../src/object/target.js';
import { REPO } from '../../helpers/env.js';

/** The parts of CO-RE whose rules libbpf states in its source (relo_core.c, libbpf.c). */
describe('access strings (bpf_core_parse_spec)', () => {
  const elf = readElf(readFileSync(join(REPO, 'test', 'object', 'core', 'objects', 'fields.o')), 'fields.o');
  const btf = parseBtf(elf.sections.find((s) => s.name === '.BTF')!.data);
  const sample = btf.findOne('core_sample', 'STRUCT')!;
  const inner = btf.findOne('core_inner', 'STRUCT')!;
  const spec = (access: string) => parseSpec(btf, sample.id, access, 'FIELD_BYTE_OFFSET');

  it('walks members and array elements, keeping only named fields and indexes as accessors', () => {
    // items[2].x: member 4 (items), element 2, member 0 (x).
    const s = spec('0:4:2:0');
    expect(s.raw).toEqual([0, 4, 2, 0]);
    expect(s.accessors.map((a) => a.name ?? `[${a.idx}]`)).toEqual(['[0]', 'items', '[2]', 'x']);
    expect(s.bitOffset).toBe(sample.members[4]!.bitOffset + 2 * btf.size(inner.id) * 8);
  });

  it('steps through an anonymous member without an accessor for it', () => {
    const anon = sample.members.findIndex((m) => m.name === '' && btf.resolved(m.type).kind === 'STRUCT');
    const s = spec(`0:${anon}:1`);
    expect(s.accessors.map((a) => a.name ?? `[${a.idx}]`)).toEqual(['[0]', 'deep_b']);
  });

  it('reads integers as sscanf does: an optional colon before each, no negatives', () => {
    expect(spec('0 1').raw).toEqual([0, 1]);
    expect(spec('0:+1').raw).toEqual([0, 1]);
    for (const bad of ['', ':0', '0:', '0::1', '0:-1', '0:x', '0 :1']) expect(() => spec(bad), bad).toThrow(/not a list of indexes/);
  });

  it('refuses indexes past the type', () => {
    const n = sample.members.length;
    expect(() => spec(`0:${n}`)).toThrow(`member ${n} of [${sample.id}] STRUCT core_sample, which has ${n}`);
    expect(() => spec('0:4:4')).toThrow(/index 4 of an array of 4/);
    // The flexible array at the end takes any index.
    const tail = sample.members.length - 1;
    expect(spec(`0:${tail}:100`).raw).toEqual([0, tail, 100]);
  });

  it('type relocations take "0", enumerator ones an enumerator', () => {
    expect(parseSpec(btf, sample.id, '0', 'TYPE_SIZE').accessors).toEqual([]);
    expect(() => parseSpec(btf, sample.id, '0:1', 'TYPE_SIZE')).toThrow(/a TYPE_SIZE relocation takes "0"/);
    expect(() => parseSpec(btf, sample.id, '0', 'ENUMVAL_VALUE')).toThrow(/an enumerator relocation takes one index of an enum value/);
  });
});

describe('instruction patching (bpf_core_patch_insn)', () => {
  const res = (r: Partial<CoreResult>): CoreResult => ({
    origVal: 0n, newVal: 0n, poison: false, validate: true, failMemszAdjust: false, origSz: 0, newSz: 0, origTypeId: 0, newTypeId: 0, ...r,
  });
  const insn = (code: number, off = 0, imm = 0, src = 0): Insn => ({ code, dst: 1, src, off, imm });

  it('ALU immediates, checked against the local value', () => {
    const p = [insn(0x07, 0, 8)];
    patchInsn(p, 0, res({ origVal: 8n, newVal: 24n }));
    expect(p[0]!.imm).toBe(24);
    expect(() => patchInsn([insn(0x07, 0, 9)], 0, res({ origVal: 8n, newVal: 24n }))).toThrow(RelocationError);
    expect(() => patchInsn([insn(0x0f)], 0, res({}))).toThrow(/register operand/);
  });

  it('load offsets, and the load size where an unsigned field changed size', () => {
    const p = [insn(0x61, 4)];
    patchInsn(p, 0, res({ origVal: 4n, newVal: 104n, origSz: 4, newSz: 8 }));
    expect(p[0]).toMatchObject({ code: 0x79, off: 104 });
    expect(() => patchInsn([insn(0x61, 4)], 0, res({ origVal: 4n, newVal: 0x8000n }))).toThrow(/more than a load or store can hold/);
    expect(() => patchInsn([insn(0x69, 4)], 0, res({ origVal: 4n, newVal: 8n, origSz: 4, newSz: 8 }))).toThrow(/expects a 4-byte access/);
  });

  it('poisons where the size change would misread, and both slots of an ld_imm64', () => {
    const p = [insn(0x61, 4)];
    patchInsn(p, 0, res({ origVal: 4n, newVal: 8n, failMemszAdjust: true }));
    expect(p[0]).toEqual({ code: 0x85, dst: 0, src: 0, off: 0, imm: POISON_HELPER_ID });
    const wide = [insn(0x18, 0, 5), { code: 0, dst: 0, src: 0, off: 0, imm: 0 }];
    patchInsn(wide, 0, res({ poison: true }));
    expect(wide.map((i) => i.imm)).toEqual([195896080, 195896080]);
  });

  it('ld_imm64: 64-bit values, in the plain form only', () => {
    const p = [insn(0x18, 0, 5), { code: 0, dst: 0, src: 0, off: 0, imm: 0 }];
    patchInsn(p, 0, res({ origVal: 5n, newVal: 0x200000001n }));
    expect(p.map((i) => i.imm)).toEqual([1, 2]);
    expect(() => patchInsn([insn(0x18, 0, 5, 1), { code: 0, dst: 0, src: 0, off: 0, imm: 0 }], 0, res({ origVal: 5n }))).toThrow(/unexpected form/);
  });
});

describe('candidates: vmlinux first, module BTF only when vmlinux has none (bpf_core_find_cands)', () => {
  const samples = join(REPO, 'test', 'object', 'core', 'objects');
  const btfOf = (name: string) => readBtfFile(join(samples, name));
  const target = (vmlinux: Btf, modules: Btf[]): LoadTarget => ({
    ...NO_TARGET,
    btfSource: 'test',
    vmlinux: () => vmlinux,
    modules: () => modules.map((btf, i) => ({ name: `mod${i}`, btf })),
  });
  const insnsWith = (t: LoadTarget) => openObject(join(samples, 'fields.o'), undefined, { target: t }).programs.map((p) => p.insns);
  const kernel = btfOf('kernel.o');

  it('finds in a module what vmlinux lacks', () => {
    // enums.o's BTF has none of the structs fields.o relocates.
    expect(insnsWith(target(btfOf('enums.o'), [kernel]))).toEqual(insnsWith(target(kernel, [])));
  });

  it('does not look in modules when vmlinux has a candidate', () => {
    // fields.o's own BTF as vmlinux: relocating against its own layout changes nothing, whatever a module says.
    expect(insnsWith(target(btfOf('fields.o'), [kernel]))).toEqual(insnsWith(target(btfOf('fields.o'), [])));
    expect(insnsWith(target(btfOf('fields.o'), [kernel]))).not.toEqual(insnsWith(target(kernel, [])));
  });
});
