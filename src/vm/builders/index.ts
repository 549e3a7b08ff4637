export { packet, PacketBuilder } from './packet.js';
export type { ArpFields, EthernetFields, IcmpFields, Ipv4Fields, Ipv6ExtensionFields, Ipv6Fields, TcpFields, UdpFields, VlanFields } from './layers.js';
export type { Ipv4Address, Ipv6Address, Mac } from './addresses.js';
export { internetChecksum } from './checksum.js';
export { CONTEXT_LAYOUTS, ptRegs, skbContext, xdpContext, type PtRegsFields, type PtRegsName, type SkBuffFields, type XdpMdFields } from './contexts.js';
