import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExternError } from '../../../src/errors.js';
import type { Btf } from '../../../src/btf/index.js';
import { BPF_PSEUDO_BTF_ID, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_VALUE } from '../../../src/isa/opcodes.js';
import { openObject } from '../../../src/object/open.js';
import type { ObjectSpec, ProgramSpec } from '../../../src/object/spec.js';
import { kallsymsFromText, NO_TARGET, readBtfFile, type LoadTarget } from '../../../src/object/target.js';
import { parseU64 } from '../../../src/object/externs/kconfig.js';
import { loadObject } from '../../../src/vm/load.js';
import { parseBtf } from '../../../src/btf/index.js';
import { compileBpf, missing, skipReason } from '../../helpers/env.js';
import { BtfBuilder } from '../../btf/builder.js';

/**
 * Extern resolution against targets made for the test: a "kernel" whose BTF is a BPF
 * object's own (functions and variables defined in C become FUNCs and VARs), a config
 * and kallsyms given as maps. What each extern must become follows libbpf's rules;
 * the ids and addresses are read from the target itself.
 */
const reason = missing({ clang: true });
const skip = skipReason(reason, 'the extern resolution tests');

const HEADER = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
char LICENSE[] SEC("license") = "GPL";
`;

/** The target kernel: what its BTF says it has. */
const KERNEL = `
struct bpf_cpumask { int bits; };
int bpfscope_counter;
struct bpf_cpumask *bpf_cpumask_create(void) { return 0; }
void bpf_cpumask_release(struct bpf_cpumask *mask) { }
long __x64_sys_bpf(void) { return 0; }
long __arm64_sys_bpf(void) { return 0; }
int register_kprobe(void) { return 0; }
enum bpf_func_id { BPF_FUNC_unspec, BPF_FUNC_get_attach_cookie = 174 };
enum bpf_func_id bpfscope_ids;
`;

/** The target's kallsyms: a duplicated static symbol, a module's. */
const KALLSYMS = `ffffffff81000010 T bpf_cpumask_create
ffffffff82000020 D bpfscope_counter
ffffffff81000abc t bpfscope_text
ffffffff81000100 t bpfscope_twice
ffffffff81000200 t bpfscope_twice
ffffffffc0001000 t bpfscope_in_module	[bpfscope_mod]
`;

describe('kallsymsFromText finds a name as the third field of a line', () => {
  const syms = kallsymsFromText(KALLSYMS);
  it.each([
    ['bpf_cpumask_create', [0xffffffff81000010n]],
    ['bpfscope_twice', [0xffffffff81000100n, 0xffffffff81000200n]],
    ['bpfscope_in_module', [0xffffffffc0001000n]],
    ['bpfscope', []],
    ['cpumask_create', []],
    ['T', []],
  ])('%s', (name, addresses) => expect(syms.addresses(name)).toEqual(addresses));
});

describe.skipIf(skip)('externs resolved against a target', () => {
  let dir = '';
  let kernel: Btf;
  let n = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpfscope-resolve-'));
    const src = join(dir, 'kernel.c');
    writeFileSync(src, KERNEL);
    compileBpf(src, join(dir, 'kernel.o'));
    kernel = readBtfFile(join(dir, 'kernel.o'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const target = (parts: Partial<LoadTarget> = {}): LoadTarget => ({
    btfSource: 'kernel.o',
    vmlinux: () => kernel,
    modules: () => [],
    kconfig: () => new Map(),
    kernelVersion: () => (6 << 16) + (1 << 8) + 2,
    kallsyms: () => kallsymsFromText(KALLSYMS),
    ...parts,
  });
  const open = (source: string, t: LoadTarget): ObjectSpec => {
    const src = join(dir, `case${++n}.c`);
    writeFileSync(src, HEADER + source);
    compileBpf(src, src.replace(/\.c$/, '.o'));
    return openObject(src.replace(/\.c$/, '.o'), undefined, { target: t });
  };
  const program = (spec: ObjectSpec, name = 'p'): ProgramSpec => spec.programs.find((p) => p.name === name)!;
  const kconfigBytes = (spec: ObjectSpec): number[] => [...spec.maps.find((m) => m.origin === 'kconfig')!.initialData!];

  it('lays kconfig externs out by alignment down, size up, then name, and fills them', () => {
    const spec = open(
      `extern int CONFIG_B __kconfig;
