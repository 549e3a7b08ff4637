import { MAP_FLAG, MAP_TYPE } from '../../object/index.js';
import { BaseMap } from './base.js';
import { readU32, writeU32 } from './bytes.js';
import { EEXIST, EINVAL, ENOENT, ENOSPC } from '../../errno.js';
import { ACCESS_MASK, accessFlagsOk, refuse, type MapFamily } from './family.js';
import { KERNEL_MAP_STRUCTS as S } from './kernel-structs.js';
import { UPDATE_FLAG } from './flags.js';
import type { MapAttrs, MapEntry, ResolvedOptions } from './types.js';

/**
 * A node of the trie. Nodes without a value are intermediate: they only split the trie
 * where two prefixes part, never match, and always have two children.
 */
interface TrieNode {
  prefixlen: number;
  data: Uint8Array;
  value: Uint8Array | undefined;
  child: [TrieNode | undefined, TrieNode | undefined];
}

/** Where a node hangs: under a parent's child slot, or at the root. */
interface Slot {
  parent: TrieNode | undefined;
  bit: 0 | 1;
}

const LPM_FLAGS = MAP_FLAG.noPrealloc | MAP_FLAG.numaNode | ACCESS_MASK;
/** The prefix length before an LPM key's data. */
const LPM_PREFIXLEN_SIZE = 4;
const DATA_MIN = 1;
const DATA_MAX = 256;
/** KMALLOC_MAX_SIZE less the largest data and the node header. */
const VALUE_MAX = 4 * 1024 * 1024 - DATA_MAX - 40;

/**
 * BPF_MAP_TYPE_LPM_TRIE: keys are `struct bpf_lpm_trie_key` (a u32 prefix length, then
 * the data, most significant bit first); a lookup finds the stored prefix that matches
 * the most leading bits of the key's data, within the key's own prefix length.
 *
 * The trie is built as the kernel builds its own (a binary trie that adds intermediate
 * nodes where prefixes part), so get_next_key visits elements in the kernel's order:
 * post-order, more specific prefixes before the prefixes that hold them. Flags follow
 * Linux 6.13 and later: BPF_NOEXIST and BPF_EXIST are honoured, a full trie refuses
 * a new prefix with -ENOSPC and still takes updates of existing ones. An update of an
 * existing prefix writes its value in place (the kernel swaps in a new node).
 */
export class LpmTrieMap extends BaseMap {
  private root: TrieNode | undefined;
  private n = 0;
  private readonly dataSize: number;
  private readonly maxPrefixlen: number;

  constructor(attrs: MapAttrs, options: ResolvedOptions) {
    super(attrs, options);
    this.dataSize = attrs.keySize - 4;
    this.maxPrefixlen = this.dataSize * 8;
  }

  get count(): number {
    return this.n;
  }

  protected override find(key: Uint8Array): Uint8Array | undefined {
    const prefixlen = readU32(key, this.littleEndian);
    if (prefixlen > this.maxPrefixlen) return undefined;
    const data = key.subarray(4, 4 + this.dataSize);
    let found: TrieNode | undefined;
    for (let node = this.root; node; ) {
      const m = this.matchLen(node, data, prefixlen);
      if (m === this.maxPrefixlen) {
        found = node;
        break;
      }
      // The node asks for more bits than the key shares with it: its parent is the answer.
      if (m < node.prefixlen) break;
      if (node.value) found = node;
      node = node.child[bitAt(data, node.prefixlen)];
    }
    return found?.value;
  }

