import { spawnSync } from 'node:child_process';
import { UsageError } from '../errors.js';

export const RENDER_FORMATS = ['svg', 'png'] as const;
export type RenderFormat = (typeof RENDER_FORMATS)[number];

/**
 * Renders dot text to a file with Graphviz's own `dot`. The `graphviz` npm package can
 * only render a graph it has parsed and re-serialised itself (through gvpr and eval),
 * which loses bpftool's record labels (`\l` line ends) and renames the graph; so the dot
 * we print goes to `dot` as it is.
 */
export function renderDot(dot: string, format: RenderFormat, file: string): void {
  const r = spawnSync('dot', [`-T${format}`, '-o', file], { input: dot, encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new UsageError("rendering needs Graphviz's dot: install it (apt-get install graphviz)");
  }
  if (r.status !== 0) throw new UsageError(`dot failed to render ${file}: ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}`);
}

export function isRenderFormat(s: string): s is RenderFormat {
  return (RENDER_FORMATS as readonly string[]).includes(s);
}
