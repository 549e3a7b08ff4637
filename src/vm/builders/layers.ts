import { ipv4Bytes, ipv6Bytes, macBytes, type Ipv4Address, type Ipv6Address, type Mac } from './addresses.js';
import { internetChecksum } from './checksum.js';
import { BuilderError } from '../../errors.js';
import { field, putU16, Writer } from './fields.js';

export interface EthernetFields {
  dst?: Mac;
  src?: Mac;
  /** The EtherType; by default what the next layer is (VLAN, IPv4, IPv6, ARP). */
  type?: number;
}
export interface VlanFields {
  vid: number;
  pcp?: number;
  dei?: number;
  /** The TPID of this tag: 0x8100 (802.1Q) by default, 0x88a8 for an outer 802.1ad tag. */
  tpid?: number;
  /** The inner EtherType; by default what the next layer is. */
  type?: number;
}
export interface Ipv4Fields {
  src: Ipv4Address;
  dst: Ipv4Address;
  ttl?: number;
  tos?: number;
  id?: number;
  /** The three flag bits: 2 is don't-fragment, 1 more-fragments. */
  flags?: number;
  /** In 8-byte units. */
  fragmentOffset?: number;
  /** Raw options, padded with zeros (end of options) to a multiple of 4. */
  options?: Uint8Array;
  /** By default what the next layer is (TCP 6, UDP 17, ICMP 1). */
  protocol?: number;
  /** The header checksum; computed by default. */
  checksum?: number;
}
export interface Ipv6Fields {
  src: Ipv6Address;
  dst: Ipv6Address;
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
  /** By default what the next layer is (an extension header, TCP, UDP, ICMPv6; 59 for none). */
  nextHeader?: number;
}
export type Ipv6ExtensionFields =
  | { type: 'hop-by-hop' | 'destination'; options?: Uint8Array }
  /** `data`: what follows segments left (for type 0, four reserved bytes and the addresses), zero-padded to the 8-byte multiple. */
  | { type: 'routing'; routingType?: number; segmentsLeft?: number; data?: Uint8Array }
  | { type: 'fragment'; offset?: number; more?: boolean; id?: number };
export interface TcpFields {
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  /** FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80; SYN by default. */
  flags?: number;
  window?: number;
  urgent?: number;
  /** Raw options, padded with zeros to a multiple of 4. */
  options?: Uint8Array;
  checksum?: number;
}
export interface UdpFields {
  sport: number;
  dport: number;
  checksum?: number;
}
export interface IcmpFields {
  /** Echo request (8 for ICMP, 128 for ICMPv6) by default. */
  type?: number;
  code?: number;
  id?: number;
  seq?: number;
  checksum?: number;
}
export interface ArpFields {
  /** 1 request, 2 reply. */
  op?: number;
  senderMac: Mac;
  senderIp: Ipv4Address;
  targetMac?: Mac;
  targetIp: Ipv4Address;
}

/** One header of a packet, made once what follows it is known. */
export interface Layer {
  readonly kind: string;
  /** The number the layer before names this one by: an EtherType for link layers' payloads, an IP protocol for IP's. */
  readonly etherType?: number;
  readonly ipProtocol?: number;
  /** An IP layer's addresses, for the pseudo-headers of the transport checksums after it. */
  readonly addresses?: { src: Uint8Array; dst: Uint8Array };
  /** A routing header's last address, where segments are left: the destination transport checksums cover (RFC 8200 8.1). */
  readonly finalDestination?: Uint8Array;
  /** The header, given the bytes after it, the layer after it and the layers before it (innermost last). */
  header(inner: Uint8Array, next: Layer | undefined, outer: readonly Layer[]): Uint8Array;
}

const ETH_P_8021Q = 0x8100;
const NO_NEXT_HEADER = 59;

function nextEtherType(next: Layer | undefined, given: number | undefined, what: string): number {
  const t = given ?? next?.etherType;
  if (t === undefined) throw new BuilderError(`${what}: no EtherType given, and ${next ? `a ${next.kind} layer has none` : 'nothing follows'}`);
  return field(t, 0, 16, `${what} EtherType`);
}

export function ethernet(f: EthernetFields = {}): Layer {
  return {
    kind: 'Ethernet',
    header: (_inner, next) =>
      new Writer()
        .raw(macBytes(f.dst ?? 'ff:ff:ff:ff:ff:ff', 'Ethernet dst'))
        .raw(macBytes(f.src ?? '00:00:00:00:00:00', 'Ethernet src'))
        .u16(nextEtherType(next, f.type, 'Ethernet'))
        .done(),
  };
}

export function vlan(f: VlanFields): Layer {
  const tci = (field(f.pcp, 0, 3, 'VLAN pcp') << 13) | (field(f.dei, 0, 1, 'VLAN dei') << 12) | field(f.vid, 0, 12, 'VLAN vid');
  return {
    kind: 'VLAN',
    etherType: f.tpid ?? ETH_P_8021Q,
    header: (_inner, next) => new Writer().u16(tci).u16(nextEtherType(next, f.type, 'VLAN')).done(),
  };
}

