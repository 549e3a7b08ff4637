#!/usr/bin/env node
// Writes the test packets in test/packets/ (plain Node, no dependencies).
// Every byte is fixed here, so running it again gives the same files; the
// IPv4 header checksums and the UDP/TCP checksums are real.
//
//   ipv4-udp.bin        Ethernet + IPv4 + UDP 10.0.0.1:12345 -> 10.0.0.2:53, 16-byte payload
//   ipv4-tcp.bin        Ethernet + IPv4 + TCP SYN 10.0.0.1:40000 -> 10.0.0.2:80, no payload
//   ipv6-udp.bin        Ethernet + IPv6 + UDP [2001:db8::1]:12345 -> [2001:db8::2]:9 (discard port)
//   short.bin           10 bytes: less than an Ethernet header
//   truncated-ipv4.bin  Ethernet header (IPv4) + the first 10 bytes of an IPv4 header
//   ipv4-udp-1500.bin   a 1500-byte frame: Ethernet + IPv4 + UDP + 1458 bytes of payload
//
// Usage: node scripts/make-packets.mjs [OUTDIR]   (default test/packets)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = process.argv[2] ?? join(repo, 'test', 'packets');

const MAC_DST = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];
const MAC_SRC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
const IP4_SRC = [10, 0, 0, 1];
const IP4_DST = [10, 0, 0, 2];
const IP6_SRC = ip6('2001:db8::1');
const IP6_DST = ip6('2001:db8::2');
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

function ip6(text) {
  const [head, tail = ''] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => { const v = parseInt(g, 16); return [v >> 8, v & 0xff]; });
}

const be16 = (v) => [(v >> 8) & 0xff, v & 0xff];
const be32 = (v) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

/** The Internet checksum (RFC 1071) of a byte list. */
function csum(bytes) {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

const ether = (type) => [...MAC_DST, ...MAC_SRC, ...be16(type)];

function ipv4(proto, l4) {
  const h = [0x45, 0x00, ...be16(20 + l4.length), ...be16(0x1234), 0x40, 0x00 /* DF */,
    64, proto, 0, 0, ...IP4_SRC, ...IP4_DST];
  const c = csum(h);
  h[10] = c >> 8; h[11] = c & 0xff;
  return [...h, ...l4];
}

function ipv6(next, l4) {
  return [0x60, 0x00, 0x00, 0x00, ...be16(l4.length), next, 64, ...IP6_SRC, ...IP6_DST, ...l4];
}

/** A UDP or TCP segment with its checksum filled in at `at`, over the given pseudo-header. */
function withL4Checksum(seg, at, pseudo) {
  const c = csum([...pseudo, ...seg]);
  seg[at] = c >> 8; seg[at + 1] = c & 0xff;
  if (c === 0 && at === 6) { seg[at] = 0xff; seg[at + 1] = 0xff; } // UDP sends 0 as 0xffff
  return seg;
}
const pseudo4 = (proto, len) => [...IP4_SRC, ...IP4_DST, 0, proto, ...be16(len)];
const pseudo6 = (next, len) => [...IP6_SRC, ...IP6_DST, ...be32(len), 0, 0, 0, next];

function udp(sport, dport, payload, pseudo) {
  const seg = [...be16(sport), ...be16(dport), ...be16(8 + payload.length), 0, 0, ...payload];
  return withL4Checksum(seg, 6, pseudo(IPPROTO_UDP, seg.length));
}

function tcpSyn(sport, dport) {
  const seg = [...be16(sport), ...be16(dport), ...be32(0x01020304), ...be32(0),
    0x50, 0x02 /* SYN */, ...be16(64240), 0, 0, 0, 0];
  return withL4Checksum(seg, 16, pseudo4(IPPROTO_TCP, seg.length));
}

const text = (s) => [...Buffer.from(s, 'ascii')];

const payload = text('hello, bpfscope\n');
const ipv4Udp = [...ether(0x0800), ...ipv4(IPPROTO_UDP, udp(12345, 53, payload, pseudo4))];
const ipv4Tcp = [...ether(0x0800), ...ipv4(IPPROTO_TCP, tcpSyn(40000, 80))];
const ipv6Udp = [...ether(0x86dd), ...ipv6(IPPROTO_UDP, udp(12345, 9, payload, pseudo6))];
const short = ipv4Udp.slice(0, 10);
const truncated = ipv4Udp.slice(0, 14 + 10);
const bigPayload = Array.from({ length: 1500 - 14 - 20 - 8 }, (_, i) => (i * 7 + 13) & 0xff);
const big = [...ether(0x0800), ...ipv4(IPPROTO_UDP, udp(12345, 53, bigPayload, pseudo4))];
if (big.length !== 1500) throw new Error(`big packet is ${big.length} bytes`);

const packets = {
  'ipv4-udp.bin': ipv4Udp,
  'ipv4-tcp.bin': ipv4Tcp,
  'ipv6-udp.bin': ipv6Udp,
  'short.bin': short,
  'truncated-ipv4.bin': truncated,
  'ipv4-udp-1500.bin': big,
};

mkdirSync(outDir, { recursive: true });
for (const [name, bytes] of Object.entries(packets)) {
  writeFileSync(join(outDir, name), Uint8Array.from(bytes));
  console.log(`${name}: ${bytes.length} bytes`);
}
