import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpBtfC, dumpBtfRaw, dumpBtfRawJson, fixDatasecs, funcSignature, parseBtf, type Btf } from '../../src/btf/index.js';
import { BtfError } from '../../src/errors.js';
import { bpfscope } from '../helpers/cli.js';
import { OBJECTS, skipReason } from '../helpers/env.js';
import { BtfBuilder, K } from './builder.js';
import { objectBlobs, sliceBlob, type Blob } from './fuzz-blobs.js';

/**
 * Real BTF, mutated in thousands of seeded ways (truncations, byte flips, header fields,
 * type records, name offsets, string bytes, records swapped): whatever comes out of
 * parseBtf and every dumper must be output or a BtfError, never a RangeError, a
 * TypeError or a hang. BTF_FUZZ_SEED and BTF_FUZZ_ROUNDS change the run; a failure
 * names the seed, the round and the mutation, so it can be replayed.
 */
const SEED = Number(process.env['BTF_FUZZ_SEED'] ?? 0x5eed);
const ROUNDS = Number(process.env['BTF_FUZZ_ROUNDS'] ?? 4000);
const VMLINUX = '/sys/kernel/btf/vmlinux';

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Mutant {
  bytes: Uint8Array;
  what: string;
}

class Mutator {
  constructor(private readonly random: () => number) {}

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  /** Values that sit on the edges parsers get wrong. */
  interesting(blob: Blob): number {
    const types = blob.records.length + 1;
    const strLen = blob.strEnd - blob.strStart;
    return this.pick([
      0, 1, 2, 3, 4, 12, 24, 0x7f, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
      types - 1, types, types + 1, this.int(types), this.int(types),
      strLen - 1, strLen, strLen + 1, this.int(strLen),
      blob.bytes.length, blob.bytes.length + 1,
      this.int(0x100000000), this.int(64),
    ]);
  }

