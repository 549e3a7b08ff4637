/**
 * The kernel's LRU node lists for LRU hash maps (kernel/bpf/bpf_lru_list.c), modelled
 * state for state so that evictions land on the same elements as in the kernel when the
 * same operations run on the same CPUs.
 *
 * Every element holds one of a fixed set of nodes. A node is on exactly one list:
 * - common LRU (the default): a global active, inactive and free list, and per CPU a
 *   local free list and a local pending list. A CPU takes nodes from its local free
 *   list; when that is empty it flushes its pending nodes into the global lists
 *   (referenced ones to active, others to inactive, bits cleared), rotates them, and
 *   moves up to target_free nodes from the global free list to its own, shrinking the
 *   inactive list (evicting) for the rest. Failing all that it steals a free or pending
 *   node from any CPU, round robin.
 * - per-CPU LRU (BPF_F_NO_COMMON_LRU): per CPU an active, inactive and free list of its
 *   own share of the nodes; a new node goes straight to the inactive list.
 * Rotation gives referenced active nodes another round and demotes the others when the
 * inactive list has become shorter than the active one; it also walks part of the
 * inactive list from where it last stopped, promoting referenced nodes. Shrinking walks
 * the inactive list from its old end, promoting referenced nodes and evicting the rest,
 * and evicts regardless of reference bits if that freed nothing.
 */

const ACTIVE = 0;
const INACTIVE = 1;
const FREE = 2;
const LOCAL_FREE = 3;
const LOCAL_PENDING = 4;
type NodeType = typeof ACTIVE | typeof INACTIVE | typeof FREE | typeof LOCAL_FREE | typeof LOCAL_PENDING;

/** Nodes a CPU's local free list holds at most, and how far one rotation or shrink scans (common LRU). */
const LOCAL_FREE_TARGET = 128;
/** How far one rotation or shrink scans, and how many nodes a shrink frees (per-CPU LRU). */
const PERCPU_FREE_TARGET = 4;

/** A link of a circular list with a sentinel, as the kernel's list_head. */
interface ListLink {
  prev: ListLink;
  next: ListLink;
}

class Sentinel implements ListLink {
  prev: ListLink = this;
  next: ListLink = this;
}

export class LruNode<T> implements ListLink {
  prev: ListLink = this;
  next: ListLink = this;
  type: NodeType = FREE;
  ref = false;
  /** The CPU whose lists hold the node (pending nodes, per-CPU lists). */
  cpu = 0;
  /** The element holding the node, while one does. */
  owner: T | undefined;
}

function unlink(n: ListLink): void {
  n.prev.next = n.next;
  n.next.prev = n.prev;
  n.prev = n.next = n;
}

/** list_move: to the head (the young end) of `head`'s list. */
function moveTo(n: ListLink, head: Sentinel): void {
  unlink(n);
  n.next = head.next;
  n.prev = head;
  head.next.prev = n;
  head.next = n;
}

function empty(head: Sentinel): boolean {
  return head.next === head;
}

/** Active, inactive and free lists, with the counts and rotation cursor the kernel keeps. */
class NodeLists<T> {
  readonly lists: [Sentinel, Sentinel, Sentinel] = [new Sentinel(), new Sentinel(), new Sentinel()];
  readonly counts = [0, 0];
  /** Where the next rotation of the inactive list starts (the sentinel: its old end). */
  nextInactiveRotation: ListLink = this.lists[INACTIVE];

  /** __bpf_lru_node_move: within or between the active, inactive and free lists; clears the bit. */
  move(n: LruNode<T>, to: typeof ACTIVE | typeof INACTIVE | typeof FREE): void {
    if (n.type !== to) {
      if (n.type < 2) this.counts[n.type]!--;
      if (to < 2) this.counts[to]!++;
      n.type = to;
    }
    n.ref = false;
    if (n === this.nextInactiveRotation) this.nextInactiveRotation = n.prev;
    moveTo(n, this.lists[to]);
  }

  /** __bpf_lru_node_move_in: from a CPU's pending list into the active or inactive list. */
  moveIn(n: LruNode<T>, to: typeof ACTIVE | typeof INACTIVE): void {
    this.counts[to]!++;
    n.type = to;
    n.ref = false;
    moveTo(n, this.lists[to]);
  }

