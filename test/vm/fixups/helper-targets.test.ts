import { describe, expect, it } from 'vitest';
import { MAP_FLAG, MAP_TYPE } from '../../../src/object/kinds.js';
import type { MapSpec } from '../../../src/object/spec.js';
import { asmObject, MAP, type AsmMap } from '../runtime/asm-object.js';

/**
 * The functions helper calls become after the kernel's fixups, as Linux 6.18's bpftool
 * prints them (names from its kallsyms, as the corpus's and test/golden's dumps show):
 * a map helper on a map the verifier can tell becomes the map type's op; a call that
 * sees two maps is poisoned and keeps the helper; some helpers have a variant per
 * program type.
 */
const HASH: AsmMap = { name: 'h', type: MAP_TYPE.hash, keySize: 4, valueSize: 8, maxEntries: 4 };
const LRU: AsmMap = { name: 'l', type: MAP_TYPE.lruHash, keySize: 4, valueSize: 8, maxEntries: 4 };
const TRIE: AsmMap = { name: 't', type: MAP_TYPE.lpmTrie, keySize: 8, valueSize: 8, maxEntries: 4, flags: MAP_FLAG.noPrealloc };
const XSKS: AsmMap = { name: 'x', type: MAP_TYPE.xskmap, keySize: 4, valueSize: 4, maxEntries: 4 };
const QUEUE: AsmMap = { name: 'q', type: MAP_TYPE.queue, keySize: 0, valueSize: 4, maxEntries: 4 };
const INNER: MapSpec = { name: 'inner', origin: 'btf', sectionName: '.maps', type: MAP_TYPE.lpmTrie, keySize: 8, valueSize: 8, maxEntries: 4, flags: MAP_FLAG.noPrealloc, numaNode: 0, pinning: 0, mapExtra: 0n, btfKeyTypeId: 0, btfValueTypeId: 0, initialSlots: [] };
const OUTER: AsmMap = { name: 'o', type: MAP_TYPE.arrayOfMaps, keySize: 4, valueSize: 4, maxEntries: 2, inner: INNER };

function targets(text: string, maps: AsmMap[], section = 'xdp'): Record<number, string> {
  const program = asmObject([{ name: 'p', section, text }], maps).programs[0]!;
  return Object.fromEntries(program.helperFunctions);
}

const KEY = 'mov %r2, %r10\n  add %r2, -8';

describe('map helpers become the map type’s ops', () => {
  it('update and delete of a hash and an LRU hash, lookup of a trie; a hash lookup is inlined by the kernel, so it stays', () => {
    const text = `lddw %r1, ${MAP(0)}\n  ${KEY}\n  call 1\n  lddw %r1, ${MAP(0)}\n  ${KEY}\n  mov %r3, %r2\n  mov %r4, 0\n  call 2\n  lddw %r1, ${MAP(1)}\n  ${KEY}\n  call 3\n  lddw %r1, ${MAP(2)}\n  ${KEY}\n  call 1\n  mov %r0, 2\n  exit`;
    expect(targets(text, [HASH, LRU, TRIE])).toEqual({ 11: 'htab_map_update_elem', 16: 'htab_lru_map_delete_elem', 21: 'trie_lookup_elem' });
  });

  it('follows the map through moves and an 8-byte spill and fill', () => {
    const text = `lddw %r6, ${MAP(0)}\n  stxdw [%r10-16], %r6\n  mov %r6, 0\n  ldxdw %r1, [%r10-16]\n  mov %r7, %r1\n  mov %r1, %r7\n  ${KEY}\n  call 3\n  mov %r0, 2\n  exit`;
    expect(targets(text, [HASH])).toEqual({ 9: 'htab_map_delete_elem' });
  });

  it('a call that sees two maps on different paths keeps the helper, as the verifier poisons it', () => {
    const text = `lddw %r1, ${MAP(0)}\n  jeq %r6, 0, +2\n  lddw %r1, ${MAP(1)}\n  ${KEY}\n  call 3\n  mov %r0, 2\n  exit`;
    expect(targets(text, [HASH, LRU])).toEqual({});
    // The same map on both paths is one map.
    const same = `lddw %r1, ${MAP(0)}\n  jeq %r6, 0, +2\n  lddw %r1, ${MAP(0)}\n  ${KEY}\n  call 3\n  mov %r0, 2\n  exit`;
    expect(targets(same, [HASH, LRU])).toEqual({ 7: 'htab_map_delete_elem' });
  });

  it('redirect_map and the queue ops; a map of maps’ lookup returns its inner map', () => {
    const text = `lddw %r1, ${MAP(0)}\n  mov %r2, 0\n  mov %r3, 0\n  call 51\n  lddw %r1, ${MAP(1)}\n  mov %r2, %r10\n  mov %r3, 0\n  call 87\n  exit`;
    expect(targets(text, [XSKS, QUEUE])).toEqual({ 4: 'xsk_map_redirect', 9: 'queue_stack_map_push_elem' });
    const inner = `lddw %r1, ${MAP(0)}\n  ${KEY}\n  call 1\n  jeq %r0, 0, +4\n  mov %r1, %r0\n  ${KEY}\n  call 1\n  mov %r0, 2\n  exit`;
    expect(targets(inner, [OUTER])).toEqual({ 9: 'trie_lookup_elem' });
  });
});

describe('helpers with a variant per program type', () => {
  it('bpf_perf_event_output and bpf_get_stackid', () => {
    const text = 'mov %r2, 0\n  call 25\n  call 27\n  exit';
    expect(targets(text, [], 'xdp')).toEqual({ 1: 'bpf_xdp_event_output' });
    expect(targets(text, [], 'tc')).toEqual({ 1: 'bpf_skb_event_output' });
    expect(targets(text, [], 'tracepoint/sched/sched_switch')).toEqual({ 1: 'bpf_perf_event_output_tp', 2: 'bpf_get_stackid_tp' });
    expect(targets(text, [], 'raw_tracepoint/sched_switch')).toEqual({ 1: 'bpf_perf_event_output_raw_tp', 2: 'bpf_get_stackid_raw_tp' });
    expect(targets(text, [], 'kprobe/do_exit')).toEqual({});
  });

  it('the compat probe reads of tracing programs, and fib_lookup', () => {
    expect(targets('call 45\n  call 4\n  exit', [], 'kprobe/do_exit')).toEqual({ 0: 'bpf_probe_read_compat_str', 1: 'bpf_probe_read_compat' });
    expect(targets('call 69\n  exit', [], 'xdp')).toEqual({ 0: 'bpf_xdp_fib_lookup' });
  });
});
