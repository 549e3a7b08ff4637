import { describe, expect, it } from 'vitest';
import { bprintf } from '../../../src/vm/helpers/index.js';
import { AddressSpace } from '../../../src/vm/memory/address-space.js';

const enc = (s: string) => new TextEncoder().encode(s);

function fmt(format: string, args: bigint[], memory = new AddressSpace()): string | number {
  const r = bprintf(memory, enc(format), args);
  return typeof r === 'number' ? r : new TextDecoder().decode(r);
}

describe('bprintf (the kernel’s format rules for BPF printf helpers)', () => {
  it('prints pointers as %px does, symbols as 0x and the address', () => {
    expect(fmt('%p|%px|%pK', [0x1234n, 0xffff888000001000n, 1n])).toBe('0000000000001234|ffff888000001000|0000000000000001');
    expect(fmt('%pS %ps %pB', [0xffffffff81000000n, 16n, 255n])).toBe('0xffffffff81000000 0x10 0xff');
    expect(fmt('%20px|', [0xabn])).toBe('                  ab|');
  });

  it('reads addresses through the pointer, and skips what follows %p as the kernel’s printer does', () => {
    const memory = new AddressSpace();
    const ip = memory.map('ip', Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
    expect(fmt('%pI6c!', [ip], memory)).toBe('fe80:0000:0000:0000:0000:0000:0000:0001!');
    expect(fmt('%pI4h.', [ip], memory)).toBe('254.128.0.0.');
    // An unreadable address prints zeros.
    expect(fmt('%pI4', [0n], memory)).toBe('0.0.0.0');
  });

  it('prints strings it cannot read as empty, and pads strings and characters with spaces', () => {
    expect(fmt('[%s][%-3c][%3c]', [0n, 0x41n, 0x42n])).toBe('[][A  ][  B]');
  });

  it('stages arguments in 512 bytes: a long string is cut to what is left, and nothing left is -ENOSPC', () => {
    const memory = new AddressSpace();
    const long = memory.map('long', enc(`${'x'.repeat(600)}\0`));
    const out = fmt('%s|%d', [long, 5n], memory);
    expect(out).toBe(-28);
    expect(fmt('%s', [long], memory)).toBe('x'.repeat(511));
  });

  it('refuses what the kernel refuses', () => {
    for (const f of ['%', '%q', '%hd', '%.2d', '%lf', '%s0', '%pZ', '%pI5', 'caf\u00e9', '%d %d']) {
      expect({ f, r: fmt(f, [1n]) }).toEqual({ f, r: -22 });
    }
    expect(fmt('100%%', [])).toBe('100%');
  });

  it('takes ints as 32 bits and longs as 64, signed or not by the conversion', () => {
    expect(fmt('%d %u %i %x %lx %lld %llu', [0xffffffff_fffffffen, 0x1_00000005n, -7n, -1n, -1n, -1n, -1n])).toBe('-2 5 -7 ffffffff ffffffffffffffff -1 18446744073709551615');
    expect(fmt('%+05d|% d|%-+4d|', [3n, 3n, 3n])).toBe('+0003| 3|+3  |');
  });
});
