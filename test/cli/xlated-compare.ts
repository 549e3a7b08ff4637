/**
 * Comparing our `prog dump xlated` with the kernel's. Some facts only a kernel knows:
 * the offset after a helper's `#` (an address), the ids its maps got, and its rewrites of
 * context accesses, map helpers and LD_ABS (test/golden/NOTES.md). Everything else must
 * be identical.
 */

/** Replace what differs by kernel only: helper call immediates and map ids (by name). */
export function normaliseXlated(text: string, mapNames: ReadonlyMap<number, string>): string {
  return text
    .replace(/(call [A-Za-z_][\w.]*)#-?\d+/g, '$1#N')
    .replace(/map\[id:(\d+)\]/g, (_m, id: string) => `map[${mapNames.get(Number(id)) ?? `?${id}`}]`);
}

/** One instruction line without its pc, with jump distances masked (insertions shift them). */
function shape(line: string): string {
  return line.replace(/^\s*\d+: /, '').replace(/(goto|call) pc[+-]\d+/, '$1 pc?');
}

export interface Hunk {
  ours: string[];
  kernel: string[];
}

/** The differing hunks between two listings, aligned by a longest common subsequence. */
export function diffHunks(ours: string[], kernel: string[]): Hunk[] {
  const a = ours.map(shape);
  const b = kernel.map(shape);
  const n = a.length;
  const m = b.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const hunks: Hunk[] = [];
  let cur: Hunk | undefined;
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      cur = undefined;
      i++;
      j++;
      continue;
    }
    if (!cur) hunks.push((cur = { ours: [], kernel: [] }));
    if (j >= m || (i < n && lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) cur.ours.push(ours[i++]!);
    else cur.kernel.push(kernel[j++]!);
  }
  return hunks;
}

/**
 * The instructions the kernel rewrites: loads and stores through a context or other
 * pointer register (field offsets change), map helper calls (inlined or replaced by the
 * map's own function), legacy packet loads, and moves around them. An instruction line
 * of ours that differs from the kernel must be one of these.
 */
const REWRITABLE = [
  /^\s*\d+: \((61|69|71|79|63|6b|73|7b)\) /, // ldx/stx of 8..64 bits: context field accesses
  /^\s*\d+: \(85\) call bpf_(map_lookup_elem|map_update_elem|map_delete_elem|skb_load_bytes)#/,
  /^\s*\d+: \((20|28|30|40|48|50)\) r0 = \*\(u(8|16|32) \*\)skb\[/, // LD_ABS / LD_IND
];

export function unexplained(h: Hunk): string[] {
  return h.ours.filter((l) => !REWRITABLE.some((re) => re.test(l)));
}
