import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bpfscope } from '../../helpers/cli.js';
import { compileBpf, missing, OBJECTS, skipReason } from '../../helpers/env.js';

/**
 * Externs against the machine's libbpf: libbpf-externs.c (beside this file) loads an
 * object with libbpf, every program's autoload off, so libbpf resolves the externs
 * against this kernel and creates the maps, and prints the `.kconfig` map's value or
 * libbpf's warnings. bpfscope, given the same kernel config (`--kconfig`) and the
 * running kernel as its target, must fill the map with the same bytes, and where
 * libbpf refuses, fail with one line whose reason is one of libbpf's warnings.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const reason =
  missing({ clang: true, root: true }) ??
  (existsSync('/usr/include/bpf/libbpf.h') ? undefined : 'libbpf-dev is not installed (apt-get install libbpf-dev)') ??
  (spawnSync('sh', ['-c', 'command -v gcc'], { stdio: 'ignore' }).status === 0 ? undefined : 'gcc is not installed') ??
  (existsSync('/sys/kernel/btf/vmlinux') ? undefined : 'the kernel has no BTF (/sys/kernel/btf/vmlinux)');
const skip = skipReason(reason, 'the libbpf extern comparisons');

const HEADER = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
char LICENSE[] SEC("license") = "GPL";
`;

/** The committed sample's externs all set, as a config file says them. */
const FULL = {
  CONFIG_BPF_SYSCALL: 'y',
  CONFIG_BPF_JIT: 'y',
  CONFIG_HZ: '1000',
  CONFIG_NR_CPUS: '0x40',
  CONFIG_DEFAULT_HOSTNAME: '"bpfscope"',
};

function configText(values: Record<string, string>, extra = ''): string {
  return `${Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n${extra}`;
}

