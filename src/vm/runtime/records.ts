import { VmFault } from '../../errors.js';
import type { RingbufMap, RingbufReservation } from '../maps/ringbuf.js';
import type { AddressSpace } from '../memory/address-space.js';

interface OpenRecord {
  map: RingbufMap;
  reservation: RingbufReservation;
}

/**
 * Ring buffer records reserved by programs, each mapped as a region of its own for as
 * long as it is reserved: bpf_ringbuf_reserve returns the region's address, submit and
 * discard unmap it, so a pointer kept past either faults instead of writing into the
 * ring (the verifier forbids such use).
 */
export class RecordMemory {
  private readonly open = new Map<bigint, OpenRecord>();

  constructor(private readonly memory: AddressSpace) {}

  /** Maps a reservation and returns the address of its sample. */
  add(map: RingbufMap, reservation: RingbufReservation): bigint {
    const address = this.memory.map(`ring buffer record of ${map.name || 'ringbuf'} at ${reservation.position}`, reservation.sample);
    this.open.set(address, { map, reservation });
    return address;
  }

  /** Unmaps the record whose sample starts at `address`; faults when there is none (the verifier's check). */
  take(address: bigint, helper: string): OpenRecord {
    const a = BigInt.asUintN(64, address);
    const record = this.open.get(a);
    if (!record) throw new VmFault(`${helper}: 0x${a.toString(16)} is not a reserved ring buffer record`);
    this.open.delete(a);
    this.memory.unmap(a);
    return record;
  }

  /** Records reserved and neither submitted nor discarded. */
  get pending(): number {
    return this.open.size;
  }
}
