import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { release } from 'node:os';
import { BpfscopeError, ObjectError } from '../errors.js';
import { findElfSection } from '../elf/index.js';
import { parseBtf, type Btf } from '../btf/index.js';

/**
 * The kernel a load is for: what libbpf reads from the running system to finish an
 * object (CO-RE against the kernel's BTF, kfuncs and typed ksyms by BTF id, kconfig
 * externs, typeless ksyms by address). Every part is read when first asked for, so
 * objects that need none of it cost nothing.
 */
export interface LoadTarget {
  /** Where the BTF comes from, for messages: a path, or undefined when there is none. */
  readonly btfSource: string | undefined;
  /** The kernel's (vmlinux) BTF, or undefined when there is no target BTF at all. */
  vmlinux(): Btf | undefined;
  /** Module BTF split on vmlinux's, in the order libbpf searches them (by module name). */
  modules(): readonly { name: string; btf: Btf }[];
  /** CONFIG_* values as the config file spells them (`y`, `m`, `"text"`, `123`, `0x10`); undefined when none was found. */
  kconfig(): ReadonlyMap<string, string> | undefined;
  /** LINUX_KERNEL_VERSION: KERNEL_VERSION(a, b, c) of the target, 0 when unknown. */
  kernelVersion(): number;
  /** Kernel symbol addresses (ksyms), undefined when unknown. */
  kallsyms(): KernelSymbols | undefined;
}

/** The kernel's symbol table, as /proc/kallsyms lists it. */
export interface KernelSymbols {
  /** Every distinct address listed for the name, in the file's order; empty when it is not there. */
  addresses(name: string): bigint[];
}

export interface LoadTargetOptions {
  /** `--btf-target FILE`: raw BTF or an ELF with .BTF; 'none' for no target BTF. Default: the running kernel's. */
  btf?: string | 'none';
  /** `--kconfig FILE` (plain or gzipped); default /boot/config-$(uname -r), then /proc/config.gz, as libbpf looks. */
  kconfig?: string;
  /** The kernel release for LINUX_KERNEL_VERSION; default the running kernel's (os.release()). */
  release?: string;
}

const SYS_BTF = '/sys/kernel/btf';

/** A target built from files; with no options, the running kernel as libbpf sees it. */
export function loadTarget(options: LoadTargetOptions = {}): LoadTarget {
  const btfPath = options.btf === 'none' ? undefined : options.btf ?? (existsSync(`${SYS_BTF}/vmlinux`) ? `${SYS_BTF}/vmlinux` : undefined);
  const running = options.btf === undefined;
  let vmlinux: Btf | undefined | null = null;
  let modules: { name: string; btf: Btf }[] | undefined;
  let kconfig: ReadonlyMap<string, string> | undefined | null = null;
  let kallsyms: KernelSymbols | undefined | null = null;
  const target: LoadTarget = {
    btfSource: btfPath,
    vmlinux: () => {
      if (vmlinux === null) vmlinux = btfPath === undefined ? undefined : readTargetBtf(btfPath);
      return vmlinux;
    },
    modules: () => {
      // Module BTF belongs to the running kernel: another kernel's vmlinux gets none.
      modules ??= running ? runningModules(target.vmlinux()) : [];
      return modules;
    },
    kconfig: () => {
      if (kconfig === null) kconfig = readKconfig(options.kconfig);
      return kconfig;
    },
    kernelVersion: () => kernelVersionOf(options.release ?? release()),
    kallsyms: () => {
      if (kallsyms === null) kallsyms = running ? readKallsyms() : undefined;
      return kallsyms;
    },
  };
  return target;
}

/** A target with nothing: CO-RE left unapplied, externs as weak ones would be. */
export const NO_TARGET: LoadTarget = Object.freeze({
  btfSource: undefined,
  vmlinux: () => undefined,
  modules: () => [],
  kconfig: () => undefined,
  kernelVersion: () => 0,
  kallsyms: () => undefined,
});

/**
 * Target BTFs already parsed in this process, by path, with the file's identity when read:
 * a test suite or a batch opens many objects for the same kernel, and parsing vmlinux's
 * BTF costs each open tens of milliseconds. A file changed since is read again.
 */
const parsedTargets = new Map<string, { stamp: string; btf: Btf }>();
/** Module BTFs split on a vmlinux BTF, with the module list they were read for. */
const parsedModules = new WeakMap<Btf, { names: string; list: { name: string; btf: Btf }[] }>();

function fileStamp(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return undefined;
  }
}