/**
 * `bytes` zero-padded so that, after the `before` bytes of header that precede them,
 * they end on a multiple of `to`.
 */
function padded(bytes: Uint8Array | undefined, to: number, before = 0): Uint8Array {
  const b = bytes ?? new Uint8Array(0);
  const out = new Uint8Array(Math.ceil((b.length + before) / to) * to - before);
  out.set(b);
  return out;
}

export function ipv4(f: Ipv4Fields): Layer {
  const src = ipv4Bytes(f.src, 'IPv4 src');
  const dst = ipv4Bytes(f.dst, 'IPv4 dst');
  return {
    kind: 'IPv4',
    etherType: 0x0800,
    addresses: { src, dst },
    header: (inner, next) => {
      const options = padded(f.options, 4);
      if (options.length > 40) throw new BuilderError(`IPv4 options are ${options.length} bytes, at most 40`);
      const total = 20 + options.length + inner.length;
      const protocol = f.protocol ?? next?.ipProtocol ?? 0;
      const h = new Writer()
        .u8(0x40 | ((20 + options.length) / 4))
        .u8(field(f.tos, 0, 8, 'IPv4 tos'))
        .u16(field(total, 0, 16, 'IPv4 total length'))
        .u16(field(f.id, 1, 16, 'IPv4 id'))
        .u16((field(f.flags, 0, 3, 'IPv4 flags') << 13) | field(f.fragmentOffset, 0, 13, 'IPv4 fragment offset'))
        .u8(field(f.ttl, 64, 8, 'IPv4 ttl'))
        .u8(field(protocol, 0, 8, 'IPv4 protocol'))
        .u16(0)
        .raw(src)
        .raw(dst)
        .raw(options)
        .done();
      putU16(h, 10, f.checksum !== undefined ? field(f.checksum, 0, 16, 'IPv4 checksum') : internetChecksum(h));
      return h;
    },
  };
}

export function ipv6(f: Ipv6Fields): Layer {
  const src = ipv6Bytes(f.src, 'IPv6 src');
  const dst = ipv6Bytes(f.dst, 'IPv6 dst');
  return {
    kind: 'IPv6',
    etherType: 0x86dd,
    addresses: { src, dst },
    header: (inner, next) => {
      const tc = field(f.trafficClass, 0, 8, 'IPv6 traffic class');
      const flow = field(f.flowLabel, 0, 20, 'IPv6 flow label');
      return new Writer()
        .u32(((6 << 28) | (tc << 20) | flow) >>> 0)
        .u16(field(inner.length, 0, 16, 'IPv6 payload length'))
        .u8(field(f.nextHeader ?? next?.ipProtocol ?? NO_NEXT_HEADER, 0, 8, 'IPv6 next header'))
        .u8(field(f.hopLimit, 64, 8, 'IPv6 hop limit'))
        .raw(src)
        .raw(dst)
        .done();
    },
  };
}

const EXTENSION_PROTOCOL = { 'hop-by-hop': 0, routing: 43, fragment: 44, destination: 60 } as const;

/** Options padded to the 8-byte multiple an extension header needs (6 bytes after its first two), with Pad1 or PadN. */
function paddedOptions(options: Uint8Array | undefined): Uint8Array {
  const out = padded(options, 8, 2);
  const at = options?.length ?? 0;
  const pad = out.length - at;
  if (pad === 1) out[at] = 0;
  else if (pad > 1) {
    out[at] = 1;
    out[at + 1] = pad - 2;
  }
  return out;
}

export function ipv6Extension(f: Ipv6ExtensionFields): Layer {
  const data = f.type === 'routing' ? (f.data ?? new Uint8Array(0)) : undefined;
  // Type 0: four reserved bytes, then the addresses.
  const final = data && f.type === 'routing' && (f.routingType ?? 0) === 0 && (f.segmentsLeft ?? 0) > 0 && data.length >= 20 ? data.subarray(data.length - 16) : undefined;
  return {
    kind: `IPv6 ${f.type} header`,
    ...(final ? { finalDestination: final } : {}),
    ipProtocol: EXTENSION_PROTOCOL[f.type],
    header: (_inner, next) => {
      const nh = field(next?.ipProtocol ?? NO_NEXT_HEADER, 0, 8, 'IPv6 next header');
      const w = new Writer().u8(nh);
      if (f.type === 'fragment') {
        const offset = field(f.offset, 0, 13, 'IPv6 fragment offset');
        return w.u8(0).u16((offset << 3) | (f.more ? 1 : 0)).u32(field(f.id, 0, 32, 'IPv6 fragment id')).done();
      }
      const body = f.type === 'routing' ? new Writer().u8(field(f.routingType, 0, 8, 'routing type')).u8(field(f.segmentsLeft, 0, 8, 'segments left')).raw(f.data ?? new Uint8Array(0)).done() : new Uint8Array(0);
      const rest = f.type === 'routing' ? padded(body, 8, 2) : paddedOptions(f.options);
      return w.u8((rest.length + 2) / 8 - 1).raw(rest).done();
    },
  };
}

