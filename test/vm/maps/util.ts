import { mapTypeId, type MapTypeName } from '../../../src/object/kinds.js';
import { createMap, type MapAttrs, type MapOptions, type VmMap } from '../../../src/vm/maps/index.js';

export function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

export function u64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}

export function bytes(...b: number[]): Uint8Array {
  return Uint8Array.from(b);
}

export function attrs(type: MapTypeName, keySize: number, valueSize: number, maxEntries: number, more: Partial<MapAttrs> = {}): MapAttrs {
  return { type: mapTypeId(type)!, keySize, valueSize, maxEntries, flags: 0, ...more };
}

export function make(type: MapTypeName, keySize: number, valueSize: number, maxEntries: number, more: Partial<MapAttrs> = {}, options: MapOptions = {}): VmMap {
  return createMap(attrs(type, keySize, valueSize, maxEntries, more), options);
}

/** The u32 a result holds, or the errno it is. */
export function num(r: Uint8Array | number): number {
  return typeof r === 'number' ? r : new DataView(r.buffer, r.byteOffset, 4).getUint32(0, true);
}

/** Every key get_next_key walks, from none to the end. */
export function walk(m: VmMap): number[][] {
  const out: number[][] = [];
  for (let k = m.sysGetNextKey(undefined); typeof k !== 'number'; k = m.sysGetNextKey(k)) out.push([...k]);
  return out;
}