extern _Bool CONFIG_A __kconfig;
extern unsigned long long CONFIG_C __kconfig;
extern enum libbpf_tristate CONFIG_D __kconfig;
extern char CONFIG_E[4] __kconfig;
extern int LINUX_KERNEL_VERSION __kconfig;
SEC("socket") int p(void *ctx) { return CONFIG_A + CONFIG_B + CONFIG_C + CONFIG_D + CONFIG_E[0] + LINUX_KERNEL_VERSION; }`,
      target({ kconfig: () => new Map([['CONFIG_A', 'y'], ['CONFIG_B', '-2'], ['CONFIG_C', '0x0102030405060708'], ['CONFIG_D', 'm'], ['CONFIG_E', '"abcdef"']]) }),
    );
    // 8-byte C at 0; 4-byte B, D (tristate) and LINUX_KERNEL_VERSION by name at 8, 12, 16; 1-byte A, then E[4].
    expect(kconfigBytes(spec)).toEqual([
      8, 7, 6, 5, 4, 3, 2, 1,
      0xfe, 0xff, 0xff, 0xff,
      2, 0, 0, 0,
      2, 1, 6, 0,
      1,
      0x61, 0x62, 0x63, 0,
    ]);
    const map = spec.maps.find((m) => m.origin === 'kconfig')!;
    expect(map).toMatchObject({ name: 'case1.kconfig', sectionName: '.kconfig', valueSize: 25, maxEntries: 1, flags: 0x480 });
    expect(spec.notes).toEqual([`libbpf 1.x: extern (kcfg) 'CONFIG_E': long string '"abcdef"' of (6 bytes) truncated to 3 bytes`]);
    // Every reference is an ld_imm64 into that map at its extern's offset.
    const p = program(spec);
    const index = spec.maps.indexOf(map);
    expect(p.mapRefs.map((r) => r.offset).sort((a, b) => a - b)).toEqual([0, 8, 12, 16, 20, 21]);
    for (const ref of p.mapRefs) expect(p.insns[ref.pc]).toMatchObject({ src: BPF_PSEUDO_MAP_VALUE, imm: index });
    // The BTF the kernel gets lists them at those offsets, allocated.
    const sec = spec.btf!.findOne('.kconfig', 'DATASEC')!;
    expect(sec.size).toBe(25);
    expect(sec.vars.map((v) => [spec.btf!.name(v.type), v.offset])).toEqual([['CONFIG_C', 0], ['CONFIG_B', 8], ['CONFIG_D', 12], ['LINUX_KERNEL_VERSION', 16], ['CONFIG_A', 20], ['CONFIG_E', 21]]);
  });

  it('with no kernel config, CONFIG_ externs stay 0 with a note, strong or weak', () => {
    const spec = open('extern int CONFIG_X __kconfig;\nSEC("socket") int p(void *ctx) { return CONFIG_X; }', target({ kconfig: () => undefined }));
    expect(kconfigBytes(spec)).toEqual([0, 0, 0, 0]);
    expect(spec.notes).toHaveLength(1);
    expect(spec.notes[0]).toMatch(/^no kernel config found .*: CONFIG_X stay 0$/);
  });

  it('a strong CONFIG_ the config lacks fails at its first use; a weak one stays 0', () => {
    const t = target({ kconfig: () => new Map([['CONFIG_OTHER', 'y']]) });
    const strong = () => open('extern int CONFIG_X __kconfig;\nSEC("socket") int p(void *ctx) { return CONFIG_X; }', t);
    expect(strong).toThrow(ExternError);
    expect(strong).toThrow(/case\d+\.o: section socket: program p: insn 0: extern 'CONFIG_X' \(strong\): not resolved$/);
    const weak = open('extern int CONFIG_X __kconfig __weak;\nSEC("socket") int p(void *ctx) { return CONFIG_X; }', t);
    expect(kconfigBytes(weak)).toEqual([0, 0, 0, 0]);
    expect(weak.notes).toEqual([]);
  });

  it('LINUX_HAS_SYSCALL_WRAPPER and LINUX_HAS_BPF_COOKIE follow what the target BTF has', () => {
    const source = 'extern _Bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;\nextern _Bool LINUX_HAS_BPF_COOKIE __kconfig;\nSEC("socket") int p(void *ctx) { return LINUX_HAS_SYSCALL_WRAPPER + LINUX_HAS_BPF_COOKIE; }';
    // Sorted by name: COOKIE, then SYSCALL_WRAPPER (on hosts whose wrapper prefix the kernel has).
    const known = process.arch === 'x64' || process.arch === 'arm64';
    expect(kconfigBytes(open(source, target()))).toEqual([1, known ? 1 : 0]);
    expect(kconfigBytes(open(source, NO_TARGET))).toEqual([0, 0]);
  });

  it('kfunc calls carry the target FUNC\'s id (src 2, off 0 for vmlinux); an unresolved weak one 0 and 0', () => {
    const spec = open(
      `struct bpf_cpumask { int bits; };
