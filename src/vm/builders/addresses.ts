import { BuilderError } from '../../errors.js';

/** A MAC address as `aa:bb:cc:dd:ee:ff` or its six bytes. */
export type Mac = string | Uint8Array;
/** An IPv4 address as dotted quad or its four bytes. */
export type Ipv4Address = string | Uint8Array;
/** An IPv6 address in RFC 4291 text (`::` allowed, IPv4 tail allowed) or its sixteen bytes. */
export type Ipv6Address = string | Uint8Array;

function bytesOf(value: Uint8Array, length: number, what: string): Uint8Array {
  if (value.length !== length) throw new BuilderError(`${what} must be ${length} bytes, has ${value.length}`);
  return value;
}

export function macBytes(mac: Mac, what = 'MAC address'): Uint8Array {
  if (typeof mac !== 'string') return bytesOf(mac, 6, what);
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) throw new BuilderError(`${what} '${mac}' is not six hex bytes`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

export function ipv4Bytes(address: Ipv4Address, what = 'IPv4 address'): Uint8Array {
  if (typeof address !== 'string') return bytesOf(address, 4, what);
  const parts = address.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new BuilderError(`${what} '${address}' is not a dotted quad`);
  return Uint8Array.from(parts.map(Number));
}

export function ipv6Bytes(address: Ipv6Address, what = 'IPv6 address'): Uint8Array {
  if (typeof address !== 'string') return bytesOf(address, 16, what);
  const bad = () => new BuilderError(`${what} '${address}' is not an IPv6 address`);
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail.push(...ipv4Bytes(text.slice(lastColon + 1), what));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) throw bad();
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 2 && missing < 1) || (halves.length === 1 && missing !== 0)) throw bad();
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) throw bad();
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  if (tail.length) out.set(tail, 12);
  return out;
}
