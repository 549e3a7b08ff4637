import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { loadBpfObject, type BpfObject } from '../../src/index.js';
import { compileBpf, missing, skipReason } from '../helpers/env.js';

/**
 * BpfObject.map() and program() by name. The kernel keeps 15 characters of a name, so
 * names longer than that can meet: the CLI says only "several maps match this handle",
 * as bpftool does, but a library error lists the candidates.
 */
const SOURCE = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
char LICENSE[] SEC("license") = "GPL";
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } packet_counter_ingress SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } packet_counter_egress SEC(".maps");
static int bump(void *map) {
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(map, &k);
	if (v) __sync_fetch_and_add(v, 1);
	return XDP_PASS;
}
SEC("xdp") int count_packets_at_ingress(struct xdp_md *ctx) { return bump(&packet_counter_ingress); }
SEC("xdp") int count_packets_at_egress(struct xdp_md *ctx) { return bump(&packet_counter_egress); }
`;
const reason = missing({ clang: true });
skipReason(reason, 'the library name lookup tests');

describe.skipIf(reason !== undefined)('BpfObject.map and program by name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfscope-names-'));
  const file = join(dir, 'long_names.o');
  let obj: BpfObject;
  beforeAll(() => {
    writeFileSync(join(dir, 'long_names.c'), SOURCE);
    compileBpf(join(dir, 'long_names.c'), file);
    obj = loadBpfObject(file);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a full name picks one; the kernel name both share lists them', () => {
    expect(obj.map('packet_counter_egress').name).toBe('packet_counter_');
    expect(obj.map('packet_counter_egress').loaded.id).toBe(2);
    expect(obj.program('count_packets_at_egress').loaded.id).toBe(2);
    expect(() => obj.map('packet_counter_')).toThrow(
      `${file}: several maps are named packet_counter_ (id 1 packet_counter_ingress, id 2 packet_counter_egress); name one by its full name`,
    );
    expect(() => obj.program('count_packets_a')).toThrow(
      `${file}: several programs are named count_packets_a (id 1 count_packets_at_ingress, id 2 count_packets_at_egress); name one by its full name`,
    );
  });

  it('a name that matches nothing lists what there is', () => {
    expect(() => obj.program('nosuch')).toThrow(new UsageError('no program named nosuch (the programs: count_packets_at_ingress, count_packets_at_egress)', { file }));
    expect(() => obj.map('nosuch')).toThrow(`${file}: no map named nosuch (the maps: packet_counter_ingress, packet_counter_egress)`);
  });
});
