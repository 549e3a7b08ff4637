import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles, src } from './sources.js';

interface Import {
  target: string;
  /** `import type` / `export type`: erased when compiled, but still a module needing another. */
  typeOnly: boolean;
}

/** Every relative import of a file: static, dynamic (`await import()`), re-exports, type-only ones. */
function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  for (const m of text.matchAll(/(?:^(import|export) (type )?[^;]*?from|import\s*\()\s*'(\.{1,2}\/[^']+)'/gms)) {
    const path = resolve(dirname(file), m[3]!.replace(/\.js$/, '.ts'));
    const target = existsSync(path) ? path : join(path.replace(/\.ts$/, ''), 'index.ts');
    if (!existsSync(target)) throw new Error(`${relative(src, file)} imports ${m[3]}, which is not under src/`);
    found.push({ target, typeOnly: m[2] !== undefined });
  }
  return found;
}

/** Tarjan's strongly connected components: each with more than one module (or a module importing itself) is a cycle. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('module graph', () => {
  const imports = new Map(sourceFiles().map((f) => [f, importsOf(f)]));
  const graph = new Map([...imports].map(([f, list]) => [f, list.map((i) => i.target)]));
  const valueGraph = new Map([...imports].map(([f, list]) => [f, list.filter((i) => !i.typeOnly).map((i) => i.target)]));
  const named = (g: ReadonlyMap<string, readonly string[]>) => cycles(g).map((c) => c.map((f) => relative(src, f)).join(' <-> '));

  it('finds a cycle when there is one (the walk itself works)', () => {
    const toy = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']], ['e', ['e']]]);
    expect(cycles(toy)).toEqual([['a', 'b', 'c'], ['e']]);
  });

  it('reads imports: every module but the entry points is imported by another', () => {
    const imported = new Set([...graph.values()].flat());
    const entries = [...graph.keys()].filter((f) => !imported.has(f)).map((f) => relative(src, f));
    expect(entries).toContain('index.ts');
    expect(entries.length).toBeLessThan(graph.size / 4);
  });

  it('tells type-only imports from the others', () => {
    const cli = imports.get(join(src, 'cli', 'command-table.ts'))!;
    expect(cli.map((i) => [relative(src, i.target), i.typeOnly])).toEqual([['cli/common.ts', true], ['cli/context.ts', true]]);
    const dispatch = imports.get(join(src, 'cli', 'dispatch.ts'))!;
    expect(dispatch.filter((i) => !i.typeOnly).map((i) => relative(src, i.target))).toContain('cli/prog.ts');
  });

  it('has no import cycles in src/ (dynamic imports included)', () => {
    expect(named(valueGraph)).toEqual([]);
  });

  it('has no cycles through type-only imports either', () => {
    expect(named(graph)).toEqual([]);
  });
});
