import { BtfError } from '../errors.js';
import type { Btf } from './btf.js';
import { MAX_NESTING } from './limits.js';
import { resolveSize } from './resolve-size.js';
import type { TypeTable } from './type-table.js';
import { BTF_KIND } from './types.js';

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
  const table = btf.table();
  for (let id = btf.startId; id < btf.typeCount; id++) {
    if (table.kinds[id]! !== BTF_KIND.INT) continue;
    const size = table.size(id);
    if ((size === 4 || size === 8) && LONG_NAMES.has(table.name(id))) return size;
  }
  return 8;
}

export class Layout {
  /** Alignments worked out so far, by id; -1 where not yet. */
  private readonly aligns: Int32Array;

  constructor(
    private readonly table: TypeTable,
    readonly ptrSize: number,
  ) {
    this.aligns = new Int32Array(table.count).fill(-1);
  }

  /**
   * Natural alignment in bytes, 0 where libbpf cannot tell (void, functions, forward
   * declarations). A struct whose members sit off their alignment, or whose size is
   * not a multiple of it, counts as packed: alignment 1.
   */
  alignOf(id: number, depth = 0): number {
    const known = this.aligns[id]!;
    if (known >= 0) return known;
    // A loop of references has no alignment; treat it like an unknown kind.
    if (depth > MAX_NESTING) return 0;
    const table = this.table;
    let align: number;
    switch (table.kinds[id]!) {
      case BTF_KIND.INT:
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64:
      case BTF_KIND.FLOAT:
        align = Math.min(this.ptrSize, table.size(id));
        break;
      case BTF_KIND.PTR:
        align = this.ptrSize;
        break;
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.TYPE_TAG:
      case BTF_KIND.ARRAY:
        align = this.alignOf(table.refs[id]!, depth + 1);
        break;
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
        align = this.compositeAlign(id, depth);
        break;
      default:
        align = 0;
    }
    this.aligns[id] = align;
    return align;
  }

  private compositeAlign(id: number, depth: number): number {
    const table = this.table;
    const w = table.words;
    const kindFlag = table.kindFlag(id);
    let max = 1;
    for (let k = 0, n = table.vlen(id), e = table.entry(id, 0, 3); k < n; k++, e += 3) {
      const a = this.alignOf(w[e + 1]!, depth + 1);
      if (a <= 0) return a;
      max = Math.max(max, a);
      const raw = w[e + 2]!;
      if ((!kindFlag || raw >>> 24 === 0) && (kindFlag ? raw & 0xffffff : raw) % (8 * a) !== 0) return 1;
    }
    return table.size(id) % max !== 0 ? 1 : max;
  }

  /** btf__resolve_size (resolve-size.ts) at this pointer size: bytes, or a negative errno where libbpf fails (it then prints no padding for it). */
  resolveSize(id: number): number {
    return resolveSize(this.table, id, this.ptrSize);
  }

  /**
   * libbpf's guess that a struct was declared packed: a non-bitfield member off its
   * natural alignment, or a size that is not a multiple of the largest alignment.
   */
  isPacked(id: number): boolean {
    const table = this.table;
    const w = table.words;
    const kindFlag = table.kindFlag(id);
    let max = 1;
    for (let k = 0, n = table.vlen(id), e = table.entry(id, 0, 3); k < n; k++, e += 3) {
      const a = this.alignOf(w[e + 1]!);
      const raw = w[e + 2]!;
      if (a && (!kindFlag || raw >>> 24 === 0) && (kindFlag ? raw & 0xffffff : raw) % (8 * a) !== 0) return true;
      max = Math.max(a, max);
    }
    return table.size(id) % max !== 0;
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
