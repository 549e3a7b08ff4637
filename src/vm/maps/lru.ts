import { MAP_FLAG, MAP_TYPE } from '../../object/index.js';
import { EINVAL, ENOMEM } from '../../errno.js';
import { INLINED, type MapFamily } from './family.js';
import { UPDATE_FLAG } from './flags.js';
import { checkElemFlags, checkHashAttrs, HashMap, hashMaxEntries, hashMemlock, type HashElem } from './hash.js';
import { LruLists } from './lru-lists.js';
import type { MapAttrs, ResolvedOptions } from './types.js';

/**
 * BPF_MAP_TYPE_LRU_HASH and LRU_PERCPU_HASH: hashes that never refuse a new key but
 * evict an element to make room. Which element goes is decided by a model of the
 * kernel's LRU lists (lru-lists.ts), fed the same events the kernel feeds its own:
 * - every update of an lru_hash takes a fresh node before it looks the key up, so
 *   updating an existing key in a full map evicts some element, a failing BPF_NOEXIST
 *   update evicts one too, and the key being updated can itself be evicted (then
 *   BPF_EXIST fails with -ENOENT); the replacing node is marked referenced;
 * - an lru_percpu_hash update takes a node (maybe evicting) unless the flags are
 *   BPF_EXIST, and gives it back when the key already exists, whose node it marks;
 * - a program's lookup marks the element's node referenced; a syscall lookup does not;
 * - deletes give nodes back.
 * Each operation runs on a CPU: the `cpu` of program-side calls, CPU 0 for the syscall
 * side. Given the same operations on the same CPUs, the kernel (checked: Linux 6.18
 * with bpftool on CPU 0, test/vm/maps) evicts the same elements. What is not modelled:
 * CPUs running at the same time, and the kernel's later fix that keeps a spare node
 * per CPU for updates of existing keys (not in 6.18).
 *
 * The kernel lets a full common LRU evict in batches: a CPU that runs out of nodes
 * frees target_free of them at once (max_entries / CPUs / 2, between 1 and 128), and
 * nodes free on other CPUs' local lists stay there; so a map can evict while it looks
 * less than full, and lose several elements to one insert. The model does the same.
 */
export class LruHashMap extends HashMap {
  private readonly lru: LruLists<HashElem>;

  constructor(attrs: MapAttrs, options: ResolvedOptions) {
    const maxEntries = hashMaxEntries(attrs, options.cpus);
    super(attrs, options, maxEntries);
    this.lru = new LruLists<HashElem>(maxEntries, options.cpus, (attrs.flags & MAP_FLAG.noCommonLru) !== 0, (e) => this.drop(e));
  }

  protected override touch(e: HashElem): void {
    if (e.lru) LruLists.setRef(e.lru);
  }

  protected override store(key: Uint8Array, value: Uint8Array, flags: number, cpu: number, onAllCpus: boolean): number {
    // Neither LRU update path knows BPF_F_LOCK.
    if (flags > UPDATE_FLAG.exist) return -EINVAL;
    if (cpu < 0 || cpu >= this.cpus) throw new RangeError(`cpu ${cpu} is not one of the ${this.cpus} possible`);
    const node = !this.perCpu || flags !== UPDATE_FLAG.exist ? this.lru.pop(cpu) : undefined;
    if (!node && flags !== UPDATE_FLAG.exist) return -ENOMEM;
    const old = this.get(key);
    const err = checkElemFlags(old !== undefined, flags);
    if (err) {
      if (node) this.lru.push(node);
      return err;
    }
    if (old) {
      this.write(old, value, cpu, onAllCpus);
      if (this.perCpu) {
        LruLists.setRef(old.lru!);
        if (node) this.lru.push(node);
      } else {
        // The fresh node replaces the element's old one, referenced, at the head of the bucket.
        const prev = old.lru!;
        node!.owner = old;
        LruLists.setRef(node!);
        old.lru = node;
        this.lru.push(prev);
        this.toBucketHead(old);
      }
      return 0;
    }
    const e = this.insert(key, value, cpu, onAllCpus);
    e.lru = node;
    node!.owner = e;
    return 0;
  }

  /** Delete and lookup-and-delete give the node back. */
  protected override unlink(e: HashElem): void {
    super.unlink(e);
    const n = e.lru;
    e.lru = undefined;
    if (n) this.lru.push(n);
  }

  /** An eviction: the lists keep the node. */
  private drop(e: HashElem): void {
    e.lru = undefined;
    super.unlink(e);
  }
}

export const lruFamily: MapFamily = {
  check: checkHashAttrs,
  create: (attrs, options) => new LruHashMap(attrs, options),
  memlock: hashMemlock,
  // The per-CPU LRU hash has no map_gen_lookup: its lookups stay calls.
  kernelOps: (attrs) =>
    attrs.type === MAP_TYPE.lruPercpuHash
      ? { map_lookup_elem: 'htab_lru_percpu_map_lookup_elem', map_update_elem: 'htab_lru_percpu_map_update_elem', map_delete_elem: 'htab_lru_map_delete_elem', map_lookup_percpu_elem: 'htab_lru_percpu_map_lookup_percpu_elem', for_each_map_elem: 'bpf_for_each_hash_elem' }
      : { map_lookup_elem: INLINED, map_update_elem: 'htab_lru_map_update_elem', map_delete_elem: 'htab_lru_map_delete_elem', for_each_map_elem: 'bpf_for_each_hash_elem' },
};
