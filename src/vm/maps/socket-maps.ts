import { MAP_FLAG } from '../../object/index.js';
import { checkArrayAttrs } from './array.js';
import { readU32 } from './bytes.js';
import { E2BIG, EINVAL, ENOENT, ENOSPC } from '../../errno.js';
import { checkMemory, refuse, type MapFamily, type Refusal } from './family.js';
import { bucketCount } from './hash.js';
import { KERNEL_MAP_STRUCTS as S } from './kernel-structs.js';
import { UnmodelledMap, type EmptyMapAnswers } from './unmodelled.js';
import type { MapAttrs, ResolvedOptions } from './types.js';

/**
 * The maps that hold sockets: sockmap, sockhash and reuseport_sockarray. Their values
 * are sockets taken by fd, which bpfscope has none of, so they stay empty: created with
 * the kernel's checks and memlock, answering as an empty map of their type.
 */

const SOCK_FLAGS = MAP_FLAG.numaNode | MAP_FLAG.rdonly | MAP_FLAG.wronly;
/** MAX_BPF_STACK: a sockhash key is copied onto the program's stack. */
const SOCKHASH_KEY_MAX = 512;
const socketValue = (attrs: MapAttrs): boolean => attrs.valueSize === 4 || attrs.valueSize === 8;

/** A lookup from user space reads a socket's cookie, 8 bytes: a smaller value cannot hold it (-ENOSPC); an empty slot is -ENOENT. */
const cookieLookup = (attrs: MapAttrs): number => (attrs.valueSize !== 8 ? ENOSPC : ENOENT);

/** sock_map_alloc. */
function checkSockMap(attrs: MapAttrs, options: ResolvedOptions): Refusal | undefined {
  if (attrs.maxEntries === 0 || attrs.keySize !== 4 || !socketValue(attrs) || attrs.flags & ~SOCK_FLAGS) {
    return refuse(EINVAL, 'sockmaps need key_size 4, value_size 4 or 8, max_entries and no flags but NUMA and access ones');
  }
  return checkMemory(8 * attrs.maxEntries, options, 'the socket slots');
}

/** sock_hash_alloc. */
function checkSockHash(attrs: MapAttrs): Refusal | undefined {
  if (attrs.maxEntries === 0 || attrs.keySize === 0 || !socketValue(attrs) || attrs.flags & ~SOCK_FLAGS) {
    return refuse(EINVAL, 'sockhashes need a key_size, value_size 4 or 8, max_entries and no flags but NUMA and access ones');
  }
  if (attrs.keySize > SOCKHASH_KEY_MAX) return refuse(E2BIG, `sockhash keys are at most ${SOCKHASH_KEY_MAX} bytes`);
  // The bucket count is a u32 power of two with room for the buckets' bytes.
  if (attrs.maxEntries > 2 ** 31 || bucketCount(attrs.maxEntries) > Math.floor(0xffffffff / S.bpf_shtab_bucket)) return refuse(EINVAL, 'too many buckets');
  return undefined;
}

/** reuseport_array_alloc_check: a u32 or u64 value, then the array checks. */
function checkReuseport(attrs: MapAttrs, options: ResolvedOptions): Refusal | undefined {
  if (!socketValue(attrs)) return refuse(EINVAL, 'reuseport arrays need value_size 4 or 8');
  return checkArrayAttrs(attrs, options);
}

const SOCKMAP_EMPTY: EmptyMapAnswers = {
  nextKey: 'indexes',
  lookup: cookieLookup,
  // __sock_map_delete finds no socket (and a key past the end is -EINVAL too).
  delete: () => EINVAL,
};

const SOCKHASH_EMPTY: EmptyMapAnswers = { nextKey: 'end', lookup: cookieLookup, delete: () => ENOENT };

const REUSEPORT_EMPTY: EmptyMapAnswers = {
  nextKey: 'indexes',
  lookup: cookieLookup,
  delete: (attrs, key, le) => (readU32(key, le) >= attrs.maxEntries ? E2BIG : ENOENT),
};

export const sockMapFamily: MapFamily = {
  check: checkSockMap,
  create: (attrs, options) => new UnmodelledMap(attrs, options, SOCKMAP_EMPTY),
  memlock: (attrs) => S.bpf_stab + 8 * attrs.maxEntries,
  kernelOps: () => ({ map_lookup_elem: 'sock_map_lookup', map_update_elem: 'sock_map_update_elem', map_delete_elem: 'sock_map_delete_elem' }),
  libbpfOmitsBtf: true,
};

export const sockHashFamily: MapFamily = {
  check: checkSockHash,
  create: (attrs, options) => new UnmodelledMap(attrs, options, SOCKHASH_EMPTY),
  // sock_hash_mem_usage: the buckets, and the elements held (none here).
  memlock: (attrs) => S.bpf_shtab + S.bpf_shtab_bucket * bucketCount(attrs.maxEntries),
  kernelOps: () => ({ map_lookup_elem: 'sock_hash_lookup', map_update_elem: 'sock_map_update_elem', map_delete_elem: 'sock_hash_delete_elem' }),
  libbpfOmitsBtf: true,
};

export const reuseportFamily: MapFamily = {
  check: checkReuseport,
  create: (attrs, options) => new UnmodelledMap(attrs, options, REUSEPORT_EMPTY),
  memlock: (attrs) => S.reuseport_array + 8 * attrs.maxEntries,
};
