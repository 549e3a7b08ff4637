import { E2BIG, EINVAL } from '../errno.js';
import { BtfError } from '../errors.js';
import { BTF_KIND } from './types.js';

/** BPF is a 64-bit target: every pointer is 8 bytes. */
export const POINTER_SIZE = 8;

/**
 * libbpf's MAX_RESOLVE_DEPTH, which the kernel's btf_resolve_size shares: how many
 * typedefs, qualifiers, vars, tags and arrays a size walk follows, the sized type
 * itself counted, before it gives up.
 */
export const MAX_RESOLVE_DEPTH = 32;

const U32_MAX = 0xffffffff;

/** Kinds a size walk passes through to the type they refer to (arrays too, to their element). */
const FOLLOWED: ReadonlySet<number> = new Set([BTF_KIND.TYPEDEF, BTF_KIND.VOLATILE, BTF_KIND.CONST, BTF_KIND.RESTRICT, BTF_KIND.VAR, BTF_KIND.DECL_TAG, BTF_KIND.TYPE_TAG]);
/** Kinds whose record carries their size. */
const SIZED: ReadonlySet<number> = new Set([BTF_KIND.INT, BTF_KIND.STRUCT, BTF_KIND.UNION, BTF_KIND.ENUM, BTF_KIND.ENUM64, BTF_KIND.DATASEC, BTF_KIND.FLOAT]);

/**
 * Where each type's record is, as parseBtf checked it: a TypeTable (every record in one
 * array, for the dumpers) or a Btf read in place (no table built for one question).
 */
export interface TypeRecords {
  /** The words that hold the record of type `id` (not void). */
  recordWords(id: number): Uint32Array;
  /** Where in them the record starts. */
  recordStart(id: number): number;
}

/**
 * The one size resolution, libbpf's btf__resolve_size (bpftool's dumper, map and extern
 * sizes, CO-RE all use it; the kernel's btf_resolve_size has the same limits): bytes, or
 * -EINVAL for void, FWD, FUNC, FUNC_PROTO or a chain over MAX_RESOLVE_DEPTH, -E2BIG for a
 * size over 32 bits. A reference loop, which the kernel's BTF check refuses before
 * anything asks for a size, throws a BtfError.
 */
export function resolveSize(types: TypeRecords, id: number, ptrSize = POINTER_SIZE): number {
  let nelems = 1;
  let cur = id;
  for (let i = 0; i < MAX_RESOLVE_DEPTH && cur !== 0; i++) {
    const w = types.recordWords(cur);
    const at = types.recordStart(cur);
    const kind = (w[at + 1]! >>> 24) & 0x1f;
    if (SIZED.has(kind)) return product(nelems, w[at + 2]!);
    if (kind === BTF_KIND.PTR) return product(nelems, ptrSize);
    if (kind === BTF_KIND.ARRAY) {
      // struct btf_array after the common header: type, index_type, nelems.
      const count = w[at + 5]!;
      if (nelems && count > U32_MAX / nelems) return unlessLoop(types, id, -E2BIG);
      nelems *= count;
    }
    const next = passThrough(types, cur);
    if (next === undefined) return -EINVAL;
    cur = next;
  }
  return cur === 0 ? -EINVAL : unlessLoop(types, id, -EINVAL);
}

/** Where a size walk from `id` stops: the first type it does not pass through (0 for void), or undefined past MAX_RESOLVE_DEPTH. */
export function sizeWalkEnd(types: TypeRecords, id: number): number | undefined {
  let cur = id;
  for (let i = 0; i < MAX_RESOLVE_DEPTH; i++) {
    const next = passThrough(types, cur);
    if (next === undefined) return cur;
    cur = next;
  }
  return undefined;
}

function product(nelems: number, size: number): number {
  return nelems && size > U32_MAX / nelems ? -E2BIG : nelems * size;
}

/** The type a size walk goes on to from `id`, or undefined where it stops. */
function passThrough(types: TypeRecords, id: number): number | undefined {
  if (id === 0) return undefined;
  const w = types.recordWords(id);
  const at = types.recordStart(id);
  const kind = (w[at + 1]! >>> 24) & 0x1f;
  if (kind === BTF_KIND.ARRAY) return w[at + 3]!;
  return FOLLOWED.has(kind) ? w[at + 2]! : undefined;
}

/** A failed walk's errno, unless the walk went round a loop (an array of itself overflows before it runs out of steps). */
function unlessLoop(types: TypeRecords, id: number, errno: number): number {
  if (loops(types, id)) throw new BtfError(`type [${id}]: reference loop`, {}, EINVAL);
  return errno;
}

/** Whether the walk from `id` comes back to a type it has seen (only asked once it ran out of steps). */
function loops(types: TypeRecords, id: number): boolean {
  const seen = new Set<number>();
  for (let cur: number | undefined = id; cur !== undefined; cur = passThrough(types, cur)) {
    if (seen.has(cur)) return true;
    seen.add(cur);
  }
  return false;
}
