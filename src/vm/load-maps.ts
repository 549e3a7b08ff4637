import { MAP_TYPE, type MapSpec, type ObjectSpec } from '../object/index.js';
import type { IdSource, LoadedMap } from './loaded.js';
import { checkMapAttrs, mapFamily } from './maps/create.js';
import { MapCreateError } from './maps/create-error.js';
import type { MapAttrs } from './maps/types.js';
import { mapMemlock } from './memlock.js';

const BPF_OBJ_NAME_LEN = 16;

/**
 * libbpf's creation of an object's maps, each refused or made as BPF_MAP_CREATE would:
 * the sizes libbpf fills in (a perf event array of 0 entries gets one per possible CPU,
 * a ring buffer is rounded up to a power-of-2 number of pages), BTF for the key and
 * value where libbpf passes it, the kernel's checks for the type (src/vm/maps), and a
 * second try without BTF when the kernel refuses the first, as libbpf retries. A map
 * the kernel refuses fails the load with its errno, as it fails libbpf's.
 */
export function createObjectMaps(spec: ObjectSpec, ids: IdSource, btfId: number, cpus: number): LoadedMap[] {
  return spec.maps.map((m) => {
    const family = mapFamily(m.type);
    const sized = family?.libbpfAttrs?.(m, cpus) ?? m;
    // A struct_ops map's value is the kernel's type (btf_vmlinux_value_type_id), with the object's BTF beside it.
    const vmlinuxValue = m.btfVmlinuxValueTypeId ?? 0;
    const withBtf = spec.btf !== undefined && !family?.libbpfOmitsBtf && (m.btfKeyTypeId !== 0 || m.btfValueTypeId !== 0 || vmlinuxValue !== 0);
    const attrs = (btf: boolean): MapAttrs => ({ ...sized, btfKeyTypeId: btf ? m.btfKeyTypeId : 0, btfValueTypeId: btf ? m.btfValueTypeId : 0 });
    // A map is checked, not allocated: the VM's memory limit is the run's business.
    const options = { cpus, memoryLimit: Number.POSITIVE_INFINITY };
    const keepsBtf = withBtf && checkMapAttrs(attrs(true), options) === undefined;
    // A struct_ops value type the target lacks, the object layer notes as libbpf fails on it; the map stays, to be inspected.
    const unknownStructOps = m.type === MAP_TYPE.structOps && vmlinuxValue === 0;
    const refusal = keepsBtf || unknownStructOps ? undefined : checkMapAttrs(attrs(false), options);
    if (refusal) throw new MapCreateError(refusal.errno, refusal.why, `map '${m.name}': failed to create`).within({ file: spec.fileName });
    const created: MapSpec = keepsBtf ? sized : { ...sized, btfKeyTypeId: 0, btfValueTypeId: 0 };
    return {
      id: ids.nextMapId(),
      name: m.name.slice(0, BPF_OBJ_NAME_LEN - 1),
      spec: created,
      btfId: keepsBtf ? btfId : 0,
      frozen: m.origin === 'rodata' || m.origin === 'kconfig',
      memlock: mapMemlock(created, cpus),
    };
  });
}
