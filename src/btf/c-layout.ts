import { BtfError } from '../errors.js';
import type { Btf } from './btf.js';
import { MAX_NESTING } from './limits.js';
import type { BtfComposite } from './types.js';

/**
 * Layout arithmetic as libbpf's BTF-to-C dumper does it (btf__align_of,
 * btf__resolve_size, its packed-struct guess and its padding markers). The rules
 * are libbpf's, including where they give up (an alignment of 0, a size of -1):
 * `format c` output must come out byte for byte the same.
 */

/** Integer names libbpf takes as `long` when guessing the pointer size. */
const LONG_NAMES = new Set([
  'long',
  'long int',
  'int long',
  'unsigned long',
  'long unsigned',
  'unsigned long int',
  'unsigned int long',
  'long unsigned int',
  'long int unsigned',
  'int unsigned long',
  'int long unsigned',
]);

/** libbpf's chain limit for size resolution. */
const MAX_RESOLVE_DEPTH = 32;

/**
 * The widest gap padding() fills: 2^22 bits (512 KiB, 65536 `long: 64;` lines). libbpf
 * pads any gap, and a corrupt member offset or struct size (up to 2^32 bytes) would have
 * it print gigabytes; past this bound the gap is taken for what it is, corruption.
 */
const MAX_PADDING_BITS = 1 << 22;

/**
 * The pointer size the BTF was built for: the size of its first 4- or 8-byte integer
 * named like `long` (the base's answer for split BTF), else 8, the size on the
 * 64-bit hosts bpftool runs on.
 */
export function pointerSize(btf: Btf): number {
  if (btf.base) return pointerSize(btf.base);
  for (let id = btf.startId; id < btf.typeCount; id++) {
    // kind() first: only the ints are decoded, and only up to the first long.
    if (btf.kind(id) !== 'INT') continue;
    const t = btf.typeOf(id, 'INT');
    if ((t.size === 4 || t.size === 8) && LONG_NAMES.has(t.name)) return t.size;
  }
  return 8;
}

export class Layout {
  private readonly aligns = new Map<number, number>();

  constructor(
    private readonly btf: Btf,
    readonly ptrSize: number,
  ) {}

  /**
   * Natural alignment in bytes, 0 where libbpf cannot tell (void, functions, forward
   * declarations). A struct whose members sit off their alignment, or whose size is
   * not a multiple of it, counts as packed: alignment 1.
   */
  alignOf(id: number, depth = 0): number {
    const known = this.aligns.get(id);
    if (known !== undefined) return known;
    // A loop of references has no alignment; treat it like an unknown kind.
    if (depth > MAX_NESTING) return 0;
    const t = this.btf.type(id);
    let align: number;
    switch (t.kind) {
      case 'INT':
      case 'ENUM':
      case 'ENUM64':
      case 'FLOAT':
        align = Math.min(this.ptrSize, t.size);
        break;
      case 'PTR':
        align = this.ptrSize;
        break;
      case 'TYPEDEF':
      case 'VOLATILE':
      case 'CONST':
      case 'RESTRICT':
      case 'TYPE_TAG':
      case 'ARRAY':
        align = this.alignOf(t.type, depth + 1);
        break;
      case 'STRUCT':
      case 'UNION':
        align = this.compositeAlign(t, depth);
        break;
      default:
        align = 0;
    }
    this.aligns.set(id, align);
    return align;
  }

  private compositeAlign(t: BtfComposite<'STRUCT' | 'UNION'>, depth: number): number {
    let max = 1;
    for (const m of t.members) {
      const a = this.alignOf(m.type, depth + 1);
      if (a <= 0) return a;
      max = Math.max(max, a);
      if (m.bitfieldSize === 0 && m.bitOffset % (8 * a) !== 0) return 1;
    }
    return t.size % max !== 0 ? 1 : max;
  }

  /** btf__resolve_size: bytes, or -1 where libbpf fails (it then prints no padding for it). */
  resolveSize(id: number): number {
    let nelems = 1;
    let cur = id;
    for (let i = 0; i < MAX_RESOLVE_DEPTH && cur !== 0; i++) {
      const t = this.btf.type(cur);
      switch (t.kind) {
        case 'INT':
        case 'STRUCT':
        case 'UNION':
        case 'ENUM':
        case 'ENUM64':
        case 'DATASEC':
        case 'FLOAT':
          return nelems && t.size > 0xffffffff / nelems ? -1 : nelems * t.size;
        case 'PTR':
          return nelems * this.ptrSize;
        case 'TYPEDEF':
        case 'VOLATILE':
        case 'CONST':
        case 'RESTRICT':
        case 'VAR':
        case 'DECL_TAG':
        case 'TYPE_TAG':
          cur = t.type;
          break;
        case 'ARRAY':
          if (nelems && t.nelems > 0xffffffff / nelems) return -1;
          nelems *= t.nelems;
          cur = t.type;
          break;
        default:
          return -1;
      }
    }
    return -1;
  }

  /**
   * libbpf's guess that a struct was declared packed: a non-bitfield member off its
   * natural alignment, or a size that is not a multiple of the largest alignment.
   */
  isPacked(t: BtfComposite<'STRUCT' | 'UNION'>): boolean {
    let max = 1;
    for (const m of t.members) {
      const a = this.alignOf(m.type);
      if (a && m.bitfieldSize === 0 && m.bitOffset % (8 * a) !== 0) return true;
      max = Math.max(a, max);
    }
    return t.size % max !== 0;
  }

  /**
   * The anonymous bitfield members that move the layout from bit `cur` to bit `next`
   * (each `\n<indent><type>: <bits>;`). The widest of long/int/short/char that lands
   * on or before `next` is used to align; an explicit `<type>: 0` forces alignment
   * where the compiler would not align by itself.
   */
  padding(cur: number, next: number, nextAlign: number, inBitfield: boolean, indent: string): string {
    if (cur >= next) return '';
    if (next - cur > MAX_PADDING_BITS) throw new BtfError(`a gap of ${next - cur} bits between members (from bit ${cur} to ${next}) is too large to pad`);
    const pads: [string, number][] = [
      ['long', this.ptrSize * 8],
      ['int', 32],
      ['short', 16],
      ['char', 8],
    ];
    let out = '';
    let i = 0;
    while (i < pads.length - 1 && roundUp(cur, pads[i]![1]) > next) i++;
    let [padType, padBits] = pads[i]!;
    const aligned = roundUp(cur, padBits);
    if (aligned > cur && aligned <= next) {
      const compilerWouldNotAlign = aligned === next && roundUp(cur, nextAlign * 8) !== aligned;
      const nextWouldFitTheHole = aligned !== next && next - aligned <= aligned - cur;
      if (inBitfield || compilerWouldNotAlign || nextWouldFitTheHole) {
        out += `\n${indent}${padType}: ${inBitfield ? aligned - cur : 0};`;
      }
      cur = aligned;
    }
    while (cur !== next) {
      const bits = Math.min(next - cur, padBits);
      if (bits === padBits) {
        out += `\n${indent}${padType}: ${padBits};`;
        cur += bits;
        continue;
      }
      // The remainder: the smallest type that holds it, for readability.
      for (let j = pads.length - 1; j >= 0; j--) {
        const [name, width] = pads[j]!;
        padType = name;
        padBits = width;
        if (width < bits) continue;
        out += `\n${indent}${name}: ${bits};`;
        cur += bits;
        break;
      }
    }
    return out;
  }
}

function roundUp(x: number, to: number): number {
  return to === 0 ? x : Math.ceil(x / to) * to;
}
