import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HELPER_COUNT, helperId, helperName } from '../../src/isa/helpers.js';
import { skipReason } from '../helpers/env.js';

const UAPI = '/usr/include/linux/bpf.h';

describe('helpers', () => {
  it('names ids the way the kernel disassembler does', () => {
    expect(helperName(0)).toBe('bpf_unspec');
    expect(helperName(1)).toBe('bpf_map_lookup_elem');
    expect(helperName(6)).toBe('bpf_trace_printk');
    expect(helperName(12)).toBe('bpf_tail_call');
    expect(helperName(HELPER_COUNT)).toBeUndefined();
    expect(helperName(-1)).toBeUndefined();
    expect(helperName(1.5)).toBeUndefined();
  });

  it('finds ids by name, with or without the bpf_ prefix', () => {
    expect(helperId('bpf_trace_printk')).toBe(6);
    expect(helperId('trace_printk')).toBe(6);
    expect(helperId('bpf_no_such_helper')).toBeUndefined();
    for (let id = 0; id < HELPER_COUNT; id++) expect(helperId(helperName(id)!)).toBe(id);
  });

  it("matches this machine's uapi header", (ctx) => {
    if (skipReason(existsSync(UAPI) ? undefined : `${UAPI} is missing (apt-get install linux-libc-dev)`, 'uapi helper list')) return ctx.skip();
    const text = readFileSync(UAPI, 'utf8');
    const mapper = text.slice(text.indexOf('_BPF_FUNC_MAPPER('));
    const body = mapper.slice(0, mapper.search(/\n\s*\n|\n\/\*/));
    // Older headers list FN(name) in id order; newer ones FN(name, id, ##ctx).
    const entries = [...body.matchAll(/FN\((\w+)(?:,\s*(\d+))?/g)].filter((m) => m[1] !== 'FN');
    expect(entries.length).toBeGreaterThan(200);
    entries.forEach((m, i) => {
      const id = m[2] === undefined ? i : Number(m[2]);
      if (id < HELPER_COUNT) expect(helperName(id)).toBe(`bpf_${m[1]}`);
    });
    expect(HELPER_COUNT).toBe(entries.length);
  });
});
