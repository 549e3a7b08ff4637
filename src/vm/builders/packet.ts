import { BuilderError } from '../../errors.js';
import * as L from './layers.js';

/**
 * A packet from its layers, outermost first, with every length, type, protocol and
 * checksum the layers imply filled in: `packet().ethernet().ipv4({ src, dst }).udp({
 * sport, dport }).payload('hi').build()`. A field given explicitly is written as given,
 * after a check that it fits (a builder never wraps a value).
 */
export class PacketBuilder {
  private readonly layers: L.Layer[] = [];

  ethernet(f?: L.EthernetFields): this {
    return this.push(L.ethernet(f));
  }
  vlan(f: L.VlanFields): this {
    return this.push(L.vlan(f));
  }
  ipv4(f: L.Ipv4Fields): this {
    return this.push(L.ipv4(f));
  }
  ipv6(f: L.Ipv6Fields): this {
    return this.push(L.ipv6(f));
  }
  ipv6Extension(f: L.Ipv6ExtensionFields): this {
    return this.push(L.ipv6Extension(f));
  }
  tcp(f: L.TcpFields): this {
    return this.push(L.tcp(f));
  }
  udp(f: L.UdpFields): this {
    return this.push(L.udp(f));
  }
  icmp(f?: L.IcmpFields): this {
    return this.push(L.icmp(f));
  }
  icmpv6(f?: L.IcmpFields): this {
    return this.push(L.icmpv6(f));
  }
  arp(f: L.ArpFields): this {
    return this.push(L.arp(f));
  }
  payload(data: Uint8Array | string): this {
    return this.push(L.payload(data));
  }

  /** The packet's bytes. */
  build(): Uint8Array {
    if (this.layers.length === 0) throw new BuilderError('a packet needs at least one layer');
    let inner = new Uint8Array(0);
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const header = this.layers[i]!.header(inner, this.layers[i + 1], this.layers.slice(0, i));
      const whole = new Uint8Array(header.length + inner.length);
      whole.set(header);
      whole.set(inner, header.length);
      inner = whole;
    }
    return inner;
  }

  private push(layer: L.Layer): this {
    const last = this.layers.at(-1);
    if (last?.kind === 'payload') throw new BuilderError(`a ${layer.kind} layer cannot follow the payload`);
    this.layers.push(layer);
    return this;
  }
}

/** A new packet builder. */
export function packet(): PacketBuilder {
  return new PacketBuilder();
}
