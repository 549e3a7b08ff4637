import { describe, expect, it } from 'vitest';
import { mapTypeName, MAP_TYPE } from '../../../src/object/kinds.js';
import { createMap, mapFamily, mapSlotKind, vmMapTypes } from '../../../src/vm/maps/create.js';
import { isSlotMap } from '../../../src/vm/maps/slots.js';
import type { MapAttrs } from '../../../src/vm/maps/types.js';

const inner: MapAttrs = { type: MAP_TYPE.array, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 };

describe('map families', () => {
  it("say what a type's values refer to as its maps do", () => {
    for (const type of [MAP_TYPE.progArray, MAP_TYPE.perfEventArray, MAP_TYPE.arrayOfMaps, MAP_TYPE.hashOfMaps, MAP_TYPE.array, MAP_TYPE.hash]) {
      const map = createMap({ type, keySize: 4, valueSize: 4, maxEntries: 4, flags: 0, inner });
      expect([mapTypeName(type), isSlotMap(map) ? map.slotKind : undefined]).toEqual([mapTypeName(type), mapSlotKind(type)]);
    }
  });

  it('walk with bpf_for_each_map_elem only the types the kernel has a callback walk for', () => {
    const walks = vmMapTypes().filter((type) => mapFamily(type)?.kernelOps?.({ type, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 }).for_each_map_elem);
    // kernel/bpf: map_set_for_each_callback_args is set in array_map_ops, percpu_array_map_ops and the four htab ops.
    expect(walks.map(mapTypeName).sort()).toEqual(['array', 'hash', 'lru_hash', 'lru_percpu_hash', 'percpu_array', 'percpu_hash']);
  });
});