  protected override store(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (flags > UPDATE_FLAG.exist) return -EINVAL;
    const prefixlen = readU32(key, this.littleEndian);
    if (prefixlen > this.maxPrefixlen) return -EINVAL;
    const data = key.subarray(4, 4 + this.dataSize);

    // Walk down while the node's prefix is a proper prefix of the key.
    let slot: Slot = { parent: undefined, bit: 0 };
    let node = this.root;
    let m = 0;
    while (node) {
      m = this.matchLen(node, data, prefixlen);
      if (node.prefixlen !== m || node.prefixlen === prefixlen || node.prefixlen === this.maxPrefixlen) break;
      slot = { parent: node, bit: bitAt(data, node.prefixlen) };
      node = node.child[slot.bit];
    }

    const fresh = (): TrieNode => ({ prefixlen, data: data.slice(), value: value.slice(0, this.valueSize), child: [undefined, undefined] });
    if (!node) {
      const err = this.addOne(flags);
      if (err) return err;
      this.setSlot(slot, fresh());
      return 0;
    }
    if (node.prefixlen === m) {
      // The same prefix: an element to overwrite, or an intermediate node to turn into one.
      if (node.value) {
        if (flags === UPDATE_FLAG.noexist) return -EEXIST;
        node.value.set(value.subarray(0, this.valueSize));
      } else {
        const err = this.addOne(flags);
        if (err) return err;
        node.value = value.slice(0, this.valueSize);
      }
      // The kernel's replacement node carries the key's data, bits past the prefix included.
      node.data.set(data);
      return 0;
    }
    const err = this.addOne(flags);
    if (err) return err;
    const added = fresh();
    if (m === prefixlen) {
      // The new prefix holds the node: it goes in between.
      added.child[bitAt(node.data, m)] = node;
      this.setSlot(slot, added);
      return 0;
    }
    // The two part after m bits: an intermediate node of m bits takes both.
    const im: TrieNode = { prefixlen: m, data: node.data.slice(), value: undefined, child: [undefined, undefined] };
    if (bitAt(data, m)) im.child = [node, added];
    else im.child = [added, node];
    this.setSlot(slot, im);
    return 0;
  }

  protected override remove(key: Uint8Array): number {
    const prefixlen = readU32(key, this.littleEndian);
    if (prefixlen > this.maxPrefixlen) return -EINVAL;
    const data = key.subarray(4, 4 + this.dataSize);
    let slot: Slot = { parent: undefined, bit: 0 };
    let parentSlot = slot;
    let parent: TrieNode | undefined;
    let node = this.root;
    let m = 0;
    while (node) {
      m = this.matchLen(node, data, prefixlen);
      if (node.prefixlen !== m || node.prefixlen === prefixlen) break;
      parent = node;
      parentSlot = slot;
      slot = { parent: node, bit: bitAt(data, node.prefixlen) };
      node = node.child[slot.bit];
    }
    if (!node || node.prefixlen !== prefixlen || node.prefixlen !== m || !node.value) return -ENOENT;
    this.n--;
    this.released([node.value]);
    if (node.child[0] && node.child[1]) {
      // Still needed to split its children: it stays, as an intermediate node.
      node.value = undefined;
      return 0;
    }
    if (parent && !parent.value && !node.child[0] && !node.child[1]) {
      // An intermediate parent left with one child is not needed: the sibling takes its place.
      this.setSlot(parentSlot, parent.child[0] === node ? parent.child[1] : parent.child[0]);
      return 0;
    }
    this.setSlot(slot, node.child[0] ?? node.child[1]);
    return 0;
  }

  /** Post-order, intermediate nodes skipped; a key not in the trie starts over. */
  protected override nextKey(key: Uint8Array | undefined): Uint8Array | number {
    if (!this.root) return -ENOENT;
    const prefixlen = key === undefined ? 0 : readU32(key, this.littleEndian);
    if (key === undefined || prefixlen > this.maxPrefixlen) return this.keyOf(leftmost(this.root));
    const data = key.subarray(4, 4 + this.dataSize);
    const stack: TrieNode[] = [];
    let node: TrieNode | undefined = this.root;
    while (node) {
      stack.push(node);
      const m = this.matchLen(node, data, prefixlen);
      if (node.prefixlen !== m || node.prefixlen === prefixlen) break;
      node = node.child[bitAt(data, node.prefixlen)];
    }
    // As in the kernel, a node of the key's length reached on the walk counts as the
    // key even when its data differs past the bits the walk compared.
    if (!node || node.prefixlen !== prefixlen || !node.value) return this.keyOf(leftmost(this.root));
    for (let i = stack.length - 1; i > 0; i--) {
      const up = stack[i - 1]!;
      if (up.child[0] === node && up.child[1]) return this.keyOf(leftmost(up.child[1]));
      if (up.value) return this.keyOf(up);
      node = up;
    }
    return -ENOENT;
  }

