import { describe, expect, it } from 'vitest';
import { MAP_FLAG } from '../../../src/object/kinds.js';
import * as errno from '../../../src/errno.js';
import { UPDATE_FLAG, type VmMap } from '../../../src/vm/maps/index.js';
import { make, num, u32, walk } from './util.js';

const { EEXIST, EINVAL, ENOENT, ENOSPC } = errno;

/** An IPv4 LPM key: prefix length, then the address most significant byte first. */
function ip(prefixlen: number, a: string): Uint8Array {
  const key = new Uint8Array(8);
  new DataView(key.buffer).setUint32(0, prefixlen, true);
  key.set(a.split('.').map(Number), 4);
  return key;
}

function show(k: Uint8Array): string {
  return `${[...k.subarray(4)].join('.')}/${new DataView(k.buffer, k.byteOffset).getUint32(0, true)}`;
}

function trie(max = 16): VmMap {
  return make('lpm_trie', 8, 4, max, { flags: MAP_FLAG.noPrealloc });
}

describe('lpm_trie', () => {
  it('matches the longest stored prefix', () => {
    const m = trie();
    m.update(ip(16, '192.168.0.0'), u32(1));
    m.update(ip(24, '192.168.0.0'), u32(2));
    m.update(ip(24, '192.168.128.0'), u32(3));
    m.update(ip(24, '192.168.1.0'), u32(5));
    m.update(ip(8, '10.0.0.0'), u32(6));
    const at = (a: string, len = 32): number | undefined => {
      const v = m.lookup(ip(len, a));
      return v && num(v);
    };
    expect(at('192.168.0.7')).toBe(2);
    expect(at('192.168.1.200')).toBe(5);
    expect(at('192.168.128.1')).toBe(3);
    expect(at('192.168.200.1')).toBe(1);
    expect(at('10.9.9.9')).toBe(6);
    expect(at('11.0.0.0')).toBeUndefined();
    // The key's own prefix length bounds the match.
    expect(at('192.168.1.200', 20)).toBe(1);
    expect(at('192.168.1.200', 33)).toBeUndefined();
    expect(m.sysLookup(ip(32, '11.0.0.0'))).toBe(-ENOENT);
    expect(m.count).toBe(5);
  });

  it('walks keys in the kernel order: post-order, more specific first', () => {
    const m = trie();
    m.update(ip(16, '192.168.0.0'), u32(1));
    m.update(ip(24, '192.168.0.0'), u32(2));
    m.update(ip(24, '192.168.128.0'), u32(3));
    m.update(ip(24, '192.168.1.0'), u32(5));
    expect(walk(m).map((k) => show(Uint8Array.from(k)))).toEqual(['192.168.0.0/24', '192.168.1.0/24', '192.168.128.0/24', '192.168.0.0/16']);
    expect([...m.entries()].map((e) => show(e.key))).toEqual(['192.168.0.0/24', '192.168.1.0/24', '192.168.128.0/24', '192.168.0.0/16']);
    // A key not in the trie, or one with too long a prefix, starts over.
    expect(show(m.sysGetNextKey(ip(40, '1.2.3.4')) as Uint8Array)).toBe('192.168.0.0/24');
    expect(show(m.sysGetNextKey(ip(20, '1.2.3.4')) as Uint8Array)).toBe('192.168.0.0/24');
    expect(m.sysGetNextKey(ip(16, '192.168.0.0'))).toBe(-ENOENT);
    expect(trie().sysGetNextKey(undefined)).toBe(-ENOENT);
  });

  it('honours BPF_NOEXIST and BPF_EXIST, and refuses new prefixes when full with -ENOSPC', () => {
    const m = trie(2);
    expect(m.update(ip(24, '10.0.0.0'), u32(1), UPDATE_FLAG.exist)).toBe(-ENOENT);
    expect(m.update(ip(24, '10.0.0.0'), u32(1), UPDATE_FLAG.noexist)).toBe(0);
    expect(m.update(ip(24, '10.0.0.0'), u32(2), UPDATE_FLAG.noexist)).toBe(-EEXIST);
    expect(m.update(ip(24, '10.0.0.0'), u32(2), UPDATE_FLAG.exist)).toBe(0);
    expect(m.update(ip(24, '10.0.1.0'), u32(3))).toBe(0);
    expect(m.update(ip(24, '10.0.2.0'), u32(4))).toBe(-ENOSPC);
    // Updating what is there needs no room.
    expect(m.update(ip(24, '10.0.1.0'), u32(5))).toBe(0);
    expect(m.update(ip(33, '10.0.1.0'), u32(5))).toBe(-EINVAL);
    expect(m.update(ip(24, '10.0.1.0'), u32(5), 3)).toBe(-EINVAL);
    expect(num(m.lookup(ip(32, '10.0.1.9'))!)).toBe(5);
  });

  it('turns the intermediate node an insertion made into an element when its prefix is added', () => {
    const m = trie(3);
    m.update(ip(24, '10.0.0.0'), u32(1));
    m.update(ip(24, '10.0.1.0'), u32(2));
    // Now 10.0.0.0/23 is an intermediate node; adding it takes one element of room.
    expect(m.update(ip(23, '10.0.0.0'), u32(3), UPDATE_FLAG.exist)).toBe(-ENOENT);
    expect(m.update(ip(23, '10.0.0.0'), u32(3))).toBe(0);
    expect(m.count).toBe(3);
    expect(num(m.lookup(ip(32, '10.0.1.77'))!)).toBe(2);
    expect(walk(m).map((k) => show(Uint8Array.from(k)))).toEqual(['10.0.0.0/24', '10.0.1.0/24', '10.0.0.0/23']);
  });

  it('deletes exact prefixes only, folding away intermediate nodes', () => {
    const m = trie();
    m.update(ip(16, '192.168.0.0'), u32(1));
    m.update(ip(24, '192.168.0.0'), u32(2));
    m.update(ip(24, '192.168.1.0'), u32(5));
    expect(m.delete(ip(24, '192.168.2.0'))).toBe(-ENOENT);
    expect(m.delete(ip(20, '192.168.0.0'))).toBe(-ENOENT);
    expect(m.delete(ip(33, '192.168.0.0'))).toBe(-EINVAL);
    // Deleting a leaf under an intermediate node lifts its sibling.
    expect(m.delete(ip(24, '192.168.0.0'))).toBe(0);
    expect(num(m.lookup(ip(32, '192.168.0.1'))!)).toBe(1);
    expect(num(m.lookup(ip(32, '192.168.1.1'))!)).toBe(5);
    // Deleting a node with two children leaves it as an intermediate node.
    m.update(ip(24, '192.168.128.0'), u32(3));
    m.update(ip(17, '192.168.128.0'), u32(4));
    m.update(ip(16, '192.168.0.0'), u32(1));
    expect(m.delete(ip(16, '192.168.0.0'))).toBe(0);
    expect(m.lookup(ip(32, '192.168.64.1'))).toBeUndefined();
    expect(num(m.lookup(ip(32, '192.168.200.1'))!)).toBe(4);
    expect(m.delete(ip(16, '192.168.0.0'))).toBe(-ENOENT);
    expect(num(m.lookup(ip(32, '192.168.128.1'))!)).toBe(3);
    expect(m.count).toBe(3);
    for (const k of walk(m)) expect(m.sysDelete(Uint8Array.from(k))).toBe(0);
    expect(m.count).toBe(0);
    expect(m.sysGetNextKey(undefined)).toBe(-ENOENT);
  });

  it('matches a /0 prefix against everything, and full-length prefixes exactly', () => {
    const m = trie();
    m.update(ip(0, '0.0.0.0'), u32(9));
    m.update(ip(32, '1.2.3.4'), u32(1));
    expect(num(m.lookup(ip(32, '1.2.3.4'))!)).toBe(1);
    expect(num(m.lookup(ip(32, '1.2.3.5'))!)).toBe(9);
    expect(num(m.lookup(ip(0, '7.7.7.7'))!)).toBe(9);
  });

  it('keeps a value in place when its prefix is updated', () => {
    const m = trie();
    m.update(ip(8, '10.0.0.0'), u32(1));
    const v = m.lookup(ip(32, '10.1.1.1'))!;
    m.update(ip(8, '10.0.0.0'), u32(2));
    expect(m.lookup(ip(32, '10.1.1.1'))).toBe(v);
    expect(num(v)).toBe(2);
  });
});
