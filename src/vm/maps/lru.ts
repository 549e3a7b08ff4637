import { MAP_FLAG } from '../../object/kinds.js';
import { EINVAL } from './errno.js';
import type { MapFamily } from './family.js';
import { UPDATE_FLAG } from './flags.js';
import { checkElemFlags, checkHashAttrs, HashMap, hashMaxEntries, type HashElem } from './hash.js';
import { LinkedList } from './list.js';
import type { MapAttrs, ResolvedOptions } from './types.js';

/**
 * BPF_MAP_TYPE_LRU_HASH and LRU_PERCPU_HASH: hashes that never refuse a new key but
 * evict an old element to make room.
 *
 * The model. Every element holds one of max_entries preallocated nodes. Nodes sit in an
 * LRU list in the order they were taken; a program's lookup sets the element's
 * reference bit (a syscall lookup does not, as in the kernel). To free a node when none
 * is left, the list is walked from its oldest end: an element with its bit set loses
 * the bit and goes to the young end (a second chance), the first one without is
 * evicted. What the kernel does around updates is kept exactly, since it shows:
 * - lru_hash takes a fresh node for every update, before looking the key up, so
 *   updating an existing key in a full map evicts some other element, a failing
 *   BPF_NOEXIST update still evicts one, and the key being updated can itself be the
 *   one evicted (then BPF_EXIST fails with -ENOENT). The replaced element is young and
 *   referenced.
 * - lru_percpu_hash updates in place; it takes a node (maybe evicting) unless the
 *   flags are BPF_EXIST, and gives it back when the key exists.
 * With BPF_F_NO_COMMON_LRU every CPU has its own list of max_entries / CPUs nodes (the
 * kernel rounds max_entries to a multiple of the CPUs) and evicts only from its own.
 * The syscall side acts as CPU 0.
 *
 * Where the kernel differs (checked against Linux 6.18 with bpftool on one CPU, see
 * test/vm/maps): its common LRU keeps free nodes in per-CPU local lists, filled from
 * the global list target_free at a time (max_entries / CPUs / 2, between 1 and 128),
 * and when a CPU finds none it shrinks the global list by up to target_free nodes at
 * once. So in a map of more than 4 entries per CPU, one insert can evict a batch of
 * elements, a CPU can evict while other CPUs still hold free nodes (the map looks
 * less than full), and which element goes depends on which CPU ran each update. The
 * reference bit is also cleared by the kernel's periodic rotation of its active and
 * inactive lists, not only when an element reaches the old end. For maps of up to 4
 * entries per CPU updated from one CPU, the model and the kernel evict the same
 * elements.
 */
export class LruHashMap extends HashMap {
  private readonly lists: LinkedList<HashElem>[] = [];
  /** Nodes taken from each list (elements, plus one during an update). */
  private readonly used: number[] = [];
  private readonly listCap: number;

  constructor(attrs: MapAttrs, options: ResolvedOptions) {
    const maxEntries = hashMaxEntries(attrs, options.cpus);
    super(attrs, options, maxEntries);
    const perCpuLists = (attrs.flags & MAP_FLAG.noCommonLru) !== 0;
    const n = perCpuLists ? options.cpus : 1;
    for (let i = 0; i < n; i++) {
      this.lists.push(new LinkedList());
      this.used.push(0);
    }
    this.listCap = maxEntries / n;
  }

  protected override touch(e: HashElem): void {
    e.ref = true;
  }

  protected override store(key: Uint8Array, value: Uint8Array, flags: number, cpu: number, onAllCpus: boolean): number {
    // Neither LRU update path knows BPF_F_LOCK.
    if (flags > UPDATE_FLAG.exist) return -EINVAL;
    const list = this.lists.length === 1 ? 0 : cpu;
    if (list < 0 || list >= this.lists.length) throw new RangeError(`cpu ${cpu} is not one of the ${this.cpus} possible`);
    const takes = !this.perCpu || flags !== UPDATE_FLAG.exist;
    if (takes) this.takeNode(list);
    const old = this.get(key);
    const err = checkElemFlags(old !== undefined, flags);
    if (err) {
      if (takes) this.used[list]!--;
      return err;
    }
    if (old) {
      this.write(old, value, cpu, onAllCpus);
      old.ref = true;
      if (this.perCpu) {
        if (takes) this.used[list]!--;
      } else {
        // The fresh node (young, in `list`) replaces the old one, which is freed.
        this.used[old.list]!--;
        this.lists[old.list]!.remove(old.recency!);
        old.recency = this.lists[list]!.push(old);
        old.list = list;
      }
      return 0;
    }
    const e = this.insert(key, value, cpu, onAllCpus);
    e.recency = this.lists[list]!.push(e);
    e.list = list;
    return 0;
  }

  protected override unlink(e: HashElem): void {
    super.unlink(e);
    if (e.recency) {
      this.lists[e.list]!.remove(e.recency);
      this.used[e.list]!--;
      e.recency = undefined;
    }
  }

  /** Takes a node from the list, evicting to free one when all are in use. */
  private takeNode(list: number): void {
    if (this.used[list]! >= this.listCap) this.evict(list);
    this.used[list]!++;
  }

  private evict(list: number): void {
    const l = this.lists[list]!;
    for (let link = l.head; link; link = l.head) {
      const e = link.value;
      if (e.ref) {
        e.ref = false;
        l.moveToEnd(link);
        continue;
      }
      this.unlink(e);
      return;
    }
  }
}

export const lruFamily: MapFamily = {
  check: checkHashAttrs,
  create: (attrs, options) => new LruHashMap(attrs, options),
};
