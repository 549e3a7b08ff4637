// What only a kernel can know, taken out of bpftool's output before it is compared with
// bpfscope's: object ids (map, prog, btf), load time, JIT facts, and helper call numbers
// (a kernel prints the helper's address relative to __bpf_call_base). The rewrites the
// kernel's verifier makes after it has proved a program (map lookups inlined, dead code
// removed, jumps re-aimed around both) are the verifier issue's; a difference they
// explain is told apart from a real one, by the rules in explainHunk(). Everything else
// must be equal. test/golden/NOTES.md lists the rewrites.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The programs a reference directory has, by pinned name. */
export function loadedPrograms(refDir) {
  return readdirSync(refDir)
    .filter((f) => f.endsWith('.show.json'))
    .map((f) => f.slice(0, -'.show.json'.length))
    .sort();
}

/**
 * bpfscope (the binary `bin`) against the kernel's reference of one object (a folder of
 * kernel-reference.sh): one outcome per program the kernel loaded, with `failure` (the
 * first real difference) or `rewrites` (the kernel rewrites that explain the rest).
 */
export function compareObject(bin, obj, ref) {
  const run = (args) => {
    const r = spawnSync(bin, ['--object', obj, ...args], { encoding: 'utf8' });
    if (r.status === 0) return { out: r.stdout };
    // Notes (`note: FILE: ...`) say what libbpf would say; the error is the line after them.
    const lines = `${r.stderr}\n${r.stdout}`.split('\n').filter((l) => l.trim() && !l.startsWith('note: '));
    return { error: lines[0] ?? `exit ${r.status}` };
  };
  const programs = loadedPrograms(ref);
  if (!programs.length) return [];
  const show = run(['-j', 'prog', 'show']);
  const mapShow = run(['-j', 'map', 'show']);
  const ourMaps = mapNames(mapShow.error ? [] : JSON.parse(mapShow.out));
  const kernelMaps = mapNames(JSON.parse(readFileSync(join(ref, 'maps.json'), 'utf8')));
  return programs.map((program) => {
    const kernelShow = JSON.parse(readFileSync(join(ref, `${program}.show.json`), 'utf8'));
    const kernelXlated = readFileSync(join(ref, `${program}.xlated.txt`), 'utf8');
    if (show.error) return { program, failure: `open: ${show.error}` };
    const ours = JSON.parse(show.out).find((p) => p.name === kernelShow.name);
    if (!ours) return { program, failure: 'not loaded by bpfscope' };
    const xlated = run(['prog', 'dump', 'xlated', 'id', String(ours.id)]);
    if (xlated.error) return { program, failure: `dump: ${xlated.error}` };
    const verdict = compareProgram(kernelShow, kernelXlated, ours, xlated.out, kernelMaps, ourMaps);
    return typeof verdict === 'string' ? { program, failure: verdict } : { program, ...(verdict ? { rewrites: verdict.rewrites } : {}) };
  });
}

/**
 * Map ids as the maps' names (ids are the kernel's own; the dead code a kernel removes
 * can take a map's only reference with it, so numbering by appearance would not do);
 * helper numbers dropped. `names` maps an id to its map's name.
 */
