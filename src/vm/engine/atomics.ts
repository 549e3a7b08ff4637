/**
 * BPF_ATOMIC read-modify-writes of a 32- or 64-bit word at byte offset a of the view.
 * The fetch forms and xchg put the old value in src (a 32-bit one zero-extended);
 * cmpxchg compares with r0 (its lower half for 32 bits), stores src when equal, and
 * always puts the old value in r0. The VM runs one program at a time, so plain reads
 * and writes are atomic here.
 */
export const enum Atomic {
  add,
  or,
  and,
  xor,
  xchg,
  cmpxchg,
}

function apply(kind: Atomic, old: number, v: number): number {
  switch (kind) {
    case Atomic.add: return (old + v) | 0;
    case Atomic.or: return old | v;
    case Atomic.and: return old & v;
    case Atomic.xor: return old ^ v;
    default: return v;
  }
}

export function atomic32(kind: Atomic, fetch: boolean, view: DataView, a: number, le: boolean, lo: Int32Array, hi: Int32Array, s: number): void {
  const old = view.getInt32(a, le);
  if (kind === Atomic.cmpxchg) {
    if (old === lo[0]) view.setInt32(a, lo[s]!, le);
    lo[0] = old;
    hi[0] = 0;
    return;
  }
  view.setInt32(a, apply(kind, old, lo[s]!), le);
  if (fetch) {
    lo[s] = old;
    hi[s] = 0;
  }
}

/** aL and aH: where the low and high words are, which the byte order decides. */
export function atomic64(kind: Atomic, fetch: boolean, view: DataView, aL: number, aH: number, le: boolean, lo: Int32Array, hi: Int32Array, s: number): void {
  const oldL = view.getInt32(aL, le);
  const oldH = view.getInt32(aH, le);
  if (kind === Atomic.cmpxchg) {
    if (oldL === lo[0] && oldH === hi[0]) {
      view.setInt32(aL, lo[s]!, le);
      view.setInt32(aH, hi[s]!, le);
    }
    lo[0] = oldL;
    hi[0] = oldH;
    return;
  }
  const vL = lo[s]!;
  const vH = hi[s]!;
  if (kind === Atomic.add) {
    const sum = (oldL >>> 0) + (vL >>> 0);
    view.setInt32(aL, sum | 0, le);
    view.setInt32(aH, (oldH + vH + (sum > 4294967295 ? 1 : 0)) | 0, le);
  } else {
    view.setInt32(aL, apply(kind, oldL, vL), le);
    view.setInt32(aH, apply(kind, oldH, vH), le);
  }
  if (fetch) {
    lo[s] = oldL;
    hi[s] = oldH;
  }
}
