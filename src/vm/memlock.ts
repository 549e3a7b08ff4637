import { MAP_FLAG, MAP_TYPE } from '../object/kinds.js';
import type { MapSpec } from '../object/spec.js';

/**
 * What an x86-64 Linux 6.x kernel reports as a map's `memlock` (its map_mem_usage
 * callbacks), from the sizes of its internal structures. Types not modelled here fall
 * back to key and value bytes times entries, which is only an estimate.
 */
const PAGE = 4096;
const SIZEOF_BPF_ARRAY = 312;
const SIZEOF_BPF_HTAB = 832;
const SIZEOF_BUCKET = 16;
const SIZEOF_HTAB_ELEM = 48;
const HASHTAB_MAP_LOCK_COUNT = 8;
const SIZEOF_RINGBUF_MAP = 304;
const SIZEOF_BPF_DTAB = 344;
/** struct bpf_cpu_map and struct xsk_map: a bpf_map and nothing more that counts. */
const SIZEOF_BPF_MAP = 304;
const RINGBUF_META_PAGES = 3;

const up8 = (n: number): number => Math.ceil(n / 8) * 8;
const pageUp = (n: number): number => Math.ceil(n / PAGE) * PAGE;
const pow2 = (n: number): number => (n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n)));

export function mapMemlock(m: MapSpec, possibleCpus: number): number {
  const value = up8(m.valueSize);
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
      return hashMemlock(m, possibleCpus);
    case MAP_TYPE.ringbuf:
      return ringbufMemlock(m.maxEntries);
    case MAP_TYPE.devmap:
      return SIZEOF_BPF_DTAB + 8 * m.maxEntries;
    case MAP_TYPE.devmapHash:
      // The kernel adds 64 bytes per element held; this is the empty map's figure.
      return SIZEOF_BPF_DTAB + 8 * pow2(m.maxEntries);
    case MAP_TYPE.cpumap:
    case MAP_TYPE.xskmap:
      return SIZEOF_BPF_MAP + 8 * m.maxEntries;
    default:
      return (m.keySize + m.valueSize) * m.maxEntries;
  }
}

function hashMemlock(m: MapSpec, cpus: number): number {
  const percpu = m.type === MAP_TYPE.percpuHash || m.type === MAP_TYPE.lruPercpuHash;
  const lru = m.type === MAP_TYPE.lruHash || m.type === MAP_TYPE.lruPercpuHash;
  const value = up8(m.valueSize);
  const elem = SIZEOF_HTAB_ELEM + up8(m.keySize) + (percpu ? 8 : value);
  let usage = SIZEOF_BPF_HTAB + SIZEOF_BUCKET * pow2(m.maxEntries) + 4 * cpus * HASHTAB_MAP_LOCK_COUNT;
  if (m.flags & MAP_FLAG.noPrealloc && !lru) return usage + elem * m.maxEntries;
  const extra = !percpu && !lru;
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
