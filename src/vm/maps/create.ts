import { MAP_FLAG, MAP_TYPE, mapTypeName, type MapSpec } from '../../object/index.js';
import { arrayFamily } from './array.js';
import { bloomFilterFamily } from './bloom-filter.js';
import { u32Bytes } from './bytes.js';
import { EINVAL, ENOTSUPP, EOPNOTSUPP, strerror } from '../../errno.js';
import { MapCreateError } from './create-error.js';
import { accessFlagsOk, refuse, type MapFamily, type Refusal } from './family.js';
import { arrayOfMapsFamily, cgroupArrayFamily, perfEventArrayFamily, progArrayFamily } from './fd-array.js';
import { hashFamily } from './hash.js';
import { hashOfMapsFamily } from './hash-of-maps.js';
import { lpmTrieFamily } from './lpm-trie.js';
import { lruFamily } from './lru.js';
import { queueStackFamily } from './queue-stack.js';
import { cpuMapFamily, devMapFamily, devMapHashFamily, xskMapFamily } from './redirect.js';
import { ringbufFamily, userRingbufFamily } from './ringbuf.js';
import { reuseportFamily, sockHashFamily, sockMapFamily } from './socket-maps.js';
import { stackTraceFamily } from './stack-trace.js';
import { cgroupStorageFamily, localStorageFamily } from './storage-maps.js';
import { arenaFamily } from './arena.js';
import { structOpsFamily } from './struct-ops-map.js';
import type { MapAttrs, MapOptions, ResolvedOptions, SlotKind, VmMap } from './types.js';

/**
 * Every map type the kernel has, and what bpfscope knows of it: the one place a type
 * number picks code. Types whose family creates an UnmodelledMap (stack traces, socket
 * maps, storages, cgroup arrays, user ring buffers, arenas, struct_ops) are created, checked and
 * charged as the kernel does, but the VM does not run programs that use them.
 */
const FAMILIES: ReadonlyMap<number, MapFamily> = new Map([
  [MAP_TYPE.array, arrayFamily],
  [MAP_TYPE.percpuArray, arrayFamily],
  [MAP_TYPE.hash, hashFamily],
  [MAP_TYPE.percpuHash, hashFamily],
  [MAP_TYPE.lruHash, lruFamily],
  [MAP_TYPE.lruPercpuHash, lruFamily],
  [MAP_TYPE.lpmTrie, lpmTrieFamily],
  [MAP_TYPE.queue, queueStackFamily],
  [MAP_TYPE.stack, queueStackFamily],
  [MAP_TYPE.ringbuf, ringbufFamily],
  [MAP_TYPE.perfEventArray, perfEventArrayFamily],
  [MAP_TYPE.progArray, progArrayFamily],
  [MAP_TYPE.arrayOfMaps, arrayOfMapsFamily],
  [MAP_TYPE.hashOfMaps, hashOfMapsFamily],
  [MAP_TYPE.bloomFilter, bloomFilterFamily],
  [MAP_TYPE.devmap, devMapFamily],
  [MAP_TYPE.devmapHash, devMapHashFamily],
  [MAP_TYPE.cpumap, cpuMapFamily],
  [MAP_TYPE.xskmap, xskMapFamily],
  [MAP_TYPE.stackTrace, stackTraceFamily],
  [MAP_TYPE.cgroupArray, cgroupArrayFamily],
  [MAP_TYPE.sockmap, sockMapFamily],
  [MAP_TYPE.sockhash, sockHashFamily],
  [MAP_TYPE.reuseportSockarray, reuseportFamily],
  [MAP_TYPE.cgroupStorage, cgroupStorageFamily],
  [MAP_TYPE.percpuCgroupStorage, cgroupStorageFamily],
  [MAP_TYPE.skStorage, localStorageFamily],
  [MAP_TYPE.inodeStorage, localStorageFamily],
  [MAP_TYPE.taskStorage, localStorageFamily],
  [MAP_TYPE.cgrpStorage, localStorageFamily],
  [MAP_TYPE.userRingbuf, userRingbufFamily],
  [MAP_TYPE.arena, arenaFamily],
  [MAP_TYPE.structOps, structOpsFamily],
]);

/** The map types createMap knows. */
export function vmMapTypes(): number[] {
  return [...FAMILIES.keys()].sort((a, b) => a - b);
}

/** What bpfscope knows of a map type, if it knows the type. */
export function mapFamily(type: number): MapFamily | undefined {
  return FAMILIES.get(type);
}

/** What a map type's values refer to, where they are references (programs, maps, perf events). */
export function mapSlotKind(type: number): SlotKind | undefined {
  return FAMILIES.get(type)?.slots;
}

