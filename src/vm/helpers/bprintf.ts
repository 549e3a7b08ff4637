import { EINVAL, ENOSPC } from '../../errno.js';
import type { AddressSpace } from '../memory/address-space.js';
import { tryRead, tryReadString } from './memory.js';

/**
 * The kernel's printf for BPF (bpf_bprintf_prepare, then bstr_printf), shared by
 * bpf_trace_printk, bpf_trace_vprintk and bpf_snprintf.
 *
 * What a format may hold (anything else is -EINVAL): printable ASCII and whitespace;
 * `%%`; conversions with optional flags `0 + - space` and a width (no precision, no h
 * or z) among %d %i %u %x %X with l or ll, %c, %s, %pks, %pus (strings), %p, %pK, %px,
 * %ps, %pS, %pB (pointers), %pI4 %pi4 %pI6 %pi6 (addresses read through the pointer),
 * and no more conversions than arguments. Arguments are staged in a 512-byte buffer as
 * the kernel stages them (-ENOSPC when they do not fit; strings cut to what is left).
 *
 * Where the VM differs: %p and %pK print the address as %px does (the kernel prints a
 * hashed id, or zeros, by kptr_restrict), and symbols (%ps %pS %pB) are never found, so
 * they print as `0x` and the address, as the kernel does for an address with no symbol.
 */

/** MAX_BPRINTF_BIN_ARGS: the buffer the arguments are staged in. */
const BIN_ARGS_SIZE = 512;