extern struct bpf_cpumask *bpf_cpumask_create(void) __ksym;
extern void bpfscope_missing(void) __ksym __weak;
SEC("tc") int p(void *ctx) { bpfscope_missing(); return bpf_cpumask_create() != 0; }`,
      target(),
    );
    const p = program(spec);
    const create = p.externRefs.find((r) => r.name === 'bpf_cpumask_create')!;
    const missingRef = p.externRefs.find((r) => r.name === 'bpfscope_missing')!;
    expect(create).toMatchObject({ kind: 'kfunc', btfId: kernel.findOne('bpf_cpumask_create', 'FUNC')!.id });
    // Only an ld_imm64 (bpf_ksym_exists) needs its address; calls carry the id alone.
    expect(create).not.toHaveProperty('address');
    expect(p.insns[create.pc]).toMatchObject({ src: BPF_PSEUDO_KFUNC_CALL, imm: create.btfId, off: 0 });
    expect(missingRef).toMatchObject({ kind: 'kfunc', btfId: 0 });
    expect(p.insns[missingRef.pc]).toMatchObject({ src: BPF_PSEUDO_KFUNC_CALL, imm: 0, off: 0 });
    // The loaded program names the kfunc from its id, as bpftool names it from kallsyms.
    const loaded = loadObject(spec, { nextProgramId: () => 1, nextMapId: () => 1, nextBtfId: () => 1 });
    expect(loaded.programs[0]!.kernelFunction(loaded.programs[0]!.xlated[create.pc]!)).toBe('bpf_cpumask_create');
  });

  it('kfuncs a module has: off is the module\'s slot in the fd array, from 1, one slot per module', () => {
    const b = new BtfBuilder(kernel.typeCount, kernel.strings.end);
    const proto = b.proto(0, []);
    const first = b.func('bpfscope_mod_first', proto, 1);
    const second = b.func('bpfscope_mod_second', proto, 1);
    const module = parseBtf(b.build(), { base: kernel });
    const spec = open(
      `extern void bpfscope_mod_first(void) __ksym;
extern void bpfscope_mod_second(void) __ksym;
SEC("tc") int p(void *ctx) { bpfscope_mod_first(); bpfscope_mod_second(); return 0; }`,
      target({ modules: () => [{ name: 'bpfscope_mod', btf: module }] }),
    );
    const p = program(spec);
    for (const [name, id] of [['bpfscope_mod_first', first], ['bpfscope_mod_second', second]] as const) {
      const ref = p.externRefs.find((r) => r.name === name)!;
      expect(ref).toMatchObject({ kind: 'kfunc', btfId: id, module: 'bpfscope_mod' });
      expect(p.insns[ref.pc]).toMatchObject({ src: BPF_PSEUDO_KFUNC_CALL, imm: id, off: 1 });
    }
  });

  it('a kfunc whose prototype differs from the target\'s is refused, weak or strong', () => {
    const source = (weak: string) =>
      `extern void bpf_cpumask_release(int mask) __ksym ${weak};\nSEC("tc") int p(void *ctx) { bpf_cpumask_release(1); return 0; }`;
    expect(() => open(source(''), target())).toThrow(/program p: insn \d+: extern \(func ksym\) 'bpf_cpumask_release': func_proto \[\d+\] incompatible with kernel \[\d+\]$/);
    expect(() => open(source('__weak'), target())).toThrow(ExternError);
  });

  it('typed ksyms get src 3 and the VAR\'s id; typeless ones their kallsyms address; the loaded program the address', () => {
    const spec = open(
      `extern const int bpfscope_counter __ksym;