  mutate(blob: Blob): Mutant {
    const bytes = blob.bytes.slice();
    const view = new DataView(bytes.buffer);
    const put32 = (at: number, v: number): void => {
      if (at + 4 <= bytes.length) view.setUint32(at, v >>> 0, blob.little);
    };
    switch (this.int(9)) {
      case 0: {
        const len = this.int(bytes.length);
        return { bytes: bytes.subarray(0, len), what: `truncated to ${len}` };
      }
      case 1: {
        const n = 1 + this.int(4);
        const at: number[] = [];
        for (let i = 0; i < n; i++) {
          const p = this.int(bytes.length);
          bytes[p] = bytes[p]! ^ (1 + this.int(255));
          at.push(p);
        }
        return { bytes, what: `bytes flipped at ${at.join(',')}` };
      }
      case 2: {
        // magic, version, flags, hdr_len, type_off, type_len, str_off, str_len
        const field = this.pick([
          [0, 2],
          [2, 1],
          [3, 1],
          [4, 4],
          [8, 4],
          [12, 4],
          [16, 4],
          [20, 4],
        ] as const);
        const v = this.interesting(blob);
        if (field[1] === 4) put32(field[0], v);
        else if (field[1] === 2) view.setUint16(field[0], v & 0xffff, blob.little);
        else bytes[field[0]] = v & 0xff;
        return { bytes, what: `header byte ${field[0]} set to ${v}` };
      }
      case 3: {
        // Any word of a type record: name, info, size/type, members, params, values.
        const r = this.int(blob.records.length);
        const start = blob.records[r]!;
        const end = blob.records[r + 1] ?? blob.typeEnd;
        const at = start + 4 * this.int((end - start) / 4);
        const v = this.interesting(blob);
        put32(at, v);
        return { bytes, what: `type [${r + 1}] word at +${at - start} set to ${v}` };
      }
      case 4: {
        // The info word: another kind, vlen or kind_flag.
        const r = this.int(blob.records.length);
        const at = blob.records[r]! + 4;
        const old = view.getUint32(at, blob.little);
        const kind = this.int(32);
        const vlen = this.pick([old & 0xffff, 0, 1, this.int(8), 0xffff]);
        const v = ((this.int(2) << 31) | (kind << 24) | vlen) >>> 0;
        put32(at, v);
        return { bytes, what: `type [${r + 1}] info set to 0x${v.toString(16)}` };
      }
      case 5: {
        const at = this.pick(blob.nameOffsets);
        const strLen = blob.strEnd - blob.strStart;
        const v = this.pick([strLen - 1, strLen, strLen + 1, 0xffffffff, this.int(strLen), 1]);
        put32(at, v);
        return { bytes, what: `name offset at ${at} set to ${v}` };
      }
      case 6: {
        // String bytes: a stray NUL, a non-ASCII byte, or no terminating NUL.
        if (blob.strEnd <= blob.strStart) return { bytes, what: 'unchanged (no strings)' };
        const at = this.int(3) === 0 ? blob.strEnd - 1 : blob.strStart + this.int(blob.strEnd - blob.strStart);
        bytes[at] = this.pick([0, 0x80, 0xc3, 0xff, 0x41]);
        return { bytes, what: `string byte at ${at} set to ${bytes[at]}` };
      }
      case 7: {
        // Two records of the same size swap places: references now point elsewhere, loops appear.
        const a = this.int(blob.records.length);
        const size = (i: number): number => (blob.records[i + 1] ?? blob.typeEnd) - blob.records[i]!;
        const partners = blob.records.map((_, i) => i).filter((i) => i !== a && size(i) === size(a));
        if (!partners.length) return { bytes, what: 'unchanged (no record to swap with)' };
        const b = this.pick(partners);
        const ra = blob.bytes.slice(blob.records[a]!, blob.records[a]! + size(a));
        bytes.copyWithin(blob.records[a]!, blob.records[b]!, blob.records[b]! + size(b));
        bytes.set(ra, blob.records[b]!);
        return { bytes, what: `types [${a + 1}] and [${b + 1}] swapped` };
      }
      default: {
        // A reference made to point at the type itself or one near it.
        const r = this.int(blob.records.length);
        const v = Math.max(0, r + 1 + this.int(5) - 2);
        put32(blob.records[r]! + 8, v);
        return { bytes, what: `type [${r + 1}] size/type set to ${v}` };
      }
    }
  }
}

/** Everything a parsed blob may be asked for; each either answers or throws BtfError. */
function exercise(btf: Btf): void {
  const ops: (() => unknown)[] = [
    () => dumpBtfRaw(btf),
    () => dumpBtfRawJson(btf),
    () => dumpBtfRawJson(btf, { pretty: true }),
    () => dumpBtfC(btf),
    () => dumpBtfRaw(btf, { ids: [0, btf.typeCount - 1] }),
    () => dumpBtfC(btf, { ids: [btf.typeCount - 1, 1] }),
    () => fixDatasecs(btf, { sectionSize: () => 64, symbol: () => ({ offset: 8, hidden: false }) }),
  ];
  for (let id = 1; id < Math.min(btf.typeCount, 64); id++) {
    ops.push(() => btf.size(id), () => btf.resolve(id), () => btf.findMember(id, 'next'));
    if (btf.type(id).kind === 'FUNC') ops.push(() => funcSignature(btf, id));
  }
  for (const op of ops) {
    try {
      op();
    } catch (e) {
      if (!(e instanceof BtfError)) throw e;
    }
  }
}

function sources(): Blob[] {
  const blobs = objectBlobs(OBJECTS);
  if (existsSync(VMLINUX)) blobs.push(sliceBlob('vmlinux', readFileSync(VMLINUX), 400));
  else console.log(`fuzz: ${VMLINUX} is missing; objects' BTF only`);
  return blobs;
}

