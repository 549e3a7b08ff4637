import { MAP_FLAG, MAP_TYPE } from '../../object/index.js';
import { EBADF, EINVAL } from '../../errno.js';
import { refuse, type Refusal } from './family.js';
import type { MapAttrs, SlotKind, VmMap } from './types.js';

/**
 * A map whose values are references: prog arrays (programs, for tail calls), array and
 * hash of maps (inner maps), perf event arrays (perf events). User space writes and
 * reads ids (in place of the kernel's fds on write); programs reach the referenced
 * object through `slot`, which is what a tail call or a map-in-map lookup uses.
 */
export interface SlotMap extends VmMap {
  readonly slotKind: SlotKind;
  /** The id held under the key, if any. */
  slot(key: Uint8Array): number | undefined;
}

export function isSlotMap(map: VmMap): map is SlotMap {
  return 'slotKind' in map && typeof (map as Partial<SlotMap>).slot === 'function';
}

/**
 * bpf_map_meta_equal (and, for plain arrays, array_map_meta_equal): whether a map may
 * stand in a map-in-map built from `template`. Flags compare without BPF_F_RDONLY and
 * BPF_F_WRONLY, which the kernel keeps on the fd; a plain array template also fixes
 * max_entries unless it carries BPF_F_INNER_MAP.
 */
export function innerMapCompatible(template: MapAttrs, map: MapAttrs): boolean {
  const fdOnly = MAP_FLAG.rdonly | MAP_FLAG.wronly;
  if (template.type !== map.type || template.keySize !== map.keySize || template.valueSize !== map.valueSize) return false;
  if ((template.flags & ~fdOnly) !== (map.flags & ~fdOnly)) return false;
  if (template.type === MAP_TYPE.array && !(template.flags & MAP_FLAG.innerMap)) return template.maxEntries === map.maxEntries;
  return true;
}

/** bpf_map_meta_alloc's checks of the inner map a map-in-map is created from. */
export function checkInnerTemplate(attrs: MapAttrs): Refusal | undefined {
  const inner = attrs.inner;
  if (inner === undefined) return refuse(EBADF, 'a map-in-map needs an inner map');
  if (inner.type === MAP_TYPE.arrayOfMaps || inner.type === MAP_TYPE.hashOfMaps) return refuse(EINVAL, 'maps of maps of maps are not supported');
  return undefined;
}
