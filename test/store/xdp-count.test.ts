import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBpfObject, MapOperationError, type BpfObject } from '../../src/index.js';
import { compileBpf, missing, REPO, skipReason } from '../helpers/env.js';

/**
 * The test docs/library.md shows: a user's own XDP program (docs/examples/xdp_count.c),
 * compiled with clang and tested through the library, keys and values typed by BTF.
 */
const XDP_PASS = 2;
const XDP_DROP = 1;
const packet = (name: string) => readFileSync(join(REPO, 'test/packets', name));
const reason = missing({ clang: true });
skipReason(reason, 'the xdp_count library test');

describe.skipIf(reason !== undefined)('xdp_count, tested through the library', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfscope-lib-'));
  let obj: BpfObject;
  beforeAll(() => {
    compileBpf(join(REPO, 'docs/examples/xdp_count.c'), join(dir, 'xdp_count.o'));
    obj = loadBpfObject(join(dir, 'xdp_count.o'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('drops UDP and counts it by protocol', () => {
    const run = obj.program('xdp_count').run({ data: packet('ipv4-udp.bin') });
    expect(run.retval).toBe(XDP_DROP);
    expect(obj.map('by_proto').lookup(17)).toEqual({ packets: 1n, bytes: 58n });
  });

  it('passes TCP, and the counts add up across runs', () => {
    expect(obj.program('xdp_count').run({ data: packet('ipv4-tcp.bin'), repeat: 3 }).retval).toBe(XDP_PASS);
    expect([...obj.map('by_proto').entries()]).toEqual([
      [17, { packets: 1n, bytes: 58n }],
      [6, { packets: 3n, bytes: 162n }],
    ]);
  });

  it('the map can be set up and cleared from the test', () => {
    const byProto = obj.map('by_proto');
    byProto.update(17, { packets: 100n, bytes: 0 });
    obj.program('xdp_count').run({ data: packet('ipv4-udp.bin') });
    expect(byProto.lookup(17)).toEqual({ packets: 101n, bytes: 58n });
    expect(() => byProto.update(1, { packets: 1 }, 'exist')).toThrow(MapOperationError);
    expect(byProto.delete(17)).toBe(true);
    expect(byProto.lookup(17)).toBeUndefined();
  });
});
