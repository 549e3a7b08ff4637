import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BuilderError, packet, type PacketBuilder } from '../../../src/vm/builders/index.js';
import { skipReason } from '../../helpers/env.js';

/**
 * The packet builders against scapy (Debian's python3-scapy), which builds the same
 * layers with the same fields: every byte, lengths and checksums included.
 */
const PYTHON = '/usr/bin/python3';
const hasScapy = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import scapy.all'], { stdio: 'ignore' }).status === 0;

const MAC_A = '02:00:00:00:00:01';
const MAC_B = '02:00:00:00:00:02';
// NOP, NOP, Timestamp (kind 8, length 10) with TSval 0x040a0000 and TSecr 0.
const opts = new Uint8Array([0x01, 0x01, 0x08, 0x0a, 0x04, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);

/** Each case: our builder and the same packet in scapy. */
const CASES: [string, () => PacketBuilder, string][] = [
  [
    'Ethernet, IPv4, UDP with a payload',
    () => packet().ethernet({ src: MAC_A, dst: MAC_B }).ipv4({ src: '10.0.0.1', dst: '10.0.0.2', id: 7, ttl: 64 }).udp({ sport: 5353, dport: 53 }).payload('hello'),
    "Ether(src='02:00:00:00:00:01',dst='02:00:00:00:00:02')/IP(src='10.0.0.1',dst='10.0.0.2',id=7,ttl=64)/UDP(sport=5353,dport=53)/Raw(b'hello')",
  ],
  [
    'IPv4 with options and DF, TCP with flags, options and an odd payload',
    () =>
      packet()
        .ethernet({ src: MAC_A, dst: MAC_B })
        .ipv4({ src: '192.168.1.10', dst: '8.8.8.8', id: 0x1234, ttl: 3, tos: 0x10, flags: 2, options: new Uint8Array([0x94, 0x04, 0x00, 0x00]) })
        .tcp({ sport: 43210, dport: 443, seq: 0x01020304, ack: 0x0a0b0c0d, flags: 0x18, window: 502, options: opts })
        .payload(new Uint8Array([1, 2, 3])),
    "Ether(src='02:00:00:00:00:01',dst='02:00:00:00:00:02')/IP(src='192.168.1.10',dst='8.8.8.8',id=0x1234,ttl=3,tos=0x10,flags='DF',options=[IPOption(b'\\x94\\x04\\x00\\x00')])/TCP(sport=43210,dport=443,seq=0x01020304,ack=0x0a0b0c0d,flags='PA',window=502,options=[('NOP',None),('NOP',None),('Timestamp',(0x040a0000,0))])/Raw(b'\\x01\\x02\\x03')",
  ],
  [
    'two VLAN tags (802.1ad outer), IPv4, ICMP echo',
    () =>
      packet()
        .ethernet({ src: MAC_A, dst: MAC_B })
        .vlan({ vid: 100, pcp: 3, tpid: 0x88a8 })
        .vlan({ vid: 200, dei: 1 })
        .ipv4({ src: '10.1.1.1', dst: '10.2.2.2', id: 1 })
        .icmp({ id: 0x42, seq: 9 })
        .payload('ping'),
    "Ether(src='02:00:00:00:00:01',dst='02:00:00:00:00:02',type=0x88a8)/Dot1Q(vlan=100,prio=3)/Dot1Q(vlan=200,id=1)/IP(src='10.1.1.1',dst='10.2.2.2',id=1)/ICMP(id=0x42,seq=9)/Raw(b'ping')",
  ],
  [
    'IPv6, UDP',
    () => packet().ethernet({ src: MAC_A, dst: MAC_B }).ipv6({ src: 'fd00::1', dst: '2001:db8::53', hopLimit: 17, trafficClass: 0x20, flowLabel: 0xbeef }).udp({ sport: 1000, dport: 2000 }).payload('x'),
    "Ether(src='02:00:00:00:00:01',dst='02:00:00:00:00:02')/IPv6(src='fd00::1',dst='2001:db8::53',hlim=17,tc=0x20,fl=0xbeef)/UDP(sport=1000,dport=2000)/Raw(b'x')",
  ],
  [
    'IPv6 with hop-by-hop, destination and fragment headers, TCP',
    () =>
      packet()
        .ethernet({ src: MAC_A, dst: MAC_B })
        .ipv6({ src: '::ffff:10.0.0.1', dst: 'fe80::1:2:3:4' })
        .ipv6Extension({ type: 'hop-by-hop' })
        .ipv6Extension({ type: 'destination', options: new Uint8Array([0x1e, 0x02, 0xaa, 0xbb]) })
        .ipv6Extension({ type: 'fragment', offset: 0, more: true, id: 0xdeadbeef })
        .tcp({ sport: 1, dport: 2, flags: 0x02, window: 8192 }),
    "Ether(src='02:00:00:00:00:01',dst='02:00:00:00:00:02')/IPv6(src='::ffff:10.0.0.1',dst='fe80::1:2:3:4')/IPv6ExtHdrHopByHop()/IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x1e,optdata=b'\\xaa\\xbb')])/IPv6ExtHdrFragment(offset=0,m=1,id=0xdeadbeef)/TCP(sport=1,dport=2,flags='S',window=8192)",
  ],
  [
    'IPv6 with a routing header, ICMPv6 echo',
    () =>
      packet()
        .ethernet({ src: MAC_A, dst: MAC_B })
        .ipv6({ src: '2001:db8::1', dst: '2001:db8::2' })
        .ipv6Extension({ type: 'routing', routingType: 0, segmentsLeft: 1, data: new Uint8Array([0, 0, 0, 0, ...new Uint8Array(15), 3]) })
        .icmpv6({ id: 5, seq: 6 })
        .payload('abcd'),
    "Ether(src='02:00:00:00:00:01',dst='02:00:00:00:00:02')/IPv6(src='2001:db8::1',dst='2001:db8::2')/IPv6ExtHdrRouting(type=0,segleft=1,addresses=['::3'])/ICMPv6EchoRequest(id=5,seq=6,data=b'abcd')",
  ],
  [
    'ARP request',
    () => packet().ethernet({ src: MAC_A }).arp({ op: 1, senderMac: MAC_A, senderIp: '10.0.0.1', targetIp: '10.0.0.2' }),
    "Ether(src='02:00:00:00:00:01',dst='ff:ff:ff:ff:ff:ff')/ARP(op=1,hwsrc='02:00:00:00:00:01',psrc='10.0.0.1',hwdst='00:00:00:00:00:00',pdst='10.0.0.2')",
  ],
];

describe('packet builders', () => {
  it.skipIf(skipReason(hasScapy ? undefined : 'scapy is not installed (apt-get install python3-scapy)', 'packet builders against scapy'))('build what scapy builds, byte for byte', () => {
    const script = ['from scapy.all import *', 'from scapy.layers.inet6 import *', ...CASES.map(([, , s]) => `print(bytes(${s}).hex())`)].join('\n');
    const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const theirs = r.stdout.trim().split('\n');
    CASES.forEach(([name, ours], i) => expect(Buffer.from(ours().build()).toString('hex'), name).toBe(theirs[i]));
  });

  it('refuse values that do not fit their fields, and bad addresses, naming the field', () => {
    const bad: [() => PacketBuilder, RegExp][] = [
      [() => packet().ethernet().ipv4({ src: '10.0.0.1', dst: '10.0.0.2', ttl: 400 }), /IPv4 ttl 400 does not fit in 8 bits/],
      [() => packet().ethernet().ipv4({ src: '10.0.0.256', dst: '10.0.0.2' }), /IPv4 src '10.0.0.256' is not a dotted quad/],
      [() => packet().ethernet().ipv6({ src: 'fd00::1::2', dst: '::1' }), /IPv6 src 'fd00::1::2' is not an IPv6 address/],
      [() => packet().ethernet({ src: '02:00:00:00:00' }), /Ethernet src '02:00:00:00:00' is not six hex bytes/],
      [() => packet().ethernet().vlan({ vid: 4096 }), /VLAN vid 4096 does not fit in 12 bits/],
      [() => packet().udp({ sport: 1, dport: 2 }), /UDP needs an IPv4 or IPv6 layer before it/],
      [() => packet().ethernet(), /Ethernet: no EtherType given, and nothing follows/],
      [() => packet().payload('a').udp({ sport: 1, dport: 2 }), /a UDP layer cannot follow the payload/],
    ];
    for (const [make, message] of bad) expect(() => make().build()).toThrow(message);
    expect(() => packet().build()).toThrow(BuilderError);
  });
});
