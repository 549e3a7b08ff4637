/**
 * Comparing our `prog dump xlated` with the kernel's. Some facts only a kernel knows:
 * the offset after a helper's `#` (an address), the ids its maps got, and how it inlines
 * map helpers or replaces them by the map's own functions (test/golden/NOTES.md).
 * Everything else, context accesses and LD_ABS expansions included, must be identical.
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
 * The instructions only a kernel rewrites: map helper calls, which it inlines (array,
 * hash and LRU lookups) or replaces by the map's own function (`array_map_update_elem`).
 * An instruction line of ours that differs from the kernel must be one of these; context
 * accesses and LD_ABS are rewritten by src/vm/fixups and must match.
 */
const REWRITABLE = [/^\s*\d+: \(85\) call bpf_map_(lookup_elem|update_elem|delete_elem)#/];

export function unexplained(h: Hunk): string[] {
  return h.ours.filter((l) => !REWRITABLE.some((re) => re.test(l)));
}
