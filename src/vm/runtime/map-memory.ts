import { VmFault } from '../../errors.js';
import { ArrayMap } from '../maps/array.js';
import type { VmMap } from '../maps/types.js';
import type { AddressSpace } from '../memory/address-space.js';

/**
 * How maps appear in a program's memory.
 *
 * - A map itself (ld_imm64 src 1, what map helpers take as their first argument, what a
 *   map-in-map lookup returns) is a handle: an address in one region of size 0, at an
 *   offset equal to the map's id. It identifies the map and cannot be read or written,
 *   where the kernel hands out its struct bpf_map (which the verifier keeps programs
 *   from dereferencing).
 * - An array's values are one region per map (per CPU for per-CPU arrays): its value
 *   area, the slots at a stride of value_size rounded to 8, as the kernel lays them out.
 *   A lookup points into it; ld_imm64 src 2 (`map[id:N][0]+off`) does too.
 * - Any other map's value (hash, LRU, LPM trie elements) becomes a region of its own on
 *   its first lookup and stays one, at the same address, while the element lives. When
 *   the element leaves the map (delete, eviction) the region is unmapped: a stale
 *   pointer then faults, or, once the slot holds a newer region, reaches that region's
 *   bytes (as a stale pointer into a preallocated kernel map reaches whatever element
 *   reuses the memory). Either way only VM regions are touched.
 *
 * Regions take their access from the map: read-only for BPF_F_RDONLY_PROG maps (`.rodata`).
 */
export class MapMemory {
  private readonly handleBase: bigint;
  private readonly byId = new Map<number, VmMap>();
  /** By handle address: one lookup per helper call rather than address arithmetic. */
  private readonly byHandle = new Map<bigint, VmMap>();
  private readonly idOf = new Map<VmMap, number>();
  /** Array value areas by map, one address per CPU copy. */
  private readonly areas = new Map<VmMap, bigint[]>();
  /** Addresses of values by their live bytes: element regions, and array slots once computed. */
  private readonly elements = new WeakMap<Uint8Array, bigint>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(readonly memory: AddressSpace) {
    this.handleBase = memory.map('map handles (struct bpf_map: not readable)', new Uint8Array(0), 'r');
  }

  /** Makes the map known under its id. */
  add(id: number, map: VmMap): void {
    this.byId.set(id, map);
    this.byHandle.set(this.handleBase + BigInt(id), map);
    this.idOf.set(map, id);
    this.unsubscribe.push(map.onRelease((values) => this.release(values)));
  }

  /** The map's handle: what ld_imm64 src 1 loads. */
  handle(id: number): bigint {
    if (!this.byId.has(id)) throw new RangeError(`no map with id ${id}`);
    return this.handleBase + BigInt(id);
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  handleOf(map: VmMap): bigint | undefined {
    const id = this.idOf.get(map);
    return id === undefined ? undefined : this.handleBase + BigInt(id);
  }

  /** The map whose handle this is, or undefined. */
  mapAt(address: bigint): VmMap | undefined {
    return this.byHandle.get(address);
  }

  /** Like mapAt, for a helper's map argument: faults when it is no map (the verifier's check). */
  requireMap(address: bigint, helper: string): VmMap {
    const map = this.mapAt(address);
    if (!map) throw new VmFault(`${helper}: 0x${BigInt.asUintN(64, address).toString(16)} is not a map`);
    return map;
  }

  /**
   * The address of an array map's value area plus `offset`: what ld_imm64 src 2 loads.
   * Only arrays have values at a fixed place.
   */
  directValue(id: number, offset: number, cpu = 0): bigint {
    const map = this.byId.get(id);
    if (!(map instanceof ArrayMap)) throw new RangeError(`map ${id} is not an array: its values have no fixed address`);
    return this.areaBase(map, cpu) + BigInt(offset);
  }

  /** A program's pointer to the value bytes a lookup returned (one CPU's copy for per-CPU maps). */
  pointer(map: VmMap, value: Uint8Array, cpu = 0): bigint {
    let address = this.elements.get(value);
    if (address === undefined) {
      if (map instanceof ArrayMap) address = this.areaBase(map, cpu) + BigInt(value.byteOffset - map.valueArea(cpu).byteOffset);
      else address = this.memory.map(`value of ${describe(map)}`, value, map.programAccess);
      this.elements.set(value, address);
    }
    return address;
  }

  /** Stops following the maps' releases. */
  dispose(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  private areaBase(map: ArrayMap, cpu: number): bigint {
    let bases = this.areas.get(map);
    if (!bases) this.areas.set(map, (bases = []));
    const copy = map.perCpu ? cpu : 0;
    let base = bases[copy];
    if (base === undefined) {
      const name = map.perCpu ? `values of ${describe(map)} on CPU ${cpu}` : `values of ${describe(map)}`;
      base = this.memory.map(name, map.valueArea(cpu), map.programAccess);
      bases[copy] = base;
    }
    return base;
  }

  private release(values: readonly Uint8Array[]): void {
    for (const v of values) {
      const address = this.elements.get(v);
      if (address === undefined) continue;
      this.memory.unmap(address);
      this.elements.delete(v);
    }
  }
}

function describe(map: VmMap): string {
  return `${map.name || 'map'} (${map.typeName})`;
}