describe.skipIf(skip)('externs as the machine libbpf resolves them', () => {
  let dir = '';
  let harness = '';
  let n = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpfscope-externs-'));
    harness = join(dir, 'libbpf-externs');
    execFileSync('gcc', ['-O2', '-Wall', '-o', harness, join(HERE, 'libbpf-externs.c'), '-lbpf']);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const object = (source: string): string => {
    const src = join(dir, `case${++n}.c`);
    writeFileSync(src, HEADER + source);
    compileBpf(src, src.replace(/\.c$/, '.o'));
    return src.replace(/\.c$/, '.o');
  };
  const configFile = (text: string): string => {
    const path = join(dir, `config${++n}`);
    writeFileSync(path, text);
    return path;
  };
  const libbpf = (obj: string, config?: string): { ok: boolean; maps: Map<string, string>; warnings: string[] } => {
    const r = spawnSync(harness, config ? [obj, config] : [obj], { encoding: 'utf8' });
    const maps = new Map(
      r.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.split(' ')[0]!, l.split(' ').slice(1).join(' ')] as const),
    );
    return { ok: r.status === 0, maps, warnings: r.stderr.split('\n').map((l) => l.replace(/^libbpf: /, '')) };
  };
  const ourValue = (obj: string, map: string, config?: string): string => {
    const r = bpfscope(['-j', ...(config ? ['--kconfig', config] : []), '--object', obj, 'map', 'dump', 'name', map]);
    expect(r.status, r.stderr).toBe(0);
    const [entry] = JSON.parse(r.stdout) as { value: string[] }[];
    return entry!.value.map((b) => b.slice(2)).join(' ');
  };
  /** bpfscope's one error line and its reason, after the place it names. */
  const ourError = (obj: string, config?: string): { line: string; reason: string } => {
    const r = bpfscope([...(config ? ['--kconfig', config] : []), '--object', obj, 'prog', 'show']);
    expect(r.status).toBe(255);
    const lines = r.stderr.trimEnd().split('\n').filter((l) => !l.startsWith('note: '));
    expect(lines).toHaveLength(1);
    const m = /^Error: .*?: (?:section [^:]+: )?(?:program [^:]+: )?(?:insn \d+: )?(.*)$/.exec(lines[0]!);
    return { line: lines[0]!, reason: m![1]! };
  };

  describe('kconfig values read from a config file fill the .kconfig map as libbpf fills it', () => {
    const sample = join(OBJECTS, 'kconfig.o');
    it.each([
      ['the sample config', configText(FULL)],
      ['signed, octal and empty', configText({ ...FULL, CONFIG_HZ: '-5', CONFIG_NR_CPUS: '0777', CONFIG_DEFAULT_HOSTNAME: '""', CONFIG_BPF_SYSCALL: 'm', CONFIG_BPF_JIT: 'n' })],
      ['u64 from -1, the first of two lines', configText({ ...FULL, CONFIG_NR_CPUS: '-1' }, 'CONFIG_HZ=300\n')],
      ['comments and unrelated lines', configText(FULL, '# CONFIG_BPFSCOPE_NOT_A_CONFIG is not set\nCONFIG_OTHER=m\n')],
    ])('%s', (_name, text) => {
      const config = configFile(text);
      const theirs = libbpf(sample, config);
      expect(theirs.ok, theirs.warnings.join('\n')).toBe(true);
      expect(ourValue(sample, 'kconfig.kconfig', config)).toBe(theirs.maps.get('kconfig.kconfig'));
    });
  });

  describe('a kconfig value of the wrong type or size fails with libbpf\'s reason', () => {
    const sample = join(OBJECTS, 'kconfig.o');
    it.each([
      ['an int given y', { CONFIG_HZ: 'y' }],
      ['a bool given m', { CONFIG_BPF_JIT: 'm' }],
      ['a bool given a number', { CONFIG_BPF_JIT: '1' }],
      ['an int too big for 4 bytes', { CONFIG_HZ: '4294967296' }],
      ['an int given a string', { CONFIG_HZ: '"1000"' }],
      ['a string given a number', { CONFIG_DEFAULT_HOSTNAME: '5' }],
      ['an unterminated string', { CONFIG_DEFAULT_HOSTNAME: '"open' }],
      ['not a number', { CONFIG_HZ: '12abc' }],
      ['a tristate given a number', { CONFIG_BPF_SYSCALL: '2' }],
      ['no value at all', { CONFIG_HZ: '' }],
    ])('%s', (_name, change) => {
      const config = configFile(configText({ ...FULL, ...change }));
      const theirs = libbpf(sample, config);
      expect(theirs.ok).toBe(false);
      const ours = ourError(sample, config);
      expect(ours.line).toMatch(/: section socket: program kconfig_values: insn \d+: /);
      expect(theirs.warnings).toContain(ours.reason);
    });
  });

  it('virtual LINUX_ externs and small integer types get what libbpf probes on this kernel', () => {
    const obj = object(`
extern int LINUX_KERNEL_VERSION __kconfig;
extern _Bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;
extern _Bool LINUX_HAS_BPF_COOKIE __kconfig;
extern int LINUX_BPFSCOPE_UNKNOWN __kconfig __weak;
extern char CONFIG_BPF_JIT __kconfig;
extern short CONFIG_HZ __kconfig;
extern unsigned char CONFIG_BPFSCOPE_MISSING __kconfig __weak;
SEC("socket") int p(void *ctx) {
	return LINUX_KERNEL_VERSION + LINUX_HAS_SYSCALL_WRAPPER + LINUX_HAS_BPF_COOKIE + LINUX_BPFSCOPE_UNKNOWN + CONFIG_BPF_JIT + CONFIG_HZ + CONFIG_BPFSCOPE_MISSING;
}`);
    const theirs = libbpf(obj);
    expect(theirs.ok, theirs.warnings.join('\n')).toBe(true);
    const name = [...theirs.maps.keys()].find((k) => k.endsWith('.kconfig'))!;
    expect(ourValue(obj, name)).toBe(theirs.maps.get(name));
  });

  describe('externs libbpf refuses fail with its reason, at the extern\'s first use', () => {
    it.each([
      ['a kconfig extern of a struct type', 'struct s { int a; };\nextern struct s CONFIG_BPFSCOPE_S __kconfig;\nSEC("socket") int p(void *ctx) { return CONFIG_BPFSCOPE_S.a; }'],
      ['an unknown strong LINUX_ extern', 'extern int LINUX_BPFSCOPE_UNKNOWN __kconfig;\nSEC("socket") int p(void *ctx) { return LINUX_BPFSCOPE_UNKNOWN; }'],
      ['a kconfig extern neither CONFIG_ nor LINUX_', 'extern int BPFSCOPE_X __kconfig __weak;\nSEC("socket") int p(void *ctx) { return BPFSCOPE_X; }'],
      ['a strong CONFIG_ no config has', 'extern int CONFIG_BPFSCOPE_MISSING __kconfig;\nSEC("socket") int p(void *ctx) { return CONFIG_BPFSCOPE_MISSING; }'],
      ['an extern in a section of its own', 'extern int bpfscope_x __attribute__((section(".foo")));\nSEC("socket") int p(void *ctx) { return bpfscope_x; }'],
      ['a typed ksym of the wrong type', 'struct s { int a; };\nextern const struct s bpf_prog_active __ksym;\nSEC("socket") long p(void *ctx) { return (long)&bpf_prog_active; }'],
      ['a strong typed ksym the kernel lacks', 'extern const int bpfscope_missing __ksym;\nSEC("socket") long p(void *ctx) { return (long)&bpfscope_missing; }'],
      ['a strong typeless ksym kallsyms lack', 'extern void bpfscope_missing __ksym;\nSEC("socket") long p(void *ctx) { return (long)&bpfscope_missing; }'],
      ['a kfunc of another prototype', 'extern void *bpf_cpumask_create(int x) __ksym;\nSEC("tp_btf/task_newtask") int p(void *ctx) { return bpf_cpumask_create(1) != 0; }'],
      ['a strong kfunc the kernel lacks', 'extern void bpfscope_missing_kfunc(void) __ksym;\nSEC("tp_btf/task_newtask") int p(void *ctx) { bpfscope_missing_kfunc(); return 0; }'],
    ])('%s', (_name, source) => {
      const obj = object(source);
      const theirs = libbpf(obj);
      expect(theirs.ok).toBe(false);
      const ours = ourError(obj);
      expect(ours.line).toMatch(/: section [^:]+: program p: insn \d+: /);
      expect(theirs.warnings).toContain(ours.reason);
    });
  });

  it('an extern only the static linker resolves: libbpf refuses the object, bpfscope notes libbpf\'s reason and shows it as compiled', () => {
    const obj = object('extern int fwd(void);\nSEC("socket") int p(void *ctx) { return fwd(); }');
    const theirs = libbpf(obj);
    expect(theirs.ok).toBe(false);
    const r = bpfscope(['--object', obj, 'prog', 'dump', 'xlated', 'name', 'p']);
    expect(r.status, r.stderr).toBe(0);
    const note = /^note: .*?: libbpf 1\.x: (.*); only the BPF static linker resolves fwd, left as compiled where used$/m.exec(r.stderr);
    expect(note, r.stderr).not.toBeNull();
    expect(theirs.warnings).toContain(note![1]);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    // As compiled: llvm-objdump's `call -1` is bpftool's `call pc-1`.
    const objdump = execFileSync('llvm-objdump', ['-d', obj], { encoding: 'utf8' });
    expect(objdump).toMatch(/85 10 00 00 ff ff ff ff\tcall -1/);
    expect(r.stdout).toMatch(/\(85\) call pc-1\n/);
  });
});
