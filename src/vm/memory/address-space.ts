import { VmFault } from '../../errors.js';

/**
 * The VM's memory: regions (each frame's stack, the input memory or context, later
 * packets and map values) placed in a 64-bit address space so that a pointer is an
 * ordinary 64-bit register value. Region k occupies [k << 32, (k << 32) + size): the
 * upper half of an address picks the region, the lower half is the offset in it. That
 * makes every check two integer comparisons, keeps pointer arithmetic honest (an offset
 * that runs off either end lands in no region, or in the gap after one), and leaves
 * slot 0 unmapped so that NULL and small integers are never valid pointers.
 */

export type Access = 'r' | 'rw';

export interface Region {
  /** Named in faults: `stack[0]`, `input`. */
  readonly name: string;
  /** The upper 32 bits of every address in the region. */
  readonly slot: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly size: number;
  readonly writable: boolean;
}

/** Regions larger than this could not keep their offsets in the lower half. */
const MAX_REGION = 2 ** 32 - 1;

/** Fills slots nobody has mapped, so that lookups stay monomorphic; its size 0 fails every check. */
const UNMAPPED: Region = Object.freeze({ name: 'unmapped', slot: -1, bytes: new Uint8Array(0), view: new DataView(new ArrayBuffer(0)), size: 0, writable: false });

export class AddressSpace {
  /** Indexed by slot; slot 0 is the NULL page and stays unmapped. */
  readonly regions: Region[] = [UNMAPPED];

  /**
   * Maps the bytes (not a copy: the caller sees what the program writes) and returns the
   * address of their first byte.
   */
  map(name: string, bytes: Uint8Array, access: Access = 'rw'): bigint {
    if (bytes.length > MAX_REGION) throw new RangeError(`region ${name} is larger than 4 GiB`);
    let slot = this.regions.indexOf(UNMAPPED, 1);
    if (slot < 0) slot = this.regions.length;
    this.regions[slot] = Object.freeze({
      name,
      slot,
      bytes,
      view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      size: bytes.length,
      writable: access === 'rw',
    });
    return slotBase(slot);
  }

  /** Removes the region that holds the address, if any. */
  unmap(address: bigint): void {
    const r = this.regionAt(address);
    if (r) this.regions[r.slot] = UNMAPPED;
  }

  regionAt(address: bigint): Region | undefined {
    const r = this.regions[Number(BigInt.asUintN(64, address) >> 32n)];
    return r === undefined || r === UNMAPPED ? undefined : r;
  }

  /**
   * A checked copy of guest memory, for helpers. A bad range is a VmFault without a pc;
   * the interpreter adds the call's.
   */
  read(address: bigint, length: number): Uint8Array {
    const { region, offset } = this.check(address, length, false);
    return region.bytes.slice(offset, offset + length);
  }

  /** A checked write of guest memory, for helpers. */
  write(address: bigint, data: Uint8Array): void {
    const { region, offset } = this.check(address, data.length, true);
    region.bytes.set(data, offset);
  }

  private check(address: bigint, length: number, write: boolean): { region: Region; offset: number } {
    const a = BigInt.asUintN(64, address);
    const hi = Number(a >> 32n);
    const lo = Number(a & 0xffffffffn);
    const region = this.regions[hi];
    if (region === undefined || lo + length > region.size || (write && !region.writable)) {
      throw new VmFault(this.describeFault(hi, lo, length, write));
    }
    return { region, offset: lo };
  }

  /**
   * Why an access of `size` bytes at hi:lo is refused, naming the address and the
   * region it was nearest to.
   */
  describeFault(hi: number, lo: number, size: number, write: boolean): string {
    const what = `${write ? 'write' : 'read'} of ${size} byte${size === 1 ? '' : 's'} at ${hex64(hi, lo)}`;
    const r = this.regions[hi];
    const mapped = r !== undefined && r !== UNMAPPED;
    // A negative offset from a region's start lands at the top of the slot before it (mapped or not).
    const next = this.regions[hi + 1];
    const below = 2 ** 32 - (lo >>> 0);
    if (next !== undefined && next !== UNMAPPED && below <= 0x10000 && (!mapped || lo >= r.size)) return `${what} is ${below} bytes below ${next.name} (${next.size} bytes at ${hex64(hi + 1, 0)})`;
    if (!mapped) return hi === 0 && lo < 4096 ? `${what}: NULL pointer (nothing is mapped at 0x0-0xfff)` : `${what}: no memory is mapped there`;
    if (write && !r.writable && lo + size <= r.size) return `${what}: ${r.name} is read-only`;
    return `${what} is outside ${r.name} (${r.size} bytes at ${hex64(hi, 0)}; offset ${lo})`;
  }
}

export function slotBase(slot: number): bigint {
  return BigInt(slot) << 32n;
}

/** Hex of the 64-bit value whose halves are given (each read as unsigned). */
export function hex64(hi: number, lo: number): string {
  const h = hi >>> 0;
  return h === 0 ? `0x${(lo >>> 0).toString(16)}` : `0x${h.toString(16)}${(lo >>> 0).toString(16).padStart(8, '0')}`;
}
