/**
 * The one interface every map type implements, with the kernel's two sides kept apart:
 * the program side (what helpers such as bpf_map_lookup_elem see: live values, one
 * CPU's copy of a per-CPU value) and the syscall side (what BPF_MAP_*_ELEM commands see:
 * copies, all CPUs at once, ids in place of program and map references).
 *
 * Results follow the kernel: 0 or a negative errno (errno.ts), or the data asked for.
 */

/** What the slots of an fd-holding map refer to (SlotMap in slots.ts). */
export type SlotKind = 'program' | 'map' | 'perf_event';

/** The BPF_MAP_CREATE attributes that shape a map. An object's MapSpec is one. */
export interface MapAttrs {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  /** bloom_filter: the number of hash functions in the low 4 bits (0: five). */
  mapExtra?: bigint;
  name?: string;
  /** Map-in-maps: the inner map's template (what the kernel takes from inner_map_fd). */
  inner?: MapAttrs;
  /** The BTF type ids of key and value the map is created with (0 or absent: none). */
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  /** struct_ops: the kernel's value type (`bpf_struct_ops_<name>`), 0 where the target has none. */
  btfVmlinuxValueTypeId?: number;
  /** struct_ops: the function pointers of the kernel's struct. */
  structOpsFuncPointers?: number;
}

/** How prog arrays, map-in-maps and perf event arrays check the ids stored in them. */
export interface SlotResolver {
  /** The program with this id, or undefined when there is none (-EBADF). */
  program?(id: number): { type: number } | undefined;
  /** The map with this id, or undefined when there is none (-EBADF). */
  map?(id: number): MapAttrs | undefined;
  /** The perf event with this id and the CPU it is bound to, or undefined (-EBADF). */
  perfEvent?(id: number): { cpu: number } | undefined;
  /** Whether a net device has this ifindex (device maps); the loopback device alone without it. */
  device?(ifindex: number): boolean;
}

export interface MapOptions {
  /** Possible CPUs: how many copies a per-CPU value has. 1 by default. */
  cpus?: number;
  /** Byte order of keys that are integers (array indexes, LPM prefix lengths). Little-endian by default. */
  littleEndian?: boolean;
  /**
   * Whether the value type holds a bpf_spin_lock (known from BTF). Without one,
   * BPF_F_LOCK is refused with -EINVAL; with one, freezing is refused with -ENOTSUPP.
   */
  spinLock?: boolean;
  /** Checks ids written into fd-holding maps; without it any nonzero id is taken. */
  resolve?: SlotResolver;
  /**
   * Seed of the hash that places keys in a hash map's buckets (so the get_next_key
   * order) and a bloom filter's bits. The kernel draws one at random per map unless
   * BPF_F_ZERO_SEED; 0 by default here, so runs repeat.
   */
  hashSeed?: number;
  /** Bytes a map may preallocate before creation fails with -ENOMEM; 1 GiB by default. */
  memoryLimit?: number;
}

export interface ResolvedOptions {
  cpus: number;
  littleEndian: boolean;
  spinLock: boolean;
  resolve: SlotResolver;
  hashSeed: number;
  memoryLimit: number;
}

/** One element for dumps: the value's live bytes, one array per CPU for per-CPU maps. */
export interface MapEntry {
  key: Uint8Array;
  value: Uint8Array | Uint8Array[];
}

export interface VmMap {
  readonly type: number;
  /** bpftool's name for the type. */
  readonly typeName: string;
  readonly name: string;
  readonly keySize: number;
  readonly valueSize: number;
  /** As the kernel holds it (BPF_F_NO_COMMON_LRU rounds it to a multiple of the CPUs). */
  readonly maxEntries: number;
  readonly flags: number;
  readonly cpus: number;
  readonly perCpu: boolean;
  readonly frozen: boolean;
  /** How programs may touch values mapped into their memory: 'r' under BPF_F_RDONLY_PROG. */
  readonly programAccess: 'r' | 'rw';
  /** Elements held (for arrays, every slot). */
  readonly count: number;

  /**
   * bpf_map_lookup_elem (and bpf_map_lookup_percpu_elem with `cpu`): the value's live
   * bytes, which stay the same Uint8Array while the element exists, or undefined.
   */
  lookup(key: Uint8Array, cpu?: number): Uint8Array | undefined;
  /** bpf_map_update_elem from a program on `cpu`: 0 or -errno. */
  update(key: Uint8Array, value: Uint8Array, flags?: number, cpu?: number): number;
  /** bpf_map_delete_elem: 0 or -errno. */
  delete(key: Uint8Array): number;
  /** bpf_map_push_elem (queue, stack, bloom filter). */
  push(value: Uint8Array, flags?: number): number;
  /** bpf_map_pop_elem: fills `out`, 0 or -errno. */
  pop(out: Uint8Array): number;
  /** bpf_map_peek_elem: fills `out` (queue, stack) or tests it (bloom filter). */
  peek(value: Uint8Array): number;

  /**
   * BPF_MAP_LOOKUP_ELEM: a copy of the value (per-CPU: every CPU's, each padded to 8
   * bytes; fd maps: the id held), or -errno. `value` is the input of a bloom filter's test.
   */
  sysLookup(key: Uint8Array | undefined, flags?: number, value?: Uint8Array): Uint8Array | number;
  /** BPF_MAP_UPDATE_ELEM (per-CPU: every CPU's value; fd maps: an id). */
  sysUpdate(key: Uint8Array | undefined, value: Uint8Array, flags?: number): number;
  /** BPF_MAP_DELETE_ELEM. */
  sysDelete(key: Uint8Array | undefined): number;
  /** BPF_MAP_GET_NEXT_KEY: the key after `key` (the first for undefined), or -errno (-ENOENT at the end). */
  sysGetNextKey(key: Uint8Array | undefined): Uint8Array | number;
  /** BPF_MAP_LOOKUP_AND_DELETE_ELEM (queue/stack pop, hash take). */
  sysLookupAndDelete(key: Uint8Array | undefined, flags?: number): Uint8Array | number;
  /** BPF_MAP_FREEZE: no more writes from the syscall side. */
  freeze(): number;

  /** The elements in get_next_key order, for dumps. */
  entries(): IterableIterator<MapEntry>;

  /**
   * Calls `listener` with an element's value views (every CPU's for per-CPU maps) when
   * the element leaves the map (delete, lookup-and-delete, LRU eviction), so that
   * whoever mapped them into a program's memory can unmap them. Returns the unsubscriber.
   */
  onRelease(listener: ReleaseListener): () => void;
}

export type ReleaseListener = (values: readonly Uint8Array[]) => void;
