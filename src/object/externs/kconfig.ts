import { ExternError, type ErrorContext } from '../../errors.js';
import { findOwnType, type Btf } from '../../btf/index.js';
import type { LoadTarget } from '../target.js';
import type { KconfigExtern } from './model.js';

const TRISTATE = { n: 0n, y: 1n, m: 2n } as const;
const U64 = (1n << 64n) - 1n;

/** The `.kconfig` map's initial value being filled, and which externs got a value. */
export class KconfigValues {
  readonly data: Uint8Array;
  private readonly view: DataView;
  readonly set = new Set<KconfigExtern>();

  constructor(
    size: number,
    private readonly littleEndian: boolean,
    private readonly where: (ext: KconfigExtern) => ErrorContext,
    private readonly notes: string[],
  ) {
    this.data = new Uint8Array(size);
    this.view = new DataView(this.data.buffer);
  }

  /**
   * libbpf's resolution of the virtual `LINUX_*` externs from what it probes in the
   * kernel; here the target answers. A weak `LINUX_*` it does not know stays zero.
   */
  setVirtual(ext: KconfigExtern, target: LoadTarget): void {
    let value: bigint;
    if (ext.name === 'LINUX_KERNEL_VERSION') {
      const version = target.kernelVersion();
      if (!version) {
        if (!ext.weak) throw this.error(ext, `extern (kcfg) '${ext.name}': failed to get kernel version`);
        this.notes.push(`extern (kcfg) '${ext.name}': the target's kernel version is unknown; it stays 0`);
        return;
      }
      value = BigInt(version);
    } else if (ext.name === 'LINUX_HAS_BPF_COOKIE') {
      value = hasBpfCookie(target.vmlinux()) ? 1n : 0n;
    } else if (ext.name === 'LINUX_HAS_SYSCALL_WRAPPER') {
      value = hasSyscallWrapper(target.vmlinux()) ? 1n : 0n;
    } else if (ext.name.startsWith('LINUX_') && ext.weak) {
      return;
    } else {
      throw this.error(ext, `extern (kcfg) '${ext.name}': unrecognized virtual extern`);
    }
    this.setNumber(ext, value);
  }

  /** libbpf's bpf_object__process_kconfig_line, for a line `NAME=value` whose NAME is this extern. */
  setFromConfig(ext: KconfigExtern, value: string): void {
    if (this.set.has(ext)) return;
    const first = value[0]!;
    if (first === 'y' || first === 'n' || first === 'm') this.setTristate(ext, first);
    else if (first === '"') this.setString(ext, value);
    else {
      const num = parseU64(value);
      if (num === undefined) throw this.error(ext, `extern (kcfg) '${ext.name}': value '${value}' isn't a valid integer`);
      if (ext.type !== 'int' && ext.type !== 'char') throw this.error(ext, `extern (kcfg) '${ext.name}': value '${value}' implies integer type`);
      this.setNumber(ext, num);
    }
  }

  /** libbpf's set_kcfg_value_tri. */
  private setTristate(ext: KconfigExtern, value: 'y' | 'n' | 'm'): void {
    switch (ext.type) {
      case 'bool':
        if (value === 'm') throw this.error(ext, `extern (kcfg) '${ext.name}': value '${value}' implies tristate or char type`);
        this.data[ext.offset] = value === 'y' ? 1 : 0;
        break;
      case 'tristate':
        this.view.setUint32(ext.offset, Number(TRISTATE[value]), this.littleEndian);
        break;
      case 'char':
        this.data[ext.offset] = value.charCodeAt(0);
        break;
      default:
        throw this.error(ext, `extern (kcfg) '${ext.name}': value '${value}' implies bool, tristate, or char type`);
    }
    this.set.add(ext);
  }

  /** libbpf's set_kcfg_value_str: the quotes stripped, cut to fit with its NUL (which libbpf warns of). */
  private setString(ext: KconfigExtern, value: string): void {
    if (ext.type !== 'chars') throw this.error(ext, `extern (kcfg) '${ext.name}': value '${value}' implies char array type`);
    if (value.length < 2 || !value.endsWith('"')) throw this.error(ext, `extern (kcfg) '${ext.name}': invalid string config '${value}'`);
    const bytes = Buffer.from(value.slice(1, -1), 'utf8');
    const len = Math.min(bytes.length, ext.size - 1);
    if (len < bytes.length) this.notes.push(`libbpf 1.x: extern (kcfg) '${ext.name}': long string '${value}' of (${bytes.length} bytes) truncated to ${len} bytes`);
    this.data.set(bytes.subarray(0, len), ext.offset);
    this.data[ext.offset + len] = 0;
    this.set.add(ext);
  }

