import { MAP_FLAG, MAP_TYPE } from '../object/kinds.js';
import type { MapSpec } from '../object/spec.js';
import { bloomShape } from './maps/bloom-filter.js';
import { round8 } from './maps/bytes.js';
import { bucketCount } from './maps/hash.js';

/**
 * What an x86-64 Linux 6.18 kernel reports as a map's `memlock` (its map_mem_usage
 * callbacks), from the sizes of its internal structures: those of the build the golden
 * files come from (test/golden/VERSIONS.txt). Maps that allocate per element (an LPM
 * trie, a hash without preallocation) report what their elements take, so their
 * memlock follows the element count. Types not modelled here fall back to key and
 * value bytes times entries, which is only an estimate.
 */
const PAGE = 4096;
const SIZEOF_BPF_ARRAY = 312;
const SIZEOF_BPF_HTAB = 832;
const SIZEOF_BUCKET = 16;
const SIZEOF_HTAB_ELEM = 48;
const HASHTAB_MAP_LOCK_COUNT = 8;
/** The llist_node a hash element without preallocation is freed through. */
const SIZEOF_LLIST_NODE = 8;
const SIZEOF_RINGBUF_MAP = 304;
const SIZEOF_BPF_DTAB = 344;
/** A devmap_hash element: struct bpf_dtab_netdev. */
const SIZEOF_BPF_DTAB_NETDEV = 64;
/** struct bpf_cpu_map and struct xsk_map: a bpf_map and nothing more that counts. */
const SIZEOF_BPF_MAP = 304;
const RINGBUF_META_PAGES = 3;
const SIZEOF_BPF_QUEUE_STACK = 312;
const SIZEOF_BPF_BLOOM_FILTER = 312;
const SIZEOF_LPM_TRIE_NODE = 24;
/** The prefix length before an LPM key's data. */
const LPM_PREFIXLEN_SIZE = 4;

const pageUp = (n: number): number => Math.ceil(n / PAGE) * PAGE;

/** Whether a map's memlock depends on how many elements it holds (see mapMemlock's `elements`). */
export function memlockCountsElements(m: MapSpec): boolean {
  return m.type === MAP_TYPE.lpmTrie || m.type === MAP_TYPE.devmapHash || (isHash(m.type) && !isLru(m.type) && (m.flags & MAP_FLAG.noPrealloc) !== 0);
}

/** The memlock of a map holding `elements` elements (which only matters where memlockCountsElements). */
export function mapMemlock(m: MapSpec, possibleCpus: number, elements = 0): number {
  const value = round8(m.valueSize);
  switch (m.type) {
    case MAP_TYPE.array:
      return m.flags & MAP_FLAG.mmapable
        ? pageUp(SIZEOF_BPF_ARRAY) + pageUp(value * m.maxEntries)
        : SIZEOF_BPF_ARRAY + value * m.maxEntries;
    case MAP_TYPE.percpuArray:
      return SIZEOF_BPF_ARRAY + 8 * m.maxEntries + value * m.maxEntries * possibleCpus;
    case MAP_TYPE.progArray:
    case MAP_TYPE.perfEventArray:
    case MAP_TYPE.cgroupArray:
    case MAP_TYPE.arrayOfMaps:
      return SIZEOF_BPF_ARRAY + 8 * m.maxEntries;
    case MAP_TYPE.hash:
    case MAP_TYPE.percpuHash:
    case MAP_TYPE.lruHash:
    case MAP_TYPE.lruPercpuHash:
    case MAP_TYPE.hashOfMaps:
      return hashMemlock(m, possibleCpus, elements);
    case MAP_TYPE.ringbuf:
      return ringbufMemlock(m.maxEntries);
    case MAP_TYPE.devmap:
      return SIZEOF_BPF_DTAB + 8 * m.maxEntries;
    case MAP_TYPE.devmapHash:
      return SIZEOF_BPF_DTAB + 8 * bucketCount(m.maxEntries) + SIZEOF_BPF_DTAB_NETDEV * elements;
    case MAP_TYPE.cpumap:
    case MAP_TYPE.xskmap:
      return SIZEOF_BPF_MAP + 8 * m.maxEntries;
    case MAP_TYPE.queue:
    case MAP_TYPE.stack:
      // One slot more than max_entries: a full ring keeps one free to tell full from empty.
      return SIZEOF_BPF_QUEUE_STACK + (m.maxEntries + 1) * m.valueSize;
    case MAP_TYPE.bloomFilter:
      return SIZEOF_BPF_BLOOM_FILTER + round8(Math.ceil(bloomShape(m).bits / 8));
    case MAP_TYPE.lpmTrie:
      return (SIZEOF_LPM_TRIE_NODE + m.keySize - LPM_PREFIXLEN_SIZE + m.valueSize) * elements;
    default:
      return (m.keySize + m.valueSize) * m.maxEntries;
  }
}

const isHash = (type: number): boolean => [MAP_TYPE.hash, MAP_TYPE.percpuHash, MAP_TYPE.lruHash, MAP_TYPE.lruPercpuHash, MAP_TYPE.hashOfMaps].includes(type);
const isLru = (type: number): boolean => type === MAP_TYPE.lruHash || type === MAP_TYPE.lruPercpuHash;

function hashMemlock(m: MapSpec, cpus: number, elements: number): number {
  const percpu = m.type === MAP_TYPE.percpuHash || m.type === MAP_TYPE.lruPercpuHash;
  const lru = isLru(m.type);
  const value = round8(m.valueSize);
  const elem = SIZEOF_HTAB_ELEM + round8(m.keySize) + (percpu ? 8 : value);
  let usage = SIZEOF_BPF_HTAB + SIZEOF_BUCKET * bucketCount(m.maxEntries) + 4 * cpus * HASHTAB_MAP_LOCK_COUNT;
  if (m.flags & MAP_FLAG.noPrealloc && !lru) {
    usage += (elem + SIZEOF_LLIST_NODE) * elements;
    // A per-CPU value is allocated apart, with a node and a pointer of its own.
    return percpu ? usage + (SIZEOF_LLIST_NODE + 8 + value * cpus) * elements : usage;
  }
  // Spare elements for updates of a full map, one a CPU; a map-in-map swaps pointers and needs none.
  const extra = !percpu && !lru && m.type !== MAP_TYPE.hashOfMaps;
  const entries = m.maxEntries + (extra ? cpus : 0);
  usage += elem * entries;
  if (percpu) usage += value * cpus * entries;
  else if (!lru) usage += 8 * cpus;
  return usage;
}

function ringbufMemlock(size: number): number {
  const dataPages = Math.floor(size / PAGE);
  const pages = RINGBUF_META_PAGES + dataPages;
  return SIZEOF_RINGBUF_MAP + pages * PAGE + (pages + dataPages) * 8;
}
