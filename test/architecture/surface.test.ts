import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles, src } from './sources.js';

// docs/architecture.md: each layer's index.ts is its public surface. A file of another
// layer (or src/index.ts) imports from that index and nothing deeper; a lazy import()
// may name a module the index re-exports, so that the CLI bundle keeps it in its own chunk.

const LAYERS = readdirSync(src).filter((name) => statSync(join(src, name)).isDirectory());

/** The layer folder a path under src/ lies in, or undefined for src/'s own files. */
function layerOf(path: string): string | undefined {
  const parts = relative(src, path).split('/');
  return parts.length > 1 ? parts[0] : undefined;
}

interface Import {
  spec: string;
  target: string;
  lazy: boolean;
}

/** Every relative import of a file: static imports and re-exports (type-only too), and lazy import()s. */
function importsOf(file: string, text: string): Import[] {
  const at = (spec: string, lazy: boolean): Import => ({ spec, target: resolve(dirname(file), spec.replace(/\.js$/, '.ts')), lazy });
  return [
    ...[...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*'(\.{1,2}\/[^']+)'/gms)].map((m) => at(m[1]!, false)),
    ...[...text.matchAll(/\bimport\s*\(\s*'(\.{1,2}\/[^']+)'/g)].map((m) => at(m[1]!, true)),
  ];
}

/** The modules a layer's index re-exports from, as paths. */
function surfaceModules(layer: string): Set<string> {
  const index = join(src, layer, 'index.ts');
  if (!existsSync(index)) return new Set();
  const text = readFileSync(index, 'utf8');
  return new Set([...text.matchAll(/^export\b[^;]*?\bfrom\s*'(\.{1,2}\/[^']+)'/gms)].map((m) => resolve(dirname(index), m[1]!.replace(/\.js$/, '.ts'))));
}

/** Each import of `file` (whose text is `text`) that reaches into another layer past its index. */
function violations(file: string, text: string, surface: (layer: string) => Set<string>): string[] {
  const from = layerOf(file);
  const found: string[] = [];
  for (const { spec, target, lazy } of importsOf(file, text)) {
    const to = layerOf(target);
    if (to === undefined || to === from) continue;
    if (target === join(src, to, 'index.ts')) continue;
    if (lazy && surface(to).has(target)) continue;
    found.push(`${relative(src, file)} imports ${spec}${lazy ? ' (lazily, but the index does not export it)' : ''}`);
  }
  return found;
}

describe('layer surfaces', () => {
  const surfaces = new Map(LAYERS.map((l) => [l, surfaceModules(l)]));
  const surface = (layer: string) => surfaces.get(layer) ?? new Set<string>();

  it('every layer folder has an index.ts', () => {
    expect(LAYERS.filter((l) => !existsSync(join(src, l, 'index.ts')))).toEqual([]);
    expect(LAYERS).toEqual(expect.arrayContaining(['elf', 'btf', 'isa', 'object', 'vm', 'store', 'render', 'cli', 'text']));
  });

  it('catches a deep import across layers, and only that (the check itself works)', () => {
    const file = join(src, 'vm', 'maps', 'toy.ts');
    const text = [
      "import { a } from '../../isa/opcodes.js';",
      "import type { B } from '../../isa/index.js';",
      "import { c } from '../engine/machine.js';",
      "import { d } from '../../errors.js';",
      "export { e } from '../../object/kinds.js';",
      "const f = await import('../../store/session-store.js');",
      "const g = await import('../../store/lock.js');",
    ].join('\n');
    const store = new Set([join(src, 'store', 'session-store.ts')]);
    expect(violations(file, text, (l) => (l === 'store' ? store : new Set()))).toEqual([
      'vm/maps/toy.ts imports ../../isa/opcodes.js',
      'vm/maps/toy.ts imports ../../object/kinds.js',
      'vm/maps/toy.ts imports ../../store/lock.js (lazily, but the index does not export it)',
    ]);
  });

  it('reads the indexes: each re-exports modules of its own layer', () => {
    for (const layer of LAYERS) {
      const modules = [...surface(layer)];
      expect(modules.length, layer).toBeGreaterThan(0);
      expect(modules.filter((m) => layerOf(m) !== layer || !existsSync(m)), layer).toEqual([]);
    }
  });

  it('no file imports another layer other than through its index.ts', () => {
    const found = sourceFiles(src).flatMap((f) => violations(f, readFileSync(f, 'utf8'), surface));
    expect(found).toEqual([]);
  });
});