/** The IPv4 or IPv6 pseudo-header of a transport checksum, from the nearest IP layer before it. */
function pseudoHeader(outer: readonly Layer[], protocol: number, length: number, what: string): Uint8Array {
  let final: Uint8Array | undefined;
  for (let i = outer.length - 1; i >= 0; i--) {
    const layer = outer[i]!;
    final ??= layer.finalDestination;
    if (!layer.addresses) continue;
    const { src } = layer.addresses;
    const dst = src.length === 16 && final ? final : layer.addresses.dst;
    if (src.length === 4) return new Writer().raw(src).raw(dst).u8(0).u8(protocol).u16(length).done();
    return new Writer().raw(src).raw(dst).u32(length).u16(0).u8(0).u8(protocol).done();
  }
  throw new BuilderError(`${what} needs an IPv4 or IPv6 layer before it for its checksum`);
}

export function tcp(f: TcpFields): Layer {
  return {
    kind: 'TCP',
    ipProtocol: 6,
    header: (inner, _next, outer) => {
      const options = padded(f.options, 4);
      if (options.length > 40) throw new BuilderError(`TCP options are ${options.length} bytes, at most 40`);
      const h = new Writer()
        .u16(field(f.sport, 0, 16, 'TCP sport'))
        .u16(field(f.dport, 0, 16, 'TCP dport'))
        .u32(field(f.seq, 0, 32, 'TCP seq'))
        .u32(field(f.ack, 0, 32, 'TCP ack'))
        .u8(((20 + options.length) / 4) << 4)
        .u8(field(f.flags, 0x02, 8, 'TCP flags'))
        .u16(field(f.window, 8192, 16, 'TCP window'))
        .u16(0)
        .u16(field(f.urgent, 0, 16, 'TCP urgent pointer'))
        .raw(options)
        .done();
      const sum = f.checksum !== undefined ? field(f.checksum, 0, 16, 'TCP checksum') : internetChecksum(pseudoHeader(outer, 6, h.length + inner.length, 'TCP'), h, inner);
      putU16(h, 16, sum);
      return h;
    },
  };
}

export function udp(f: UdpFields): Layer {
  return {
    kind: 'UDP',
    ipProtocol: 17,
    header: (inner, _next, outer) => {
      const length = field(8 + inner.length, 0, 16, 'UDP length');
      const h = new Writer().u16(field(f.sport, 0, 16, 'UDP sport')).u16(field(f.dport, 0, 16, 'UDP dport')).u16(length).u16(0).done();
      // A computed checksum of 0 is sent as 0xffff: 0 means "none" (RFC 768).
      const sum = f.checksum !== undefined ? field(f.checksum, 0, 16, 'UDP checksum') : internetChecksum(pseudoHeader(outer, 17, length, 'UDP'), h, inner) || 0xffff;
      putU16(h, 6, sum);
      return h;
    },
  };
}

function icmpLayer(kind: 'ICMP' | 'ICMPv6', protocol: number, echo: number, f: IcmpFields): Layer {
  return {
    kind,
    ipProtocol: protocol,
    header: (inner, _next, outer) => {
      const h = new Writer()
        .u8(field(f.type, echo, 8, `${kind} type`))
        .u8(field(f.code, 0, 8, `${kind} code`))
        .u16(0)
        .u16(field(f.id, 0, 16, `${kind} id`))
        .u16(field(f.seq, 0, 16, `${kind} seq`))
        .done();
      const covered = kind === 'ICMP' ? [h, inner] : [pseudoHeader(outer, protocol, h.length + inner.length, kind), h, inner];
      putU16(h, 2, f.checksum !== undefined ? field(f.checksum, 0, 16, `${kind} checksum`) : internetChecksum(...covered));
      return h;
    },
  };
}

export const icmp = (f: IcmpFields = {}): Layer => icmpLayer('ICMP', 1, 8, f);
export const icmpv6 = (f: IcmpFields = {}): Layer => icmpLayer('ICMPv6', 58, 128, f);

export function arp(f: ArpFields): Layer {
  return {
    kind: 'ARP',
    etherType: 0x0806,
    header: () =>
      new Writer()
        .u16(1)
        .u16(0x0800)
        .u8(6)
        .u8(4)
        .u16(field(f.op, 1, 16, 'ARP op'))
        .raw(macBytes(f.senderMac, 'ARP sender MAC'))
        .raw(ipv4Bytes(f.senderIp, 'ARP sender IP'))
        .raw(macBytes(f.targetMac ?? '00:00:00:00:00:00', 'ARP target MAC'))
        .raw(ipv4Bytes(f.targetIp, 'ARP target IP'))
        .done(),
  };
}

export function payload(data: Uint8Array | string): Layer {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return { kind: 'payload', header: () => bytes };
}