extern void bpfscope_text __ksym;
extern void bpfscope_nowhere __ksym __weak;
__u64 out[3];
SEC("socket") int p(void *ctx) { out[0] = (__u64)&bpfscope_counter; out[1] = (__u64)&bpfscope_text; out[2] = (__u64)&bpfscope_nowhere; return 0; }`,
      target(),
    );
    const p = program(spec);
    const ref = (name: string) => p.externRefs.find((r) => r.name === name)!;
    const varId = kernel.findOne('bpfscope_counter', 'VAR')!.id;
    expect(p.insns[ref('bpfscope_counter').pc]).toMatchObject({ src: BPF_PSEUDO_BTF_ID, imm: varId });
    expect(p.insns[ref('bpfscope_counter').pc + 1]!.imm).toBe(0);
    expect(p.insns[ref('bpfscope_text').pc]).toMatchObject({ src: 0, imm: 0x81000abc | 0 });
    expect(p.insns[ref('bpfscope_text').pc + 1]!.imm).toBe(-1);
    expect(p.insns[ref('bpfscope_nowhere').pc]).toMatchObject({ src: 0, imm: 0 });
    const loaded = loadObject(spec, { nextProgramId: () => 1, nextMapId: () => 1, nextBtfId: () => 1 }).programs[0]!;
    const at = ref('bpfscope_counter').pc;
    expect(loaded.xlated[at]).toMatchObject({ src: 0, imm: 0x82000020 | 0 });
    expect(loaded.xlated[at + 1]!.imm).toBe(-1);
  });

  it('a typeless ksym kallsyms list at two addresses is refused as ambiguous', () => {
    expect(() => open('extern void bpfscope_twice __ksym;\nSEC("socket") long p(void *ctx) { return (long)&bpfscope_twice; }', target())).toThrow(
      /program p: insn 0: extern \(ksym\) 'bpfscope_twice': resolution is ambiguous: 0xffffffff81000100 or 0xffffffff81000200$/,
    );
  });

  it('a typed ksym of another type is refused with both types named', () => {
    expect(() => open('extern const struct bpf_cpumask bpfscope_counter __ksym;\nstruct bpf_cpumask { int bits; };\nSEC("socket") long p(void *ctx) { return (long)&bpfscope_counter; }', target())).toThrow(
      /extern \(var ksym\) 'bpfscope_counter': incompatible types, expected \[\d+\] struct bpf_cpumask, but kernel has \[\d+\] int int$/,
    );
  });

  it('with no target BTF or kallsyms, ksyms and kfuncs stay unresolved, strong ones too, with a note', () => {
    const spec = open(
      `extern void bpf_cpumask_release(void *mask) __ksym;
extern void bpfscope_text __ksym;
SEC("tc") long p(void *ctx) { bpf_cpumask_release(0); return (long)&bpfscope_text; }`,
      NO_TARGET,
    );
    expect(spec.notes).toEqual([
      'the target has no kallsyms: typeless ksyms bpfscope_text are left at address 0, as unresolved weak ones',
      'no target BTF: typed ksyms and kfuncs bpf_cpumask_release are left unresolved, as weak ones',
    ]);
    const p = program(spec);
    expect(p.insns[p.externRefs.find((r) => r.kind === 'kfunc')!.pc]).toMatchObject({ src: BPF_PSEUDO_KFUNC_CALL, imm: 0, off: 0 });
  });

  it('kfuncs in .ksyms become dummy_ksym variables in the BTF the kernel gets, as libbpf rewrites it', () => {
    const spec = open(
      `struct bpf_cpumask { int bits; };
extern void bpf_cpumask_release(struct bpf_cpumask *) __ksym;
extern const int bpfscope_counter __ksym;
SEC("tc") long p(void *ctx) { bpf_cpumask_release(0); return (long)&bpfscope_counter; }`,
      target(),
    );
    const btf = spec.btf!;
    const dummy = btf.types[btf.types.length - 1]!;
    expect(dummy).toMatchObject({ kind: 'VAR', name: 'dummy_ksym', linkage: 1 });
    const sec = btf.findOne('.ksyms', 'DATASEC')!;
    expect(sec.size).toBe(8);
    expect(sec.vars.map((v) => [btf.type(v.type).name, v.offset, v.size])).toEqual([['dummy_ksym', 0, 4], ['bpfscope_counter', 4, 4]]);
    const fn = btf.findOne('bpf_cpumask_release', 'FUNC')!;
    expect(fn.linkage).toBe(1);
    const proto = btf.type(fn.type);
    expect(proto.kind === 'FUNC_PROTO' && proto.params.map((p) => p.name)).toEqual(['dummy_ksym']);
    expect(btf.findOne('bpfscope_counter', 'VAR')).toMatchObject({ linkage: 1, type: btf.types.find((t) => t.kind === 'INT' && t.bits === 32)!.id });
  });
});

describe('parseU64 reads numbers as strtoull(s, 0) does', () => {
  it.each([
    ['10', 10n],
    ['0x1F', 31n],
    ['010', 8n],
    ['0', 0n],
    ['-1', (1n << 64n) - 1n],
    ['+7', 7n],
    ['  12', 12n],
    ['18446744073709551615', (1n << 64n) - 1n],
  ])('%s', (text, value) => expect(parseU64(text)).toBe(value));
  it.each(['', '12abc', '08', '0x', '18446744073709551616', '1 '])('%j is no number', (text) => expect(parseU64(text)).toBeUndefined());
});
