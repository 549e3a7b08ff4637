import { UsageError } from '../errors.js';
import type { LoadedMap, LoadedProgram } from '../vm/index.js';
import type { CliContext } from './context.js';
import { fail, Reporter } from './report.js';

/**
 * What every command reads its words with, as bpftool's common.c is for bpftool: the
 * prefix rule, the cursor over argv, C's strtoul, and the PROG and MAP handles.
 */

/** bpftool's is_prefix: the word is the start of the keyword (the empty word is the start of every keyword). */
export function isPrefix(word: string, keyword: string): boolean {
  return keyword.startsWith(word);
}

/**
 * The words of a command line, read the way bpftool's C reads its argc/argv: a keyword
 * matches when the word is a prefix of it (`bpfscope p s` is `prog show`), and every
 * message can name the word before the cursor (bpftool's argv[-1]).
 */
export class Words {
  constructor(
    readonly words: readonly string[],
    public at = 0,
  ) {}

  get done(): boolean {
    return this.at >= this.words.length;
  }

  /** bpftool's argc: the words not read yet. */
  get count(): number {
    return Math.max(0, this.words.length - this.at);
  }

  /** bpftool's *argv: the next word. */
  get current(): string | undefined {
    return this.words[this.at];
  }

  /** The word `n` words after the next one, without taking any. */
  ahead(n: number): string | undefined {
    return this.words[this.at + n];
  }

  /** The word just taken, as typed (bpftool's argv[-1], which some of its messages quote). */
  get previous(): string | undefined {
    return this.words[this.at - 1];
  }

  /** Moves past the next word and returns it ('' past the end). */
  next(): string {
    return this.words[this.at++] ?? '';
  }

  /** The next word, or a usage error saying what was expected. */
  take(what: string): string {
    if (this.done) throw new UsageError(`expected ${what}`);
    return this.next();
  }

  /** Whether the next word is a prefix of `keyword`. */
  is(keyword: string): boolean {
    const w = this.current;
    return w !== undefined && isPrefix(w, keyword);
  }

  /** Takes the next word when it is a prefix of `keyword`. */
  accept(keyword: string): boolean {
    if (!this.is(keyword)) return false;
    this.at++;
    return true;
  }

  /** Fails when words are left over. */
  end(): void {
    if (!this.done) throw new UsageError(`unexpected argument: '${this.current}'`);
  }
}

/** bpftool's REQ_ARGS: `'WORD' needs at least N arguments, M found`. */
export function requireArgs(ctx: CliContext, words: Words, n: number): void {
  if (words.count < n) fail(ctx, `'${words.previous ?? ''}' needs at least ${n} arguments, ${words.count} found`);
}

/** bpftool's BAD_ARG: `what is 'WORD'?`. */
export function badArg(ctx: CliContext, words: Words): never {
  return fail(ctx, `what is '${words.current ?? ''}'?`);
}

const ULONG_MAX = (1n << 64n) - 1n;

/**
 * C's strtoul(text, &end, base) where the whole word must be read (`*end == 0`), as
 * bpftool reads every number: undefined when something is left over. Like strtoul it
 * skips leading white space, takes a sign (negating modulo 2^64: `+1` is 1, `-1` is
 * ULONG_MAX), reads 0x as hex and, in base 0, a leading 0 as octal, saturates at
 * ULONG_MAX, and reads the empty word as 0 with nothing left over.
 */
export function strtoul(text: string, base: 0 | 16 = 0): bigint | undefined {
  let i = 0;
  while (i < text.length && ' \t\n\v\f\r'.includes(text[i]!)) i++;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') negative = text[i++] === '-';
  let radix: number = base;
  if (text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && /[0-9a-fA-F]/.test(text[i + 2] ?? '')) {
    radix = 16;
    i += 2;
  } else if (base === 0) {
    radix = text[i] === '0' ? 8 : 10;
  }
  const start = i;
  while (i < text.length && Number.parseInt(text[i]!, radix) < radix) i++;
  // No digits: strtoul leaves its end at the start of the word, which only an empty word ends at.
  if (i === start) return text.length === 0 ? 0n : undefined;
  if (i !== text.length) return undefined;
  const digits = text.slice(start, i);
  let value = BigInt(radix === 16 ? `0x${digits}` : radix === 8 ? `0o${digits}` : digits);
  if (value > ULONG_MAX) value = ULONG_MAX;
  else if (negative) value = (ULONG_MAX + 1n - value) & ULONG_MAX;
  return value;
}

/** strtoul's result stored in a __u32 (ids, sizes, counts), or undefined where bpftool says "can't parse". */
export function strtoulU32(text: string): number | undefined {
  const value = strtoul(text);
  return value === undefined ? undefined : Number(value & 0xffffffffn);
}

/** bpftool's limits on names given on the command line (MAX_PROG_FULL_NAME, BPF_OBJ_NAME_LEN), less the NUL. */
const MAX_PROG_NAME = 127;
const MAX_MAP_NAME = 15;

/**
 * bpftool's name for a program: the kernel keeps 15 characters; where that is all of
 * them, bpftool takes the full name from the program's BTF function info.
 */
