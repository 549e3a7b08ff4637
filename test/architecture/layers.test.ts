import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles, src } from './sources.js';

// docs/architecture.md: each layer may import only layers at its own rank or below;
// render sits beside cli, reading loaded state from store.
const RANK: Record<string, number> = {
  text: 0,
  'errors.js': 0,
  'errno.js': 0,
  elf: 1,
  btf: 2,
  isa: 3,
  object: 4,
  vm: 5,
  store: 6,
  render: 7,
  cli: 7,
  'index.js': 8,
};

function layerOf(path: string): string {
  const first = relative(src, path).split('/')[0]!;
  return first.replace(/\.ts$/, '.js');
}

describe('layers', () => {
  const files = sourceFiles(src);

  it('every source file belongs to a known layer', () => {
    const unknown = files.filter((f) => RANK[layerOf(f)] === undefined).map((f) => relative(src, f));
    expect(unknown).toEqual([]);
  });

  it('no layer imports a higher one (cli and render never import each other upward of store)', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
        const target = layerOf(resolve(dirname(file), m[1]!));
        if (RANK[target]! > RANK[from]! || (from === 'render' && target === 'cli')) {
          violations.push(`${relative(src, file)} imports ${m[1]}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
