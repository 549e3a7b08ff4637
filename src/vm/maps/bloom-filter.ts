import { MAP_FLAG } from '../../object/index.js';
import { BaseMap } from './base.js';
import { round8 } from './bytes.js';
import { E2BIG, EINVAL, ENOENT, EOPNOTSUPP } from '../../errno.js';
import { mapHash } from './jhash.js';
import { ACCESS_MASK, accessFlagsOk, checkMemory, refuse, type MapFamily } from './family.js';
import { KERNEL_MAP_STRUCTS as S } from './kernel-structs.js';
import { UPDATE_FLAG } from './flags.js';
import type { MapAttrs, MapEntry, ResolvedOptions } from './types.js';

const BLOOM_FLAGS = MAP_FLAG.numaNode | MAP_FLAG.zeroSeed | ACCESS_MASK;
const KMALLOC_MAX_SIZE = 4 * 1024 * 1024;

/**
 * BPF_MAP_TYPE_BLOOM_FILTER: push adds a value, peek answers 0 when the value may have
 * been added and -ENOENT when it certainly was not. The bit array is sized as the
 * kernel sizes it (max_entries × hash functions × 7/5, rounded up to a power of two,
 * at least 64 bits) and value i of a push sets bit jhash(value, seed + i) as the
 * kernel's does; the kernel's seed is random unless BPF_F_ZERO_SEED, this one is
 * `hashSeed` (0 by default). With the same seed, the same values give false positives.
 */
export class BloomFilterMap extends BaseMap {
  private readonly bits: Uint32Array;
  private readonly mask: number;
  private readonly hashes: number;
  private readonly seed: number;
  private pushed = 0;

  constructor(attrs: MapAttrs, options: ResolvedOptions) {
    super(attrs, options);
    const { hashes, bits } = bloomShape(attrs);
    this.hashes = hashes;
    this.mask = bits - 1;
    this.bits = new Uint32Array(Math.max(2, bits / 32));
    this.seed = attrs.flags & MAP_FLAG.zeroSeed ? 0 : options.hashSeed;
  }

  /** Values pushed so far (the filter cannot tell how many are distinct). */
  get count(): number {
    return this.pushed;
  }

  protected override pushValue(value: Uint8Array, flags: number): number {
    if (flags !== UPDATE_FLAG.any) return -EINVAL;
    for (let i = 0; i < this.hashes; i++) {
      const h = this.hash(value, i);
      this.bits[h >>> 5]! |= 1 << (h & 31);
    }
    this.pushed++;
    return 0;
  }

  protected override peekValue(value: Uint8Array): number {
    for (let i = 0; i < this.hashes; i++) {
      const h = this.hash(value, i);
      if (!(this.bits[h >>> 5]! & (1 << (h & 31)))) return -ENOENT;
    }
    return 0;
  }

  /** The kernel's lookup op answers -EINVAL ("use peek"); programs never get that far. */
  protected override store(): number {
    return -EINVAL;
  }

  protected override sysStore(_key: Uint8Array, value: Uint8Array, flags: number): number {
    return this.pushValue(value, flags);
  }

  /** The syscall's lookup of a bloom filter is a test of the value it is given. */
  protected override copyValue(_key: Uint8Array, _flags: number, value: Uint8Array | undefined): Uint8Array | number {
    if (value === undefined) return -EINVAL;
    const err = this.peekValue(value);
    return err || value.slice(0, this.valueSize);
  }

  protected override nextKey(): number {
    return -EOPNOTSUPP;
  }

  override *entries(): IterableIterator<MapEntry> {}

  private hash(value: Uint8Array, index: number): number {
    return (mapHash(value, this.valueSize, (this.seed + index) | 0) & this.mask) >>> 0;
  }
}

/** The number of hash functions (map_extra's low 4 bits, 5 when 0) and the bits of the array. */
export function bloomShape(attrs: MapAttrs): { hashes: number; bits: number } {
  const hashes = Number((attrs.mapExtra ?? 0n) & 0xfn) || 5;
  let bits = attrs.maxEntries * hashes;
  if (bits > 0xffffffff) return { hashes, bits: 2 ** 32 };
  bits = Math.floor(bits / 5) * 7;
  if (bits > 0xffffffff || bits > 2 ** 31) return { hashes, bits: 2 ** 32 };
  return { hashes, bits: bits <= 64 ? 64 : 2 ** Math.ceil(Math.log2(bits)) };
}

export const bloomFilterFamily: MapFamily = {
  check(attrs, options) {
    if (attrs.valueSize > KMALLOC_MAX_SIZE) return refuse(E2BIG, 'value_size over KMALLOC_MAX_SIZE');
    if (attrs.keySize !== 0 || attrs.valueSize === 0 || attrs.maxEntries === 0) return refuse(EINVAL, 'bloom filters need key_size 0, a value_size and max_entries');
    if (attrs.flags & ~BLOOM_FLAGS || !accessFlagsOk(attrs.flags)) return refuse(EINVAL, `flags 0x${attrs.flags.toString(16)} are not for bloom filters`);
    if ((attrs.mapExtra ?? 0n) & ~0xfn) return refuse(EINVAL, 'map_extra holds only the number of hash functions (0-15)');
    return checkMemory(bloomShape(attrs).bits / 8, options, 'the bit array');
  },
  create: (attrs, options) => new BloomFilterMap(attrs, options),
  memlock: (attrs) => S.bpf_bloom_filter + round8(Math.ceil(bloomShape(attrs).bits / 8)),
  kernelOps: () => ({ map_push_elem: 'bloom_map_push_elem', map_peek_elem: 'bloom_map_peek_elem' }),
};
