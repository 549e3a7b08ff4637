import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/env.js';

/**
 * Every example in README.md and docs/ runs here: `console` blocks (`$ bpfscope ...`
 * followed by its output), `sh` blocks with bpfscope commands (must succeed), and `js`
 * blocks followed by a `text` block with what they print.
 */
interface Example {
  file: string;
  kind: 'console' | 'sh' | 'js';
  code: string;
  expected?: string;
}

function examples(file: string): Example[] {
  const text = readFileSync(join(REPO, file), 'utf8');
  const blocks = [...text.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, body: m[2]! }));
  const out: Example[] = [];
  blocks.forEach((b, i) => {
    if (b.lang === 'console' || (b.lang === 'sh' && /bpfscope/.test(b.body))) out.push({ file, kind: b.lang, code: b.body });
    if (b.lang === 'js') out.push({ file, kind: 'js', code: b.body, ...(blocks[i + 1]?.lang === 'text' ? { expected: blocks[i + 1]!.body } : {}) });
  });
  return out;
}

/** What differs between two runs of the same command: load times, and who ran it. */
function normalise(s: string): string {
  return s
    .replace(/loaded_at \S+ {2}uid \d+/g, 'loaded_at TIME  uid UID')
    .replace(/"loaded_at":( ?)\d+,("uid":|\n\s*"uid": )\d+/g, '"loaded_at":$1TIME,$2UID');
}

function run(command: string): { status: number; output: string } {
  const shell = command.replace(/^(\.\/bin\/)?bpfscope\b/, `"${process.execPath}" bin/bpfscope`);
  const r = spawnSync('sh', ['-c', shell], { cwd: REPO, encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  return { status: r.status ?? -1, output: r.stdout + r.stderr };
}

const all = ['README.md', ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)].flatMap(examples);
const files = [...new Set(all.map((e) => e.file))];
const scratch = join(REPO, 'test', '.tmp');

describe.each(files)('examples in %s', (file) => {
  const mine = all.filter((e) => e.file === file);

  it.each(mine.filter((e) => e.kind === 'console').flatMap((e) => e.code.split(/^\$ /m).filter(Boolean)).map((c) => [c.split('\n')[0]!, c] as const))(
    '$ %s',
    (_cmd, chunk) => {
      const [command, ...rest] = chunk.split('\n');
      const r = run(command!);
      expect(normalise(r.output)).toBe(normalise(rest.join('\n')));
    },
  );

  it.each(mine.filter((e) => e.kind === 'sh').flatMap((e) => e.code.split('\n').filter((l) => /bpfscope/.test(l))).map((l) => [l] as const))('%s succeeds', (line) => {
    const r = run(line);
    expect(r.status, r.output).toBe(0);
  });

  it.each(mine.filter((e) => e.kind === 'js').map((e, i) => [i, e] as const))('js example %i prints what the docs say', (i, e) => {
    mkdirSync(scratch, { recursive: true });
    const path = join(scratch, `${file.replace(/\W/g, '_')}-${i}.mjs`);
    writeFileSync(path, e.code);
    const r = spawnSync(process.execPath, [path], { cwd: REPO, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    if (e.expected !== undefined) expect(r.stdout).toBe(e.expected);
  });
});
