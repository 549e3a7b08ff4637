import { MAP_TYPE } from './kinds.js';
import type { MapSpec } from './spec.js';

/**
 * What cilium/ebpf does to a map definition before creating it, where the kernel would
 * refuse libbpf's reading of the same definition:
 * - `__type(value, T)` of a ring buffer, arena or perf event array describes its records,
 *   not a value size (cilium/ebpf's canHaveValueSize); libbpf passes T's size;
 * - a perf event array's key and value of size 0 become 4 (fixupMagicFields); libbpf keeps 0.
 */
const CILIUM_SIZES = new Map<number, { keySize?: number; valueSize: number; why: string }>([
  [MAP_TYPE.ringbuf, { valueSize: 0, why: 'ring buffers have no value size' }],
  [MAP_TYPE.arena, { valueSize: 0, why: 'arenas have no value size' }],
  [MAP_TYPE.perfEventArray, { keySize: 4, valueSize: 4, why: 'perf event arrays hold 4-byte fds' }],
]);

/** Where libbpf would fail to create a map that cilium/ebpf creates, reads it as cilium/ebpf does and says so in `notes`. */
export function readAsCilium(spec: MapSpec, notes: string[]): void {
  const cilium = CILIUM_SIZES.get(spec.type);
  if (!cilium) return;
  const fromValueType = spec.btfValueTypeId !== 0 && spec.valueSize !== cilium.valueSize;
  const keySize = cilium.keySize !== undefined && spec.keySize === 0 ? cilium.keySize : spec.keySize;
  const valueSize = fromValueType || (cilium.valueSize !== 0 && spec.valueSize === 0) ? cilium.valueSize : spec.valueSize;
  if (keySize === spec.keySize && valueSize === spec.valueSize) return;
  const given = fromValueType ? `__type(value) gives it value_size ${spec.valueSize}` : `its definition gives key_size ${spec.keySize} and value_size ${spec.valueSize}`;
  notes.push(
    `libbpf 1.x: map '${spec.name}': failed to create: Invalid argument(-22) (${given}, and ${cilium.why}); ` +
      `read as cilium/ebpf reads it, with key_size ${keySize} and value_size ${valueSize}`,
  );
  spec.keySize = keySize;
  spec.valueSize = valueSize;
  // The kernel refuses BTF whose types' sizes are not the map's; cilium/ebpf then retries without BTF.
  if (fromValueType) {
    spec.btfKeyTypeId = 0;
    spec.btfValueTypeId = 0;
  }
}
