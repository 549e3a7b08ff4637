// What only a kernel can know, taken out of bpftool's output before it is compared with
// bpfscope's: object ids (map, prog, btf), load time, JIT facts, and helper call numbers
// (a kernel prints the helper's address relative to __bpf_call_base). Everything else
// must be equal. See test/golden/NOTES.md for the kernel rewrites that stay as known
// differences.
import { readdirSync } from 'node:fs';

/** The programs a reference directory has, by pinned name. */
export function loadedPrograms(refDir) {
  return readdirSync(refDir)
    .filter((f) => f.endsWith('.show.json'))
    .map((f) => f.slice(0, -'.show.json'.length))
    .sort();
}

/** Map ids renumbered by first appearance; helper numbers dropped. */
export function normalizeXlated(text) {
  const ids = new Map();
  return text
    .replace(/map\[id:(\d+)\]/g, (_, id) => {
      if (!ids.has(id)) ids.set(id, ids.size + 1);
      return `map[id:${ids.get(id)}]`;
    })
    .replace(/(call [A-Za-z_][A-Za-z0-9_]*)#-?\d+/g, '$1#');
}

/** undefined when equal, else the first difference in a few words. */
export function compareProgram(kernelShow, kernelXlated, ours, oursXlated) {
  for (const field of ['type', 'name', 'tag', 'gpl_compatible', 'bytes_xlated']) {
    if (kernelShow[field] !== ours[field]) return `${field}: kernel ${kernelShow[field]}, bpfscope ${ours[field]}`;
  }
  if ((kernelShow.map_ids ?? []).length !== (ours.map_ids ?? []).length) {
    return `map_ids: kernel ${(kernelShow.map_ids ?? []).length}, bpfscope ${(ours.map_ids ?? []).length}`;
  }
  const a = normalizeXlated(kernelXlated).split('\n');
  const b = normalizeXlated(oursXlated).split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `xlated line ${i + 1}: kernel '${a[i] ?? ''}', bpfscope '${b[i] ?? ''}'`;
  }
  return undefined;
}
