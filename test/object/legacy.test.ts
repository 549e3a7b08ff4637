import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readElf, SHT_SYMTAB, STT_FUNC, STT_NOTYPE } from '../../src/elf/index.js';
import { openObject } from '../../src/object/open.js';
import { NO_TARGET } from '../../src/object/target.js';
import { bpfscope } from '../helpers/cli.js';
import { compileBpf, missing, OBJECTS, REPO, skipReason } from '../helpers/env.js';
import { checkAgainstObjdump } from '../helpers/objdump-compare.js';

/**
 * Objects libbpf 1.x refuses to open (legacy maps, static programs, sections without FUNC
 * symbols, names only older loaders know): bpfscope opens them, lists their programs, and
 * every function of every program holds the bytes llvm-objdump shows for its section,
 * up to the fields relocations and CO-RE rewrite. The corpus objects the real libbpf
 * refuses are checked the same way in test/corpus/kernel-corpus.test.ts.
 */
const SRC = join(REPO, 'test', 'object', 'legacy');
const buildReason = missing({ clang: true });
const objdumpReason = missing({ objdump: true });

const dir = mkdtempSync(join(tmpdir(), 'bpfscope-legacy-'));
let built: Record<string, string> | undefined;
/** The test objects, built once per run from test/object/legacy. */
function objects(): Record<string, string> {
  if (built) return built;
  const out: Record<string, string> = { tc_legacy: join(OBJECTS, 'tc_legacy.o') };
  for (const f of readdirSync(SRC)) {
    const stem = f.replace(/\.[cs]$/, '');
    if (f.endsWith('.c')) compileBpf(join(SRC, f), (out[stem] = join(dir, `${stem}.o`)));
    if (f.endsWith('.s')) execFileSync('clang', ['-target', 'bpf', '-c', join(SRC, f), '-o', (out[stem] = join(dir, `${stem}.o`))]);
  }
  out.xdp_notype = untypedCopy(join(OBJECTS, 'xdp.o'), 'xdp');
  return (built = out);
}

/** A copy of an object whose FUNC symbols in one section are made NOTYPE, as clang before FUNC symbols left them. */
function untypedCopy(file: string, section: string): string {
  const bytes = Buffer.from(readFileSync(file));
  const elf = readElf(bytes, file);
  const symtab = elf.sections.find((s) => s.type === SHT_SYMTAB)!;
  const shndx = elf.sections.find((s) => s.name === section)!.index;
  for (const sym of elf.symbols) {
    if (sym.shndx !== shndx || sym.type !== STT_FUNC) continue;
    const info = symtab.offset + sym.index * symtab.entsize + 4;
    bytes[info] = (bytes[info]! & 0xf0) | STT_NOTYPE;
  }
  const out = join(dir, 'xdp_notype.o');
  writeFileSync(out, bytes);
  return out;
}

describe('objects libbpf 1.x refuses open in bpfscope and equal llvm-objdump', () => {
  const skip = buildReason ?? objdumpReason;
  it.skipIf(skipReason(skip, 'legacy objects against llvm-objdump'))('the objects of test/object/legacy and objects/tc_legacy.o', () => {
    for (const [name, file] of Object.entries(objects())) {
      if (name === 'bad_maps') continue;
      const spec = openObject(file, undefined, { target: NO_TARGET });
      expect(spec.programs.length, name).toBeGreaterThan(0);
      const { problems, compared } = checkAgainstObjdump(file, spec);
      expect(problems, name).toEqual([]);
      expect(compared, name).toBeGreaterThanOrEqual(spec.programs.reduce((n, p) => n + p.functions.length, 0));
    }
  });
});

describe.skipIf(skipReason(buildReason, 'legacy object CLI tests'))('older objects through the CLI', () => {
  const progNames = (file: string) => {
    const r = bpfscope(['--object', file, '-j', 'prog', 'show']);
    expect(r.status, r.stderr).toBe(0);
    return { names: (JSON.parse(r.stdout) as { name: string; type: string }[]).map((p) => `${p.type} ${p.name}`), stderr: r.stderr };
  };

  it('an iproute2 object: bpf_elf_map maps, tc sections read as sched_cls, the tail call in its prog array', () => {
    const file = objects().tc_legacy!;
    const { names, stderr } = progNames(file);
    expect(names).toEqual(['sched_cls handle_egress', 'sched_cls tail_one']);
    expect(stderr).toContain(`note: ${file}: libbpf 1.x: elf: legacy map definitions in 'maps' section are not supported by libbpf v1.0+`);
    expect(stderr).toContain("'jmp_map' PIN_GLOBAL_NS, 'counters' PIN_OBJECT_NS");
    const jmp = bpfscope(['--object', file, 'map', 'dump', 'name', 'jmp_map']);
    expect(jmp.stdout).toBe('key: 01 00 00 00  value: 02 00 00 00\nFound 1 element\n');
    const outer = bpfscope(['--object', file, 'map', 'dump', 'name', 'outer']);
    expect(outer.stdout).toBe('key: 03 00 00 00  value: 03 00 00 00\nFound 1 element\n');
  });

  it('static programs load, a section no loader knows is not loaded, a prefix name is read as libbpf 0.x read it', () => {
    const file = objects().static_prog!;
    const { names, stderr } = progNames(file);
    expect(names).toEqual(['xdp xdp_static', 'xdp xdp_global', 'socket_filter socket_prefix']);
    expect(stderr).toContain("libbpf 1.x: sec 'xdp': program 'xdp_static' is static and not supported");
    expect(stderr).toContain("libbpf 1.x: prog 'other_fn': unrecognized ELF section name 'other'; no loader gives it a program type");
  });

  it('a section without FUNC symbols is one program named by its global symbol', () => {
    const { names } = progNames(objects().notype!);
    expect(names).toEqual(['socket_filter count_packets']);
    const patched = progNames(objects().xdp_notype!);
    expect(patched.names).toEqual(['xdp xdp_pass']);
    expect(patched.stderr).toContain("libbpf 1.x: sec 'xdp': no FUNC symbol, so no program; read as one program 'xdp_pass'");
  });

  it('prog load without type fails where a section gives no type, as bpftool; type TYPE loads it', () => {
    const state = mkdtempSync(join(tmpdir(), 'bpfscope-legacy-state-'));
    const file = objects().static_prog!;
    const r = bpfscope(['--state', state, 'prog', 'loadall', file, '/sys/fs/bpf/legacy']);
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/^libbpf: failed to guess program type from ELF section 'other'\nlibbpf: supported section\(type\) names are: socket sk_reuseport\/migrate /m);
    expect(r.stderr.endsWith("If it used to work for this object file but now doesn't, see --legacy option for more details.\n\n")).toBe(true);
    const typed = bpfscope(['--state', state, 'prog', 'loadall', objects().tc_legacy!, '/sys/fs/bpf/legacy', 'type', 'action']);
    expect(typed.status, typed.stderr).toBe(0);
    const shown = bpfscope(['--state', state, '-j', 'prog', 'show']);
    expect((JSON.parse(shown.stdout) as { type: string }[]).map((p) => p.type)).toEqual(['sched_act', 'sched_act']);
  });

  it('bad input: legacy maps whose section is not a multiple of its map symbols', () => {
    const file = objects().bad_maps!;
    const r = bpfscope(['--object', file, 'prog', 'show']);
    expect(r.status).toBe(255);
    expect(r.stderr).toBe(`Error: ${file}: section maps: legacy map definitions: section size 64 is not a multiple of its 3 map symbols (libbpf: unable to determine legacy map definition size)\n`);
  });
});