  override *entries(): IterableIterator<MapEntry> {
    const out: TrieNode[] = [];
    postOrder(this.root, out);
    for (const node of out) yield { key: this.keyOf(node), value: node.value! };
  }

  /** trie_check_add_elem: one more element, if the flags and the room allow. */
  private addOne(flags: number): number {
    if (flags === UPDATE_FLAG.exist) return -ENOENT;
    if (this.n === this.maxEntries) return -ENOSPC;
    this.n++;
    return 0;
  }

  /** Leading bits the node's data shares with the key's, up to the shorter prefix. */
  private matchLen(node: TrieNode, data: Uint8Array, prefixlen: number): number {
    const limit = Math.min(node.prefixlen, prefixlen);
    let bits = 0;
    for (let i = 0; i < this.dataSize && bits < limit; i++) {
      const diff = node.data[i]! ^ data[i]!;
      if (diff === 0) {
        bits += 8;
        continue;
      }
      bits += Math.clz32(diff) - 24;
      break;
    }
    return Math.min(bits, limit);
  }

  private setSlot(slot: Slot, node: TrieNode | undefined): void {
    if (slot.parent) slot.parent.child[slot.bit] = node;
    else this.root = node;
  }

  private keyOf(node: TrieNode): Uint8Array {
    const key = new Uint8Array(4 + this.dataSize);
    writeU32(key, node.prefixlen, this.littleEndian);
    key.set(node.data, 4);
    return key;
  }
}

function bitAt(data: Uint8Array, index: number): 0 | 1 {
  return ((data[index >> 3] ?? 0) >> (7 - (index & 7))) & 1 ? 1 : 0;
}

/** The first element in post-order under `node` (intermediate nodes always have two children). */
function leftmost(start: TrieNode): TrieNode {
  let found = start;
  for (let node: TrieNode | undefined = start; node; ) {
    if (!node.value) {
      node = node.child[0];
    } else {
      found = node;
      node = node.child[0] ?? node.child[1];
    }
  }
  return found;
}

function postOrder(node: TrieNode | undefined, out: TrieNode[]): void {
  if (!node) return;
  postOrder(node.child[0], out);
  postOrder(node.child[1], out);
  if (node.value) out.push(node);
}

export const lpmTrieFamily: MapFamily = {
  check(attrs) {
    if (attrs.type !== MAP_TYPE.lpmTrie) return refuse(EINVAL, 'not an LPM trie');
    if (attrs.maxEntries === 0) return refuse(EINVAL, 'LPM tries need max_entries');
    if (!(attrs.flags & MAP_FLAG.noPrealloc)) return refuse(EINVAL, 'LPM tries need BPF_F_NO_PREALLOC');
    if (attrs.flags & ~LPM_FLAGS || !accessFlagsOk(attrs.flags)) return refuse(EINVAL, `flags 0x${attrs.flags.toString(16)} are not for LPM tries`);
    if (attrs.keySize < 4 + DATA_MIN || attrs.keySize > 4 + DATA_MAX) return refuse(EINVAL, `LPM keys are 4 + ${DATA_MIN}..${DATA_MAX} bytes`);
    if (attrs.valueSize < 1 || attrs.valueSize > VALUE_MAX) return refuse(EINVAL, 'LPM values are 1 byte or more');
    return undefined;
  },
  create: (attrs, options) => new LpmTrieMap(attrs, options),
  // trie_mem_usage: the nodes held (a value-less intermediate node counts as one).
  memlock: (attrs, _cpus, elements) => (S.lpm_trie_node + attrs.keySize - LPM_PREFIXLEN_SIZE + attrs.valueSize) * elements,
  countsElements: () => true,
  kernelOps: () => ({ map_lookup_elem: 'trie_lookup_elem', map_update_elem: 'trie_update_elem', map_delete_elem: 'trie_delete_elem' }),
};
