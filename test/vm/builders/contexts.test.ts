import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBtf } from '../../../src/btf/index.js';
import { CONTEXT_LAYOUTS, ptRegs, skbContext, xdpContext } from '../../../src/vm/builders/index.js';
import { missing, skipReason } from '../../helpers/env.js';

/** The context builders' layouts against the running kernel's BTF, and their range checks. */
const VMLINUX = '/sys/kernel/btf/vmlinux';

describe('context builders', () => {
  it.skipIf(skipReason(missing({ file: VMLINUX }), "context layouts against the kernel's BTF"))("put every field where the kernel's struct has it, with its size", () => {
    const btf = parseBtf(readFileSync(VMLINUX));
    for (const [struct, layout] of Object.entries(CONTEXT_LAYOUTS)) {
      const t = btf.findOne(struct, 'STRUCT')!;
      // __bpf_md_ptr members are anonymous 8-byte unions around one pointer: named by it.
      const members = t.members.flatMap((m) => {
        const type = btf.resolved(m.type);
        if (m.name !== '' || type.kind !== 'UNION') return [{ name: m.name, type: m.type, offset: m.bitOffset / 8 }];
        return [{ name: type.members[0]!.name, type: m.type, offset: m.bitOffset / 8 }];
      });
      const named = Object.fromEntries(
        members.map(({ name, type: id, offset }) => {
          const type = btf.resolved(id);
          return [name, type.kind === 'ARRAY' ? [offset, btf.size(type.type), type.nelems] : [offset, btf.size(id)]];
        }),
      );
      expect(Object.fromEntries(Object.entries(layout).map(([n, spec]) => [n, [...spec]])), struct).toEqual(named);
    }
  });

  it('write fields in the host order the kernel reads them, and refuse what does not fit', () => {
    const skb = new DataView(skbContext({ mark: 5, cb: [1, 0, 0, 0, 4], tstamp: 1n << 40n }).buffer);
    expect([skb.getUint32(8, true), skb.getUint32(48, true), skb.getUint32(64, true), skb.getBigUint64(152, true)]).toEqual([5, 1, 4, 1n << 40n]);
    expect(new Uint32Array(xdpContext({ data_end: 60 }).buffer)[1]).toBe(60);
    expect(new DataView(ptRegs({ di: 7n, si: 0xffffffffffffffffn }).buffer).getBigUint64(14 * 8, true)).toBe(7n);
    expect(() => skbContext({ mark: 2 ** 32 })).toThrow(/__sk_buff.mark 4294967296 does not fit in 32 bits/);
    expect(() => skbContext({ cb: [1, 2, 3, 4, 5, 6] })).toThrow(/__sk_buff.cb takes at most 5 values/);
    expect(() => ptRegs({ di: -1n })).toThrow(/pt_regs.di -1 does not fit in 64 bits/);
    expect(() => xdpContext({ nope: 1 } as never)).toThrow(/xdp_md has no field 'nope'/);
  });
});