  /** __bpf_lru_node_move_to_free: out of these lists onto a free list. */
  moveToFree(n: LruNode<T>, free: Sentinel, type: typeof FREE | typeof LOCAL_FREE): void {
    if (n === this.nextInactiveRotation) this.nextInactiveRotation = n.prev;
    if (n.type < 2) this.counts[n.type]!--;
    n.type = type;
    moveTo(n, free);
  }
}

interface LocalLists {
  free: Sentinel;
  pending: Sentinel;
  nextSteal: number;
}

export class LruLists<T> {
  private readonly perCpu: boolean;
  private readonly cpus: number;
  /** One set for the common LRU, one per CPU otherwise. */
  private readonly sets: NodeLists<T>[] = [];
  private readonly locals: LocalLists[] = [];
  private readonly targetFree: number;
  private readonly scans: number;

  /**
   * `nodes` preallocated nodes; `evict` removes a node's element from the hash table
   * (the kernel's del_from_htab), the lists then take the node back.
   */
  constructor(nodes: number, cpus: number, perCpu: boolean, private readonly evict: (owner: T) => void) {
    this.perCpu = perCpu;
    this.cpus = cpus;
    this.scans = perCpu ? PERCPU_FREE_TARGET : LOCAL_FREE_TARGET;
    this.targetFree = Math.min(LOCAL_FREE_TARGET, Math.max(1, Math.floor(Math.floor(nodes / cpus) / 2)));
    if (perCpu) {
      const share = Math.floor(nodes / cpus);
      for (let c = 0; c < cpus; c++) {
        const set = new NodeLists<T>();
        for (let i = 0; i < share; i++) {
          const n = new LruNode<T>();
          n.cpu = c;
          moveTo(n, set.lists[FREE]);
        }
        this.sets.push(set);
      }
    } else {
      const set = new NodeLists<T>();
      for (let i = 0; i < nodes; i++) moveTo(new LruNode<T>(), set.lists[FREE]);
      this.sets.push(set);
      for (let c = 0; c < cpus; c++) this.locals.push({ free: new Sentinel(), pending: new Sentinel(), nextSteal: c });
    }
  }

  /** bpf_lru_pop_free: a node for a new element on `cpu`, evicting if need be. */
  pop(cpu: number): LruNode<T> | undefined {
    return this.perCpu ? this.popPerCpu(cpu) : this.popCommon(cpu);
  }

  /** bpf_lru_push_free: the node's element is gone. */
  push(n: LruNode<T>): void {
    n.owner = undefined;
    if (this.perCpu) {
      this.sets[n.cpu]!.move(n, FREE);
    } else if (n.type === LOCAL_PENDING) {
      n.type = LOCAL_FREE;
      n.ref = false;
      moveTo(n, this.locals[n.cpu]!.free);
    } else {
      this.sets[0]!.move(n, FREE);
    }
  }

  /** bpf_lru_node_set_ref. */
  static setRef<T>(n: LruNode<T>): void {
    n.ref = true;
  }

  private popPerCpu(cpu: number): LruNode<T> | undefined {
    const set = this.sets[cpu]!;
    this.rotate(set);
    const free = set.lists[FREE];
    if (empty(free)) this.shrink(set, PERCPU_FREE_TARGET, free, FREE);
    if (empty(free)) return undefined;
    const n = free.next as LruNode<T>;
    n.ref = false;
    set.move(n, INACTIVE);
    return n;
  }

  private popCommon(cpu: number): LruNode<T> | undefined {
    const local = this.locals[cpu]!;
    let n = this.popLocalFree(local);
    if (!n) {
      this.refillLocal(local);
      n = this.popLocalFree(local);
    }
    if (!n) {
      // Nothing free here or globally: steal from the CPUs' local lists, round robin.
      const first = local.nextSteal;
      let steal = first;
      do {
        const other = this.locals[steal]!;
        n = this.popLocalFree(other) ?? this.popLocalPending(other);
        steal = (steal + 1) % this.cpus;
      } while (!n && steal !== first);
      local.nextSteal = steal;
    }
    if (n) {
      n.cpu = cpu;
      n.type = LOCAL_PENDING;
      n.ref = false;
      moveTo(n, local.pending);
    }
    return n;
  }

