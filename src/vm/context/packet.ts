import type { AddressSpace } from '../memory/address-space.js';

/**
 * The part of a packet buffer a program may load and store: [data_meta, data_end) for
 * XDP, [data, data_end) for an skb. The verifier refuses any packet access it cannot
 * prove inside that range; bpfscope has no such proof, so the window is a region of
 * its own and the engines' ordinary bounds check faults the rest (headroom, tailroom,
 * past data_end) at no cost per access. Offsets here are the buffer's.
 *
 * A helper that moves the bounds (bpf_xdp_adjust_head, _tail, _meta) maps the new
 * window in another slot before unmapping the old one, so that a packet pointer kept
 * across the call faults, as the verifier would refuse it (it invalidates packet
 * pointers after such helpers), instead of reaching shifted bytes.
 */
export class PacketWindow {
  /** Unmapped until the first move(), so that a run refused before it leaves nothing mapped. */
  private address: bigint | undefined;
  private start = 0;
  private end = 0;

  constructor(
    private readonly memory: AddressSpace,
    private readonly name: string,
    private readonly buf: Uint8Array,
  ) {}

  /** The VM address of the buffer's byte at `offset` (inside the window or not). */
  at(offset: number): bigint {
    if (this.address === undefined) throw new Error(`${this.name} is not mapped yet`);
    return this.address + BigInt(offset - this.start);
  }

  /** Makes [start, end) of the buffer the window. */
  move(start: number, end: number): void {
    if (this.address !== undefined && start === this.start && end === this.end) return;
    const old = this.address;
    this.address = this.memory.map(this.name, this.buf.subarray(start, end), 'rw');
    if (old !== undefined) this.memory.unmap(old);
    this.start = start;
    this.end = end;
  }

  release(): void {
    if (this.address !== undefined) this.memory.unmap(this.address);
    this.address = undefined;
  }
}
