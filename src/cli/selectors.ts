import { UsageError } from '../errors.js';
import type { LoadedProgram } from '../vm/loaded.js';
import type { Words } from './words.js';

export type ProgSelector =
  | { by: 'id'; id: number }
  | { by: 'tag'; tag: string }
  | { by: 'name'; name: string }
  | { by: 'pinned'; path: string };

/** PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME } */
export function parseProgSelector(words: Words): ProgSelector {
  if (words.accept('id')) {
    const text = words.take('a program id');
    const id = parseCInteger(text);
    if (id === undefined) throw new UsageError(`can't parse ${text} as ID`);
    return { by: 'id', id };
  }
  if (words.accept('tag')) {
    const tag = words.take('a program tag');
    if (!/^[0-9a-fA-F]{16}/.test(tag)) throw new UsageError("can't parse tag");
    return { by: 'tag', tag: tag.slice(0, 16).toLowerCase() };
  }
  if (words.accept('name')) {
    const name = words.take('a program name');
    if (name.length > 127) throw new UsageError("can't parse name");
    return { by: 'name', name };
  }
  if (words.accept('pinned')) return { by: 'pinned', path: words.take('a pinned path') };
  throw new UsageError(`expected 'id', 'tag', 'name' or 'pinned', got: '${words.peek() ?? ''}'?`);
}

/** strtoul(…, 0): decimal, 0x hex or leading-0 octal, the whole word. */
export function parseCInteger(text: string): number | undefined {
  const m = /^(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))$/.exec(text);
  if (!m) return undefined;
  const n = m[1] !== undefined ? parseInt(m[1], 16) : m[2] !== undefined ? parseInt(m[2], 8) : parseInt(m[3]!, 10);
  return n <= 0xffffffff ? n : undefined;
}

/** Where `pinned FILE` looks: the store's virtual bpffs. */
export interface PinLookup {
  pinned(path: string): { kind: 'prog' | 'map'; id: number } | undefined;
}

/** The programs a selector names, in id order; an error when none does. */
export function selectPrograms(programs: readonly LoadedProgram[], sel: ProgSelector, pins?: PinLookup): LoadedProgram[] {
  let found: LoadedProgram[];
  switch (sel.by) {
    case 'id':
      found = programs.filter((p) => p.id === sel.id);
      if (found.length === 0) throw new UsageError(`get by id (${sel.id}): No such file or directory`);
      return found;
    case 'tag':
      found = programs.filter((p) => p.spec.tag === sel.tag);
      break;
    case 'name':
      found = programs.filter((p) => fullProgramName(p) === sel.name);
      break;
    case 'pinned': {
      const target = pins?.pinned(sel.path);
      if (!target) throw new UsageError(`bpf obj get (${sel.path}): No such file or directory`);
      if (target.kind !== 'prog') throw new UsageError(`incorrect object type: ${target.kind}`);
      return programs.filter((p) => p.id === target.id);
    }
  }
  if (found.length === 0) throw new UsageError(`no program matches ${sel.by} ${sel.by === 'tag' ? sel.tag : sel.name}`);
  return found;
}

/**
 * bpftool's name for a program: the kernel keeps 15 characters; where that is all of
 * them, bpftool takes the full name from the program's BTF function info.
 */
export function fullProgramName(p: LoadedProgram): string {
  if (p.name.length < 15) return p.name;
  return p.spec.funcInfo[0]?.name ?? p.name;
}
