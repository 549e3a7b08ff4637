import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { opcodeOf, partsOf, SIZE_BYTES } from '../../src/isa/opcode-parts.js';
import { OPCODES, regsRead, regsWritten, rowOf } from '../../src/isa/opcodes.js';
import { skipReason } from '../helpers/env.js';

/**
 * The parts each opcode-table row carries, checked against the kernel's UAPI headers:
 * the row's code must be what its class, operation, source, size and mode make by the
 * header's constants.
 */

const HEADERS = ['/usr/include/linux/bpf_common.h', '/usr/include/linux/bpf.h'];

/** `#define BPF_NAME value` from the headers, expressions of earlier names included (BPF_XCHG is `(0xe0 | BPF_FETCH)`). */
function uapiConstants(): Map<string, number> {
  const defs = new Map<string, number>();
  for (const file of HEADERS) {
    for (const m of readFileSync(file, 'utf8').matchAll(/^#define\s+(BPF_[A-Z0-9_]+)\s+(.+?)\s*(?:\/\*.*)?$/gm)) {
      const expr = m[2]!.replace(/BPF_[A-Z0-9_]+/g, (name) => String(defs.get(name) ?? NaN));
      if (/^[\s()|0-9xa-fA-FN]+$/.test(expr) && !expr.includes('NaN')) defs.set(m[1]!, Function(`return ${expr}`)() as number);
    }
  }
  // Newer than this machine's headers (Linux 6.6-6.15 include/uapi/linux/bpf.h): sign-extending loads,
  // may_goto's jump op, load-acquire and store-release. NOSPEC is include/linux/filter.h's.
  for (const [name, value] of [['BPF_MEMSX', 0x80], ['BPF_JCOND', 0xe0], ['BPF_LOAD_ACQ', 0x100], ['BPF_STORE_REL', 0x110], ['BPF_NOSPEC', 0xc0]] as const) {
    if (!defs.has(name)) defs.set(name, value);
  }
  return defs;
}

describe('the parts of every opcode row', () => {
  it('re-encode to the row’s opcode byte, and the byte decodes to them', () => {
    for (const row of OPCODES) {
      expect(opcodeOf(row), row.name).toBe(row.code);
      const parts = partsOf(row.code);
      expect(parts.cls, row.name).toBe(row.cls);
      if (row.op !== undefined) expect([parts.op, parts.source], row.name).toEqual([row.op, row.source]);
      if (row.mode !== undefined) expect([parts.size, parts.mode], row.name).toEqual([row.size, row.mode === 'NOSPEC' ? 'ATOMIC' : row.mode]);
    }
  });

  it('are the kernel UAPI header’s constants', (ctx) => {
    const absent = HEADERS.find((f) => !existsSync(f));
    if (skipReason(absent && `${absent} is missing (apt-get install linux-libc-dev)`, 'UAPI opcode constants')) return ctx.skip();
    const k = uapiConstants();
    const c = (name: string): number => {
      const v = k.get(`BPF_${name.toUpperCase()}`);
      if (v === undefined) throw new Error(`BPF_${name.toUpperCase()} is not in the headers`);
      return v;
    };
    for (const row of OPCODES) {
      const code = row.op !== undefined ? c(row.cls) | c(row.op) | c(row.source!) : c(row.cls) | c(row.size!) | c(row.mode!);
      expect(code, row.name).toBe(row.code);
      if (row.atomic !== undefined) {
        const imm = { add: c('add'), or: c('or'), and: c('and'), xor: c('xor'), xchg: c('xchg'), cmpxchg: c('cmpxchg'), load_acquire: c('load_acq'), store_release: c('store_rel') }[row.atomic];
        // XCHG and CMPXCHG carry BPF_FETCH in their own value.
        expect(row.select?.value, row.name).toBe(imm | (row.fetch ? c('fetch') : 0));
      }
      if (row.order !== undefined && row.order !== 'swap') expect(row.code & 0x08, row.name).toBe(c(row.order === 'le' ? 'to_le' : 'to_be'));
    }
  });

  it('name every register field the row uses among what it reads or writes, and no other', () => {
    for (const row of OPCODES) {
      const io = new Set([...row.reads, ...row.writes]);
      for (const reg of ['dst', 'src'] as const) {
        // A kfunc call's off and a call's imm are not registers; dst and src are registers whenever used.
        expect(io.has(reg), `${row.name} ${reg}`).toBe(row.uses.includes(reg));
      }
    }
  });

  it('give memory accesses their base register and size', () => {
    for (const row of OPCODES) {
      const mem = row.reads.includes('mem') || row.writes.includes('mem');
      const packet = row.mode === 'ABS' || row.mode === 'IND';
      expect(row.base !== undefined, row.name).toBe(mem && !packet);
      if (mem) expect(SIZE_BYTES[row.size!], row.name).toBeGreaterThan(0);
    }
  });

  it('mark the signed variants, and only them', () => {
    const signed = OPCODES.filter((r) => r.signed).map((r) => r.name);
    expect(signed.sort()).toEqual(
      [
        ...['sdiv', 'smod'].flatMap((op) => ['32', '64'].flatMap((w) => [`${op}${w}_imm`, `${op}${w}_reg`])),
        'movsx32_8', 'movsx32_16', 'movsx64_8', 'movsx64_16', 'movsx64_32',
        'ldxsb', 'ldxsh', 'ldxsw',
        ...['jsgt', 'jsge', 'jslt', 'jsle'].flatMap((op) => ['', '32'].flatMap((w) => [`${op}${w}_imm`, `${op}${w}_reg`])),
      ].sort(),
    );
  });

  it('give every call its kind and the caller-saved registers it clobbers', () => {
    for (const row of OPCODES.filter((r) => r.flow === 'call')) {
      expect(row.call, row.name).toBeDefined();
      expect(regsWritten(row, { code: row.code, dst: 0, src: 0, off: 0, imm: 0 }), row.name).toBe(0b111111);
    }
    expect(OPCODES.filter((r) => r.call !== undefined).every((r) => r.flow === 'call')).toBe(true);
  });

  it('say which registers an instruction reads and writes', () => {
    const insn = (name: string, dst: number, src: number) => {
      const row = OPCODES.find((r) => r.name === name)!;
      return { row, insn: { code: row.code, dst, src, off: 0, imm: 0 } };
    };
    const at = (name: string, dst: number, src: number) => {
      const { row, insn: i } = insn(name, dst, src);
      return [regsRead(row, i), regsWritten(row, i)];
    };
    expect(at('add64_reg', 1, 2)).toEqual([0b110, 0b10]);
    expect(at('mov64_reg', 1, 2)).toEqual([0b100, 0b10]);
    expect(at('atomic_fetch_add_dw', 1, 2)).toEqual([0b110, 0b100]);
    expect(at('atomic_cmpxchg_w', 1, 2)).toEqual([0b111, 0b1]);
    expect(at('ldabsw', 0, 0)).toEqual([1 << 6, 0b111111]);
    expect(at('exit', 0, 0)).toEqual([1, 0]);
  });

  it('find each plain row back from its parts', () => {
    for (const row of OPCODES) {
      const variant = row.signed || (row.select?.value ?? 0) !== 0 || row.fetch;
      if (variant && !row.atomic && !row.order) continue;
      const { cls, op, source, size, mode, atomic, fetch, order, call } = row;
      const q = { cls, ...(op ? { op, source } : { size, mode }), ...(atomic ? { atomic, fetch } : {}), ...(order ? { order, size } : {}), ...(call ? { call } : {}) };
      expect(rowOf(q).name, row.name).toBe(row.name);
    }
  });
});
