import { checkHashAttrs, HashMap, hashCountsElements, hashMemlock } from './hash.js';
import { readU32 } from './bytes.js';
import { EBADF, EINVAL, EOPNOTSUPP } from '../../errno.js';
import { INLINED, refuse, type MapFamily } from './family.js';
import { UPDATE_FLAG } from './flags.js';
import { checkInnerTemplate, innerMapCompatible, type SlotMap } from './slots.js';
import type { MapAttrs, ResolvedOptions } from './types.js';

/**
 * BPF_MAP_TYPE_HASH_OF_MAPS: a hash whose values are maps (ids here), each like the
 * template the map was created with. The id is checked before the flags, as the kernel
 * resolves the fd before it updates; a full map refuses a new key with -E2BIG.
 * Programs only look inner maps up (`slot`).
 */
export class HashOfMapsMap extends HashMap implements SlotMap {
  readonly slotKind = hashOfMapsFamily.slots;
  readonly template: MapAttrs;

  constructor(attrs: MapAttrs, options: ResolvedOptions) {
    super(attrs, options);
    this.template = attrs.inner!;
  }

  slot(key: Uint8Array): number | undefined {
    const e = this.get(key);
    return e ? readU32(e.raw, this.littleEndian) : undefined;
  }

  override update(): number {
    return -EOPNOTSUPP;
  }

  override delete(): number {
    return -EOPNOTSUPP;
  }

  protected override find(): undefined {
    return undefined;
  }

  protected override sysStore(key: Uint8Array, value: Uint8Array, flags: number): number {
    const id = readU32(value, this.littleEndian);
    const resolve = this.options.resolve.map;
    if (!resolve) {
      if (!id) return -EBADF;
    } else {
      const map = resolve(id);
      if (!map) return -EBADF;
      if (!innerMapCompatible(this.template, map)) return -EINVAL;
    }
    // htab_map_update_elem_in_place: BPF_F_LOCK is an unknown flag here.
    if (flags > UPDATE_FLAG.exist) return -EINVAL;
    return this.store(key, value, flags, 0, false);
  }
}

export const hashOfMapsFamily = {
  check(attrs, options) {
    if (attrs.valueSize !== 4) return refuse(EINVAL, 'the values of a hash of maps are 4 bytes');
    return checkHashAttrs(attrs, options) ?? checkInnerTemplate(attrs);
  },
  create: (attrs, options) => new HashOfMapsMap(attrs, options),
  memlock: hashMemlock,
  countsElements: hashCountsElements,
  refusesBtf: true,
  kernelOps: () => ({ map_lookup_elem: INLINED }),
  slots: 'map',
  libbpfOmitsBtf: true,
} as const satisfies MapFamily;
