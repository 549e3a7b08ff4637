import type { AddressSpace } from '../memory/address-space.js';

/**
 * The part of a packet buffer a program may load and store: [data_meta, data_end) for
 * XDP, [data, data_end) for an skb. The verifier refuses any packet access it cannot
 * prove inside that range; bpfscope has no such proof, so the window is a region of
 * its own and the engines' ordinary bounds check faults the rest (headroom, tailroom,
 * past data_end) at no cost per access. Offsets here are the buffer's.
 *
 * After a helper that may change the packet (the verifier's bpf_helper_changes_pkt_data:
 * bpf_xdp_adjust_head, _tail, _meta, bpf_skb_store_bytes, bpf_skb_pull_data) the
 * window is mapped anew in another slot before the old one is unmapped, so that a
 * packet pointer kept across the call faults, as the verifier would refuse it (it
 * invalidates packet pointers there), instead of reaching moved bytes.
 */
export class PacketWindow {
  /** Unmapped until the first move(), so that a run refused before it leaves nothing mapped. */
  private address: bigint | undefined;
  private start = 0;

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

  /** Maps [start, end) of the buffer as the window, in a slot other than the old window's. */
  move(start: number, end: number): void {
    const old = this.address;
    this.address = this.memory.map(this.name, this.buf.subarray(start, end), 'rw');
    if (old !== undefined) this.memory.unmap(old);
    this.start = start;
  }

  release(): void {
    if (this.address !== undefined) this.memory.unmap(this.address);
    this.address = undefined;
  }
}