  private popLocalFree(local: LocalLists): LruNode<T> | undefined {
    if (empty(local.free)) return undefined;
    const n = local.free.next as LruNode<T>;
    unlink(n);
    return n;
  }

  /** The oldest pending node, unreferenced ones first; its element is evicted. */
  private popLocalPending(local: LocalLists): LruNode<T> | undefined {
    for (const force of [false, true]) {
      for (let l = local.pending.prev; l !== local.pending; l = l.prev) {
        const n = l as LruNode<T>;
        if (!n.ref || force) {
          this.evictNode(n);
          unlink(n);
          return n;
        }
      }
    }
    return undefined;
  }

  /** bpf_lru_list_pop_free_to_local. */
  private refillLocal(local: LocalLists): void {
    const set = this.sets[0]!;
    // Flush pending nodes, oldest first.
    for (let l = local.pending.prev; l !== local.pending; ) {
      const n = l as LruNode<T>;
      l = l.prev;
      set.moveIn(n, n.ref ? ACTIVE : INACTIVE);
    }
    this.rotate(set);
    let nfree = 0;
    const free = set.lists[FREE];
    while (nfree < this.targetFree && !empty(free)) {
      set.moveToFree(free.next as LruNode<T>, local.free, LOCAL_FREE);
      nfree++;
    }
    if (nfree < this.targetFree) this.shrink(set, this.targetFree - nfree, local.free, LOCAL_FREE);
  }

  private rotate(set: NodeLists<T>): void {
    if (set.counts[INACTIVE]! < set.counts[ACTIVE]!) this.rotateActive(set);
    this.rotateInactive(set);
  }

  /** From the old end of the active list: referenced nodes go round again, the others to inactive. */
  private rotateActive(set: NodeLists<T>): void {
    const active = set.lists[ACTIVE];
    const first = active.next;
    let i = 0;
    for (let l = active.prev; l !== active; ) {
      const n = l as LruNode<T>;
      l = l.prev;
      set.move(n, n.ref ? ACTIVE : INACTIVE);
      if (++i === this.scans || n === first) break;
    }
  }

  /** From the cursor towards the young end and around: referenced inactive nodes go to active. */
  private rotateInactive(set: NodeLists<T>): void {
    const inactive = set.lists[INACTIVE];
    if (empty(inactive)) return;
    let last = set.nextInactiveRotation.next;
    if (last === inactive) last = last.next;
    let cur = set.nextInactiveRotation;
    let next: ListLink = inactive;
    for (let i = 0; i < this.scans; ) {
      if (cur === inactive) {
        cur = cur.prev;
        continue;
      }
      const n = cur as LruNode<T>;
      next = cur.prev;
      if (n.ref) set.move(n, ACTIVE);
      if (cur === last) break;
      cur = next;
      i++;
    }
    set.nextInactiveRotation = next;
  }

  /** Evicts up to `want` unreferenced inactive nodes (or one node whatever its bit) onto `free`. */
  private shrink(set: NodeLists<T>, want: number, free: Sentinel, type: typeof FREE | typeof LOCAL_FREE): void {
    const inactive = set.lists[INACTIVE];
    let freed = 0;
    let i = 0;
    for (let l = inactive.prev; l !== inactive; ) {
      const n = l as LruNode<T>;
      l = l.prev;
      if (n.ref) {
        set.move(n, ACTIVE);
      } else {
        this.evictNode(n);
        set.moveToFree(n, free, type);
        if (++freed === want) break;
      }
      if (++i === this.scans) break;
    }
    if (freed) return;
    const from = empty(inactive) ? set.lists[ACTIVE] : inactive;
    if (empty(from)) return;
    const n = from.prev as LruNode<T>;
    this.evictNode(n);
    set.moveToFree(n, free, type);
  }

  private evictNode(n: LruNode<T>): void {
    if (n.owner !== undefined) this.evict(n.owner);
    n.owner = undefined;
  }
}