describe('BTF fuzz: only BtfError ever comes out', () => {
  const blobs = sources();

  it('every source blob parses and dumps as it is', () => {
    for (const b of blobs) exercise(parseBtf(b.bytes));
  });

  it(`${ROUNDS} seeded mutations of real blobs (seed ${SEED})`, () => {
    const m = new Mutator(prng(SEED));
    const failures: string[] = [];
    let parsed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const blob = blobs[round % blobs.length]!;
      const mutant = m.mutate(blob);
      try {
        const btf = parseBtf(mutant.bytes);
        parsed++;
        exercise(btf);
      } catch (e) {
        if (!(e instanceof BtfError)) failures.push(`seed ${SEED} round ${round} (${blob.name}: ${mutant.what}): ${(e as Error)?.stack ?? String(e)}`);
      }
      if (failures.length >= 5) break;
    }
    expect(failures).toEqual([]);
    // Not all mutations are fatal: the dumpers saw damaged but parseable BTF too.
    expect(parsed).toBeGreaterThan(ROUNDS / 10);
  });

  it('through the binary: output, or one line of error', (ctx) => {
    if (skipReason(blobs.length ? undefined : 'no source blobs', 'fuzz through the binary')) return ctx.skip();
    const dir = mkdtempSync(join(tmpdir(), 'bpfscope-btf-fuzz-'));
    const m = new Mutator(prng(SEED + 1));
    for (let i = 0; i < 12; i++) {
      const blob = blobs[i % blobs.length]!;
      const mutant = m.mutate(blob);
      const file = join(dir, `mutant-${i}.btf`);
      writeFileSync(file, mutant.bytes);
      for (const format of ['raw', 'c']) {
        const r = bpfscope(['btf', 'dump', 'file', file, 'format', format]);
        const where = `${blob.name}: ${mutant.what}, format ${format}`;
        if (r.status === 0) {
          expect(r.stderr, where).toBe('');
        } else {
          expect(r.stdout, where).toBe('');
          // One error line, bpftool's or ours, never an internal error; before it, at most
          // what libbpf prints in bpftool (a file that is not BTF: "failed to get EHDR").
          const lines = r.stderr.split('\n').slice(0, -1);
          expect(lines.at(-1), where).toMatch(/^(Error: |libbpf: )/);
          expect(r.stderr, where).not.toMatch(/internal error/);
          for (const l of lines.slice(0, -1)) expect(l, where).toMatch(/^libbpf: /);
        }
      }
    }
  });
});

describe('BTF whose C header would never end', () => {
  it('a member offset near 2^32 bits is refused, not padded with 67 million lines', () => {
    const b = new BtfBuilder();
    const int = b.int('int', 4, 1);
    b.composite(K.STRUCT, 'far', 8, [['a', int, 0], ['b', int, 0xffffffc0]]);
    expect(() => dumpBtfC(parseBtf(b.build()))).toThrow(/too large to pad/);
  });

  it('anonymous structs nested by value, each used twice, are refused, not walked 2^40 times', () => {
    // Written inline at every use, level n is twice level n-1: 2^40 copies of the innermost.
    const b = new BtfBuilder();
    let inner = b.int('int', 4, 1);
    for (let level = 0; level < 40; level++) inner = b.composite(K.STRUCT, '', 8, [['x', inner, 0], ['y', inner, 0]]);
    b.ref(K.TYPEDEF, inner, 'huge_t');
    expect(() => dumpBtfC(parseBtf(b.build()))).toThrow(/would never end/);
  });

  it('padding that adds up past the bound on the header is refused', () => {
    // Each struct's gap is just under the bound for one gap; 300 of them make 200 MB.
    const b = new BtfBuilder();
    const int = b.int('int', 4, 1);
    for (let i = 0; i < 300; i++) b.composite(K.STRUCT, `gap${i}`, 1 << 19, [['a', int, 0], ['b', int, (1 << 22) - 64]]);
    expect(() => dumpBtfC(parseBtf(b.build()))).toThrow(/would exceed/);
  });
});