export function normalizeXlated(text, names) {
  return text
    .replace(/map\[id:(\d+)\]/g, (_, id) => `map[${names.get(Number(id)) ?? `id:${id}`}]`)
    .replace(/(call [A-Za-z_][A-Za-z0-9_.]*)#-?\d+/g, '$1#');
}

/** id -> name of `-j map show` output (an array of bpftool's map objects). */
export function mapNames(maps) {
  return new Map(maps.map((m) => [m.id, m.name]));
}

/**
 * undefined when equal; { rewrites } when equal up to the kernel's post-verification
 * rewrites (a list of what they were); else a string naming the first real difference.
 */
export function compareProgram(kernelShow, kernelXlated, ours, oursXlated, kernelMaps = new Map(), ourMaps = new Map()) {
  for (const field of ['type', 'name', 'tag', 'gpl_compatible']) {
    if (kernelShow[field] !== ours[field]) return `${field}: kernel ${kernelShow[field]}, bpfscope ${ours[field]}`;
  }
  if ((kernelShow.map_ids ?? []).length !== (ours.map_ids ?? []).length) {
    return `map_ids: kernel ${(kernelShow.map_ids ?? []).length}, bpfscope ${(ours.map_ids ?? []).length}`;
  }
  const a = normalizeXlated(kernelXlated, kernelMaps).split('\n');
  const b = normalizeXlated(oursXlated, ourMaps).split('\n');
  if (kernelShow.bytes_xlated === ours.bytes_xlated && a.length === b.length && a.every((l, i) => l === b[i])) return undefined;
  // Instructions moved: compare without their indexes and jump distances, hunk by hunk.
  const strip = (l) => l.replace(/^\s*\d+: /, '').replace(/goto pc[+-]\d+/, 'goto pc?').replace(/call pc[+-]\d+/, 'call pc?');
  const hunks = diffHunks(a.map(strip), b.map(strip));
  const rewrites = [];
  const symbolOnly = [];
  for (const h of hunks) {
    const why = explainHunk(h.kernel, h.ours);
    if (why === SUBPROGRAM_SYMBOL) symbolOnly.push(h);
    else if (!why) return `xlated: kernel [${h.kernel.join(' | ')}], bpfscope [${h.ours.join(' | ')}]`;
    else rewrites.push(why);
  }
  // A subprogram's symbol digests its code as the kernel rewrote it: it differs only
  // where the kernel rewrote something.
  if (symbolOnly.length) {
    if (!rewrites.length) return `xlated: kernel [${symbolOnly[0].kernel.join(' | ')}], bpfscope [${symbolOnly[0].ours.join(' | ')}]`;
    rewrites.push(SUBPROGRAM_SYMBOL);
  }
  if (!rewrites.length) return `xlated: equal up to jump distances only (bytes ${kernelShow.bytes_xlated} vs ${ours.bytes_xlated})`;
  return { rewrites: [...new Set(rewrites)] };
}

const INSN = /^\([0-9a-f]{2}\) /;
/** An instruction the kernel's inlined lookup consists of: no helper call but a lookup's own. */
const INLINED_LOOKUP_LINE = (l) => INSN.test(l) && (!/ call /.test(l) || /call [a-z_]*lookup_elem#$/.test(l) || /call __[a-z_]*lookup[a-z_]*#$/.test(l));

const SUBPROGRAM_SYMBOL = "subprogram symbols' tags";
const withoutSymbolTag = (l) => l.replace(/#bpf_prog_[0-9a-f]{16}_/, '#bpf_prog_?_');

/** Helpers the 6.18 x86-64 verifier inlines after verification (do_misc_fixups). */
const INLINED_HELPER = /call (bpf_get_smp_processor_id|bpf_get_current_task|bpf_get_current_task_btf|bpf_jiffies64|bpf_get_func_ip|bpf_get_func_arg|bpf_get_func_ret|bpf_get_func_arg_cnt|bpf_get_branch_snapshot|bpf_kptr_xchg)#$/;

/** bpf_unclone_prologue: if the skb is cloned, bpf_skb_pull_data(skb, 0), or drop. */
const UNCLONE_PROLOGUE = [
  /^\(71\) r6 = \*\(u8 \*\)\(r1 \+\d+\)$/,
  /^\(54\) w6 &= \d+$/,
  /^\(15\) if r6 == 0x0 goto pc\?$/,
  /^\(bf\) r6 = r1$/,
  /^\(af\) r2 \^= r2$/,
  /^\(85\) call bpf_skb_pull_data#$/,
  /^\(15\) if r0 == 0x0 goto pc\?$/,
  /^\(b4\) w0 = \d+$/,
  /^\(95\) exit$/,
  /^\(bf\) r1 = r6$/,
];

/** What kernel rewrite a differing hunk is, or undefined when none explains it. */
function explainHunk(kernel, ours) {
  if (kernel.length === ours.length && kernel.every((l, i) => withoutSymbolTag(l) === withoutSymbolTag(ours[i]))) return SUBPROGRAM_SYMBOL;
  const kInsns = kernel.filter((l) => INSN.test(l));
  const oInsns = ours.filter((l) => INSN.test(l));
  const onlyLines = (xs) => xs.every((l) => INSN.test(l) || l.startsWith('; '));
  if (!onlyLines(kernel) || !onlyLines(ours)) return undefined;
  // A lookup the kernel inlined: our one call, its instructions without a helper call;
  // what of ours follows where the kernel has nothing more is code it removed as dead.
  const lookup = /call bpf_map_lookup_elem#$/;
  if (oInsns.length >= 1 && lookup.test(oInsns[0]) && kInsns.length >= 1 && kInsns.every(INLINED_LOOKUP_LINE)) {
    if (oInsns.every((l) => lookup.test(l))) return 'map lookup inlined';
    if (kInsns.filter((l) => / call /.test(l)).length <= 1) return 'map lookup inlined, dead code removed';
  }
  // A helper do_misc_fixups replaces by inline code (the per-CPU address it reads is the kernel's own).
  if (oInsns.length === 1 && INLINED_HELPER.test(oInsns[0]) && kInsns.length >= 1 && kInsns.every((l) => !/ call /.test(l))) return 'helper inlined';
  // tc's prologue for programs the verifier saw write packet data (bpf_unclone_prologue).
  if (oInsns.length === 0 && UNCLONE_PROLOGUE.every((re, i) => re.test(kInsns[i] ?? '')) && kInsns.length === UNCLONE_PROLOGUE.length) return 'unclone prologue';
  // Code the verifier found unreachable and removed.
  if (kInsns.length === 0 && oInsns.length > 0) return 'dead code removed';
  return undefined;
}

/** The differing stretches of two line lists (an LCS alignment). */
function diffHunks(a, b) {
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const hunks = [];
  let cur;
  let i = 0;
  let j = 0;
  const flush = () => {
    if (cur) hunks.push(cur);
    cur = undefined;
  };
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      flush();
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      (cur ??= { kernel: [], ours: [] }).ours.push(b[j++]);
    } else {
      (cur ??= { kernel: [], ours: [] }).kernel.push(a[i++]);
    }
  }
  flush();
  // A source-line comment alone on one side belongs to the instructions beside it.
  return hunks.filter((h) => h.kernel.some((l) => INSN.test(l)) || h.ours.some((l) => INSN.test(l)));
}
