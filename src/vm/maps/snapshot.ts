import { ObjectError } from '../../errors.js';
import { MAP_TYPE } from '../../object/index.js';
import { createMap } from './create.js';
import { strerror } from '../../errno.js';
import type { MapAttrs, MapOptions, VmMap } from './types.js';

/**
 * A map's contents as plain data, and the map rebuilt from them: what a store keeps
 * between invocations. Elements go back through the syscall side in the reverse of
 * get_next_key's walk, so hash buckets (newest first) come back in the same order;
 * queues are pushed oldest first. Bloom filters and ring buffers hold state no
 * syscall writes back, so their own fields are kept as they are.
 */
export interface MapSnapshot {
  /** Key and syscall-side value (per-CPU: every CPU's, padded to 8), hex, in walk order. */
  elements: [key: string, value: string][];
  frozen: boolean;
  /** Bloom filter bits, ring buffer bytes and positions: field name to number or base64 bytes. */
  fields?: Record<string, number | string>;
}

/** The fields of the types whose contents are not elements. */
const STATE_FIELDS: ReadonlyMap<number, readonly string[]> = new Map([
  [MAP_TYPE.bloomFilter, ['bits', 'pushed']],
  [MAP_TYPE.ringbuf, ['data', 'consumer', 'producer', 'pending', 'wakeups']],
]);

export function snapshotMap(map: VmMap): MapSnapshot {
  const elements: [string, string][] = [];
  for (const e of map.entries()) elements.push([hex(e.key), hex(syscallValue(map, e.value))]);
  const snap: MapSnapshot = { elements, frozen: map.frozen };
  const fields = STATE_FIELDS.get(map.type);
  if (fields) {
    const own = map as unknown as Record<string, unknown>;
    snap.fields = {};
    for (const f of fields) {
      const v = own[f];
      snap.fields[f] = typeof v === 'number' ? v : Buffer.from((v as Uint8Array | Uint32Array).buffer).toString('base64');
    }
  }
  return snap;
}

/** A snapshot element the map refuses (a key or value of the wrong size, a full map). */
export class SnapshotElementError extends ObjectError {
  declare readonly errno: number;

  constructor(
    errno: number,
    readonly index: number,
  ) {
    super(`element ${index} refused: ${strerror(errno)}`, {}, errno);
  }
}

/**
 * A new map with these attributes holding what the snapshot holds. Throws
 * MapCreateError when the kernel would refuse the attributes, SnapshotElementError
 * when the map refuses an element.
 */
export function restoreMap(attrs: MapAttrs, options: MapOptions, snap: MapSnapshot): VmMap {
  const map = createMap(attrs, options);
  const inOrder = map.type === MAP_TYPE.queue;
  const keyless = map.keySize === 0;
  for (let n = 0; n < snap.elements.length; n++) {
    const i = inOrder ? n : snap.elements.length - 1 - n;
    const [k, v] = snap.elements[i]!;
    const err = map.sysUpdate(keyless ? undefined : unhex(k), unhex(v), 0);
    if (err) throw new SnapshotElementError(err, i);
  }
  const fields = STATE_FIELDS.get(map.type);
  if (fields && snap.fields) {
    const own = map as unknown as Record<string, unknown>;
    for (const f of fields) {
      const saved = snap.fields[f];
      const target = own[f];
      if (typeof saved === 'number') own[f] = saved;
      else if (saved !== undefined && (target instanceof Uint8Array || target instanceof Uint32Array)) {
        new Uint8Array(target.buffer, target.byteOffset, target.byteLength).set(Buffer.from(saved, 'base64').subarray(0, target.byteLength));
      }
    }
  }
  if (snap.frozen) map.freeze();
  return map;
}

/** What BPF_MAP_LOOKUP_ELEM hands back for an element: per-CPU values padded to 8 and laid end to end. */
function syscallValue(map: VmMap, value: Uint8Array | Uint8Array[]): Uint8Array {
  if (value instanceof Uint8Array) return value;
  const stride = Math.ceil(map.valueSize / 8) * 8;
  const out = new Uint8Array(stride * value.length);
  value.forEach((v, cpu) => out.set(v.subarray(0, map.valueSize), cpu * stride));
  return out;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function unhex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}
