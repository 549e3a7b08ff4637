import type { LoadedMap } from '../vm/index.js';
import { MAP_TYPE, mapTypeId } from '../object/index.js';
import type { MapDumpSpec } from '../btf/index.js';
import type { CliContext } from './context.js';

const PERCPU_CGROUP_STORAGE = mapTypeId('percpu_cgroup_storage');

/** bpftool 7.1's per-CPU types (the ones whose values it reads one per possible CPU). */
export function isPerCpuType(type: number): boolean {
  return type === MAP_TYPE.percpuHash || type === MAP_TYPE.percpuArray || type === MAP_TYPE.lruPercpuHash || type === PERCPU_CGROUP_STORAGE;
}

/** The facts a dump or a lookup prints by: sizes, per-CPU, and the BTF the map was created with. */
export function dumpSpecOf(ctx: CliContext, map: LoadedMap): MapDumpSpec {
  const object = ctx.store.objectOfMap(map);
  const btf = map.btfId ? object?.spec.btf : undefined;
  return {
    keySize: map.spec.keySize,
    valueSize: map.spec.valueSize,
    perCpu: isPerCpuType(map.spec.type),
    ...(btf ? { btf } : {}),
    btfKeyTypeId: map.spec.btfKeyTypeId,
    btfValueTypeId: map.spec.btfValueTypeId,
  };
}