/** The map_flags a map has once created (what `map show` prints): the flags asked for, plus any its type adds. */
export function createdFlags(attrs: Pick<MapAttrs, 'type' | 'flags'>): number {
  return FAMILIES.get(attrs.type)?.keptFlags?.(attrs.flags) ?? attrs.flags;
}

function resolveOptions(options: MapOptions = {}): ResolvedOptions {
  const cpus = options.cpus ?? 1;
  if (!Number.isInteger(cpus) || cpus < 1) throw new RangeError(`cpus must be a positive integer, not ${cpus}`);
  return {
    cpus,
    littleEndian: options.littleEndian ?? true,
    spinLock: options.spinLock ?? false,
    resolve: options.resolve ?? {},
    hashSeed: options.hashSeed ?? 0,
    memoryLimit: options.memoryLimit ?? 2 ** 30,
  };
}

/**
 * Why BPF_MAP_CREATE would refuse these attributes, or undefined when it would not:
 * the syscall's own checks (map_extra, access flags), then the type's.
 */
export function checkMapAttrs(attrs: MapAttrs, options: MapOptions = {}): Refusal | undefined {
  const resolved = resolveOptions(options);
  if (attrs.btfKeyTypeId && !attrs.btfValueTypeId) return refuse(EINVAL, 'a key type needs a value type');
  if (attrs.type !== MAP_TYPE.bloomFilter && attrs.type !== MAP_TYPE.arena && (attrs.mapExtra ?? 0n) !== 0n) return refuse(EINVAL, 'map_extra is only for bloom filters and arenas');
  if ((attrs.flags & (MAP_FLAG.rdonly | MAP_FLAG.wronly)) === (MAP_FLAG.rdonly | MAP_FLAG.wronly)) return refuse(EINVAL, 'BPF_F_RDONLY and BPF_F_WRONLY together');
  if (!accessFlagsOk(attrs.flags)) return refuse(EINVAL, 'BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG together');
  const family = FAMILIES.get(attrs.type);
  if (!family) {
    return attrs.type < 0 || mapTypeName(attrs.type).startsWith('type ')
      ? refuse(EINVAL, `no map type ${attrs.type}`)
      : refuse(EOPNOTSUPP, `bpfscope does not implement ${mapTypeName(attrs.type)} maps`);
  }
  const refusal = family.check(attrs, resolved);
  if (refusal) return refusal;
  // map_check_btf runs once the map is allocated.
  if (family.refusesBtf && (attrs.btfKeyTypeId || attrs.btfValueTypeId)) return refuse(ENOTSUPP, `${mapTypeName(attrs.type)} maps take no BTF`);
  return undefined;
}

/**
 * BPF_MAP_CREATE: a map with the kernel's semantics for its type. Throws MapCreateError
 * (with the errno the kernel returns) for attributes the kernel refuses.
 */
export function createMap(attrs: MapAttrs, options: MapOptions = {}): VmMap {
  const refusal = checkMapAttrs(attrs, options);
  if (refusal) throw new MapCreateError(refusal.errno, refusal.why);
  return FAMILIES.get(attrs.type)!.create(attrs, resolveOptions(options));
}

/**
 * What libbpf does after creating an object's map: write global data's initial
 * contents and freeze the read-only ones (libbpf freezes internal maps created with
 * BPF_F_RDONLY_PROG, so that the verifier may take their values as constants), and
 * fill prog arrays and map-in-maps from their `.maps` initialisers. `slotTarget` turns
 * an initialiser's program or map name (`kind` says which the map holds) into the id it
 * has; a name it does not know fails as libbpf fails.
 */
export function createMapFromSpec(spec: MapSpec, options: MapOptions = {}, slotTarget?: (name: string, kind: SlotKind) => number | undefined): VmMap {
  const map = createMap(spec, options);
  const le = options.littleEndian ?? true;
  const internal = spec.origin === 'data' || spec.origin === 'rodata' || spec.origin === 'bss' || spec.origin === 'kconfig';
  if (internal && spec.initialData) {
    const err = map.sysUpdate(u32Bytes(0, le), spec.initialData, 0);
    if (err) throw new MapCreateError(err, `writing the initial contents of ${spec.name}`);
  }
  for (const { index, target } of spec.initialSlots) {
    const kind = mapSlotKind(spec.type);
    const id = kind === undefined ? undefined : slotTarget?.(target, kind);
    if (id === undefined) throw new MapCreateError(-EINVAL, `${spec.name}[${index}]: nothing named ${target}`);
    const err = map.sysUpdate(u32Bytes(index, le), u32Bytes(id, le), 0);
    if (err) throw new MapCreateError(err, `${spec.name}[${index}] = ${target}: ${strerror(err)}`);
  }
  if (internal && spec.flags & MAP_FLAG.rdonlyProg) {
    const err = map.freeze();
    if (err) throw new MapCreateError(err, `freezing ${spec.name}`);
  }
  return map;
}