const isPunct = (c: number) => (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isPrint = (c: number) => c >= 0x20 && c <= 0x7e;
const isAlnum = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const ch = (s: string) => s.charCodeAt(0);

interface Spec {
  left: boolean;
  plus: boolean;
  space: boolean;
  zero: boolean;
  /** -1 when none was given. */
  width: number;
}

class Output {
  private readonly parts: number[] = [];

  text(bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) this.parts.push(bytes[i]!);
  }

  ascii(s: string): void {
    for (let i = 0; i < s.length; i++) this.parts.push(s.charCodeAt(i));
  }

  /** A string conversion's bytes, padded with spaces to the width. */
  padded(bytes: ArrayLike<number>, spec: Spec): void {
    const pad = Math.max(0, spec.width - bytes.length);
    if (!spec.left) this.ascii(' '.repeat(pad));
    this.text(bytes);
    if (spec.left) this.ascii(' '.repeat(pad));
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** vsprintf's number(): sign, then zero or space padding to the width. */
function number(out: Output, digits: string, negative: boolean, signed: boolean, spec: Spec): void {
  let sign = '';
  if (signed) sign = negative ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  const pad = Math.max(0, spec.width - sign.length - digits.length);
  if (spec.left) out.ascii(sign + digits + ' '.repeat(pad));
  else if (spec.zero) out.ascii(sign + '0'.repeat(pad) + digits);
  else out.ascii(' '.repeat(pad) + sign + digits);
}

function ipString(bytes: Uint8Array, kind: string): string {
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  switch (kind) {
    case 'I4':
      return [...bytes].join('.');
    case 'i4':
      return [...bytes].map((b) => String(b).padStart(3, '0')).join('.');
    case 'I6':
      return Array.from({ length: 8 }, (_, i) => hex((bytes[2 * i]! << 8) | bytes[2 * i + 1]!, 4)).join(':');
    default:
      return [...bytes].map((b) => hex(b, 2)).join('');
  }
}

/**
 * Formats `fmt` (its bytes up to, not including, the NUL) with `args`: the output, or
 * a negative errno for a format the kernel refuses.
 */
export function bprintf(memory: AddressSpace, fmt: Uint8Array, args: readonly bigint[]): Uint8Array | number {
  const out = new Output();
  // Bytes of the staging buffer used (a conversion is only reached with arguments, so with a buffer).
  let staged = 0;
  const room = () => BIN_ARGS_SIZE - staged;
  const stageInt = (size: number): boolean => {
    staged = Math.ceil(staged / 4) * 4;
    if (room() < size) return false;
    staged += size;
    return true;
  };
  let spec = 0;
  const n = fmt.length;
  const at = (i: number) => (i < n ? fmt[i]! : 0);
  for (let i = 0; i < n; i++) {
    const c = fmt[i]!;
    if (c > 0x7f || (!isPrint(c) && !isSpace(c))) return -EINVAL;
    if (c !== ch('%')) {
      out.text([c]);
      continue;
    }
    if (at(i + 1) === ch('%')) {
      out.ascii('%');
      i++;
      continue;
    }
    if (spec >= args.length) return -EINVAL;
    const arg = args[spec]!;
    i++;
    const f: Spec = { left: false, plus: false, space: false, zero: false, width: -1 };
    for (;;) {
      const x = at(i);
      if (x === ch('0')) f.zero = true;
      else if (x === ch('+')) f.plus = true;
      else if (x === ch('-')) f.left = true;
      else if (x === ch(' ')) f.space = true;
      else break;
      i++;
    }
    if (f.left) f.zero = false;
    if (at(i) >= ch('1') && at(i) <= ch('9')) {
      let w = 0;
      while (at(i) >= ch('0') && at(i) <= ch('9')) w = Math.min(w * 10 + at(i++) - ch('0'), 1 << 20);
      f.width = w;
    }
    const conv = at(i);
    if (conv === ch('p')) {
      const next = at(i + 1);
      // bstr_printf skips every letter and digit after %p, whichever the prepare step took.
      let end = i + 1;
      while (isAlnum(at(end))) end++;
      if ((next === ch('k') || next === ch('u')) && at(i + 2) === ch('s')) {
        if (!stringTail(at(i + 3))) return -EINVAL;
        const r = stageString(memory, arg, next === ch('u'), room());
        if (r === undefined) return -ENOSPC;
        staged += r.used;
        out.padded(r.text, f);
      } else if (next === 0 || isSpace(next) || isPunct(next) || next === ch('K') || next === ch('x') || next === ch('s') || next === ch('S')) {
        if (!stageInt(8)) return -ENOSPC;
        const address = BigInt.asUintN(64, arg);
        if (next === ch('s') || next === ch('S')) out.padded(new TextEncoder().encode(`0x${address.toString(16)}`), f);
        else number(out, address.toString(16).padStart(f.width < 0 ? 16 : 0, '0'), false, false, f.width < 0 ? { ...f, zero: true } : f);
      } else if (next === ch('B')) {
        const text = `0x${BigInt.asUintN(64, arg).toString(16)}`;
        staged += text.length + 1;
        out.padded(new TextEncoder().encode(text), f);
      } else if ((next === ch('i') || next === ch('I')) && (at(i + 2) === ch('4') || at(i + 2) === ch('6'))) {
        const size = at(i + 2) === ch('4') ? 4 : 16;
        if (room() < size) return -ENOSPC;
        const bytes = tryRead(memory, BigInt.asUintN(64, arg), size) ?? new Uint8Array(size);
        const text = ipString(bytes, String.fromCharCode(next, at(i + 2)));
        staged += text.length + 1;
        out.padded(new TextEncoder().encode(text), f);
      } else {
        return -EINVAL;
      }
      i = end - 1;
      spec++;
      continue;
    }
    if (conv === ch('s')) {
      if (!stringTail(at(i + 1))) return -EINVAL;
      // %s reads kernel memory on x86-64 (strncpy_from_kernel_nofault).
      const r = stageString(memory, arg, false, room());
      if (r === undefined) return -ENOSPC;
      staged += r.used;
      out.padded(r.text, f);
      spec++;
      continue;
    }
    if (conv === ch('c')) {
      if (room() === 0) return -ENOSPC;
      staged += 1;
      out.padded([Number(arg & 0xffn)], f);
      spec++;
      continue;
    }
    let size = 4;
    if (at(i) === ch('l')) {
      size = 8;
      i++;
    }
    if (at(i) === ch('l')) i++;
    const k = at(i);
    if (k !== ch('i') && k !== ch('d') && k !== ch('u') && k !== ch('x') && k !== ch('X')) return -EINVAL;
    if (!stageInt(size)) return -ENOSPC;
    const bits = size * 8;
    if (k === ch('d') || k === ch('i')) {
      const v = BigInt.asIntN(bits, arg);
      number(out, (v < 0n ? -v : v).toString(), v < 0n, true, f);
    } else {
      const v = BigInt.asUintN(bits, arg);
      const digits = k === ch('u') ? v.toString() : k === ch('x') ? v.toString(16) : v.toString(16).toUpperCase();
      number(out, digits, false, false, f);
    }
    spec++;
  }
  return out.bytes();
}

/** After %s (and %pks, %pus) only the end, whitespace or punctuation may follow. */
function stringTail(c: number): boolean {
  return c === 0 || isSpace(c) || isPunct(c);
}

/**
 * A string argument as the kernel stages it: copied into what is left of the buffer
 * (cut to fit, NUL included), empty when unreadable. Undefined when nothing is left.
 */
function stageString(memory: AddressSpace, address: bigint, user: boolean, room: number): { text: Uint8Array; used: number } | undefined {
  if (room === 0) return undefined;
  const s = tryReadString(memory, BigInt.asUintN(64, address), room);
  if (!s) return { text: new Uint8Array(0), used: 1 };
  // strncpy_from_user_nofault counts an empty string as 0 bytes, the kernel copy as 1.
  const used = user && s.length === 1 ? 0 : s.length;
  return { text: s.subarray(0, s.length - 1), used };
}