function readTargetBtf(path: string): Btf {
  const stamp = fileStamp(path);
  const known = parsedTargets.get(path);
  if (stamp !== undefined && known?.stamp === stamp) return known.btf;
  const btf = readBtfFile(path);
  if (stamp !== undefined) parsedTargets.set(path, { stamp, btf });
  return btf;
}

/** Raw BTF or the .BTF of an ELF file, split on `base` when given. */
export function readBtfFile(path: string, base?: Btf): Btf {
  const ctx = { file: path };
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ObjectError(`cannot read target BTF: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, ctx);
  }
  try {
    const isRaw = bytes.length >= 2 && ((bytes[0] === 0x9f && bytes[1] === 0xeb) || (bytes[0] === 0xeb && bytes[1] === 0x9f));
    const blob = isRaw ? bytes : findElfSection(bytes, '.BTF', path);
    if (!blob) throw new ObjectError('target BTF: neither raw BTF nor an ELF file with a .BTF section', ctx);
    return parseBtf(blob, base ? { base } : {});
  } catch (e) {
    if (e instanceof BpfscopeError) throw e.within(ctx);
    throw e;
  }
}

function runningModules(vmlinux: Btf | undefined): { name: string; btf: Btf }[] {
  if (!vmlinux) return [];
  let names: string[];
  try {
    names = readdirSync(SYS_BTF).filter((n) => n !== 'vmlinux').sort();
  } catch {
    return [];
  }
  const key = names.map((n) => `${n}@${fileStamp(`${SYS_BTF}/${n}`)}`).join('\0');
  const known = parsedModules.get(vmlinux);
  if (known?.names === key) return known.list;
  const out: { name: string; btf: Btf }[] = [];
  for (const name of names) {
    try {
      out.push({ name, btf: readBtfFile(`${SYS_BTF}/${name}`, vmlinux) });
    } catch {
      // A module whose BTF cannot be read is skipped, as libbpf skips it.
    }
  }
  parsedModules.set(vmlinux, { names: key, list: out });
  return out;
}

/** KERNEL_VERSION(a, b, c) of a release string such as `6.18.44-fc-v1300`. */
export function kernelVersionOf(rel: string): number {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(rel);
  if (!m) return 0;
  const [a, b, c] = [Number(m[1]), Number(m[2]), Math.min(Number(m[3] ?? 0), 255)];
  return (a << 16) + (b << 8) + c;
}

function readKconfig(path: string | undefined): ReadonlyMap<string, string> | undefined {
  const candidates = path !== undefined ? [path] : [`/boot/config-${release()}`, '/proc/config.gz'];
  for (const file of candidates) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      if (path !== undefined) throw new ObjectError('cannot read the kconfig file', { file });
      continue;
    }
    const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
    return parseKconfig(text);
  }
  return undefined;
}

/**
 * `CONFIG_X=value` lines, in file order; `# CONFIG_X is not set` and other comments say
 * nothing. As libbpf reads the file, the first line for a name wins.
 */
export function parseKconfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('CONFIG_')) continue;
    const eq = line.indexOf('=');
    const name = line.slice(0, eq);
    if (eq > 0 && !out.has(name)) out.set(name, line.slice(eq + 1).trim());
  }
  return out;
}

function readKallsyms(): KernelSymbols | undefined {
  try {
    return kallsymsFromText(readFileSync('/proc/kallsyms', 'latin1'));
  } catch {
    return undefined;
  }
}

/**
 * Symbols from kallsyms text (`ADDRESS TYPE NAME[\t[MODULE]]` lines). A load looks up a
 * handful of names among a hundred thousand, so each lookup searches the text rather
 * than the whole table being parsed.
 */
export function kallsymsFromText(text: string): KernelSymbols {
  return {
    addresses(name) {
      const out: bigint[] = [];
      if (name === '') return out;
      for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
        const end = at + name.length;
        const after = end === text.length ? 10 : text.charCodeAt(end);
        // The name is the third field: " T " before it, a newline or a tab (a module's) after.
        if ((after !== 10 && after !== 9) || at < 3 || text.charCodeAt(at - 1) !== 32 || text.charCodeAt(at - 3) !== 32) continue;
        const lineStart = text.lastIndexOf('\n', at - 3) + 1;
        const address = text.slice(lineStart, at - 3);
        if (!/^[0-9a-fA-F]+$/.test(address)) continue;
        const value = BigInt(`0x${address}`);
        if (!out.includes(value)) out.push(value);
      }
      return out;
    },
  };
}