export function fullProgramName(p: LoadedProgram): string {
  if (p.name.length < 15) return p.name;
  return p.spec.funcInfo[0]?.name ?? p.name;
}

/** The id after `id`, or bpftool's error for a word strtoul does not read whole. */
function parseId(words: Words, r: Reporter): number {
  const text = words.take('an id');
  const id = strtoulU32(text);
  if (id === undefined) r.die(`can't parse ${text} as ID`);
  return id;
}

/** What a pin in the store names, with bpftool's errors for a missing pin or one of the other kind. */
function pinnedId(ctx: CliContext, r: Reporter, path: string, kind: 'prog' | 'map'): number {
  const target = ctx.store.pinned(path);
  if (!target) r.die(`bpf obj get (${path}): No such file or directory`);
  if (target.kind !== kind) r.die(`incorrect object type: ${target.kind}`);
  return target.id;
}

/** What tells PROG from MAP handles: their words, what they match, and bpftool's messages. */
interface HandleKind<T extends { id: number }> {
  kind: 'prog' | 'map';
  all: (ctx: CliContext) => readonly T[];
  /** bpftool's words for an id that names nothing. */
  getById: string;
  maxName: number;
  nameOf: (t: T) => string;
  /** Programs have tags; maps do not. */
  tagOf?: (t: T) => string;
  expected: string;
  several: string;
}

const PROG: HandleKind<LoadedProgram> = {
  kind: 'prog',
  all: (ctx) => ctx.store.programs,
  getById: 'get by id',
  maxName: MAX_PROG_NAME,
  nameOf: fullProgramName,
  tagOf: (p) => p.spec.tag,
  expected: "expected 'id', 'tag', 'name' or 'pinned'",
  several: 'several programs match this handle',
};

const MAP: HandleKind<LoadedMap> = {
  kind: 'map',
  all: (ctx) => ctx.store.maps,
  getById: 'get map by id',
  maxName: MAX_MAP_NAME,
  nameOf: (m) => m.name,
  expected: "expected 'id', 'name' or 'pinned'",
  several: 'several maps match this handle',
};

/**
 * Everything a handle names, in id order, as bpftool's prog_parse_fds and
 * map_parse_fds: an id that names nothing is an error line, but a tag or name that
 * names none ends the run as bpftool ends it, with no message and status 255 (with -j,
 * the empty line its JSON writer closes with).
 */
function parseHandles<T extends { id: number }>(ctx: CliContext, words: Words, r: Reporter, h: HandleKind<T>): T[] {
  const all = h.all(ctx);
  let found: T[];
  if (words.accept('id')) {
    const id = parseId(words, r);
    found = all.filter((t) => t.id === id);
    if (!found.length) r.die(`${h.getById} (${id}): No such file or directory`);
  } else if (h.tagOf && words.accept('tag')) {
    const m = /^[0-9a-fA-F]{16}/.exec(words.take('a tag'));
    if (!m) r.die("can't parse tag");
    const tagOf = h.tagOf;
    found = all.filter((t) => tagOf(t) === m[0].toLowerCase());
  } else if (words.accept('name')) {
    const name = words.take('a name');
    if (Buffer.byteLength(name) > h.maxName) r.die("can't parse name");
    found = all.filter((t) => h.nameOf(t) === name);
  } else if (words.accept('pinned')) {
    const id = pinnedId(ctx, r, words.take('a pinned path'), h.kind);
    found = all.filter((t) => t.id === id);
  } else {
    return r.die(`${h.expected}, got: '${words.current ?? ''}'?`);
  }
  if (found.length === 0) r.fail();
  return found;
}

/** The one object a handle names (prog_parse_fd, map_parse_fd): several are an error. */
function parseHandle<T extends { id: number }>(ctx: CliContext, words: Words, r: Reporter, h: HandleKind<T>): T {
  const found = parseHandles(ctx, words, r, h);
  if (found.length > 1) r.die(h.several);
  return found[0]!;
}

/** PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME }: every program it names. */
export function parseProgs(ctx: CliContext, words: Words, r: Reporter = new Reporter(ctx)): LoadedProgram[] {
  return parseHandles(ctx, words, r, PROG);
}

export function parseProg(ctx: CliContext, words: Words, r: Reporter = new Reporter(ctx)): LoadedProgram {
  return parseHandle(ctx, words, r, PROG);
}

/** MAP := { id MAP_ID | pinned FILE | name MAP_NAME }: every map it names. */
export function parseMaps(ctx: CliContext, words: Words, r: Reporter = new Reporter(ctx)): LoadedMap[] {
  return parseHandles(ctx, words, r, MAP);
}

export function parseMap(ctx: CliContext, words: Words, r: Reporter = new Reporter(ctx)): LoadedMap {
  return parseHandle(ctx, words, r, MAP);
}

/**
 * `{ show | list } [HANDLE]` as bpftool reads it: everything with no words, what the
 * handle names with two, `what is 'WORD'?` otherwise.
 */
export function showSubset<T>(ctx: CliContext, words: Words, parse: (ctx: CliContext, words: Words) => T[]): T[] | undefined {
  if (words.count === 2) return parse(ctx, words);
  if (words.count) badArg(ctx, words);
  return undefined;
}