  /** libbpf's set_kcfg_value_num, with its type and range checks. */
  private setNumber(ext: KconfigExtern, value: bigint): void {
    if (ext.type !== 'int' && ext.type !== 'char' && ext.type !== 'bool') {
      throw this.error(ext, `extern (kcfg) '${ext.name}': value '${value}' implies integer, char, or boolean type`);
    }
    if (ext.type === 'bool' && value > 1n) throw this.error(ext, `extern (kcfg) '${ext.name}': value '${value}' isn't boolean compatible`);
    if (!inRange(ext, value)) throw this.error(ext, `extern (kcfg) '${ext.name}': value '${value}' doesn't fit in ${ext.size} bytes`);
    switch (ext.size) {
      case 1:
        this.view.setUint8(ext.offset, Number(value & 0xffn));
        break;
      case 2:
        this.view.setUint16(ext.offset, Number(value & 0xffffn), this.littleEndian);
        break;
      case 4:
        this.view.setUint32(ext.offset, Number(value & 0xffffffffn), this.littleEndian);
        break;
      case 8:
        this.view.setBigUint64(ext.offset, value, this.littleEndian);
        break;
      default:
        throw this.error(ext, `extern (kcfg) '${ext.name}': a number does not fit its ${ext.size} bytes`);
    }
    this.set.add(ext);
  }

  private error(ext: KconfigExtern, reason: string): ExternError {
    return new ExternError(reason, this.where(ext));
  }
}

/** libbpf's is_kcfg_value_in_range, in its unsigned 64-bit arithmetic. */
function inRange(ext: KconfigExtern, v: bigint): boolean {
  if (ext.size === 8) return true;
  const bits = BigInt(ext.size * 8);
  if (ext.signed) return ((v + (1n << (bits - 1n))) & U64) < 1n << bits;
  return v >> bits === 0n;
}

/**
 * C's strtoull with base 0, as libbpf's parse_u64 uses it: optional sign, `0x` hex,
 * leading-zero octal or decimal, all of the text consumed; a minus negates modulo
 * 2^64; undefined where it would fail (nothing parsed, text left over, overflow).
 */
export function parseU64(text: string): bigint | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!m) return undefined;
  const digits = m[2]!;
  const v = /^0[0-7]+$/.test(digits) ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
  if (v > U64) return undefined;
  return m[1] === '-' ? (U64 + 1n - v) & U64 : v;
}

/** The arch prefix of syscall wrappers (libbpf's arch_specific_syscall_pfx), for the host libbpf would run on. */
function syscallPrefix(): string | undefined {
  const prefixes: Partial<Record<NodeJS.Architecture, string>> = { x64: 'x64', ia32: 'ia32', arm: 'arm', arm64: 'arm64', s390x: 's390x', s390: 's390', mips: 'mips', riscv64: 'riscv', ppc64: 'powerpc', ppc: 'powerpc' };
  return prefixes[process.arch];
}

/**
 * libbpf's probe attaches a kprobe to `__<arch>_sys_bpf`. It succeeds when the kernel
 * has that wrapper and kprobes to put on it: both show in the kernel's BTF as
 * functions (the kprobe core's register_kprobe is built only with CONFIG_KPROBES).
 */
function hasSyscallWrapper(vmlinux: Btf | undefined): boolean {
  const prefix = syscallPrefix();
  if (!vmlinux || !prefix) return false;
  return findOwnType(vmlinux, `__${prefix}_sys_bpf`, 'FUNC') !== undefined && findOwnType(vmlinux, 'register_kprobe', 'FUNC') !== undefined;
}

/** libbpf's probe loads a program that calls bpf_get_attach_cookie: the kernel knows the helper when its BTF enum does. */
function hasBpfCookie(vmlinux: Btf | undefined): boolean {
  const id = vmlinux && findOwnType(vmlinux, 'bpf_func_id', 'ENUM');
  const ids = id === undefined ? undefined : vmlinux!.type(id);
  return ids?.kind === 'ENUM' && ids.values.some((v) => v.name === 'BPF_FUNC_get_attach_cookie');
}
