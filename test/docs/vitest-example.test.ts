import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missing, REPO, skipReason } from '../helpers/env.js';

/**
 * The vitest example of docs/library.md, run as its reader would run it: in a project
 * of its own (the example's C file, the packets it reads, bpfscope and vitest installed
 * in node_modules), built with the documented clang command, and tested by a vitest
 * started there. The docs are the test: nothing of it is kept here.
 */
const reason = missing({ clang: true });
skipReason(reason, 'the vitest example of docs/library.md');

function example(): { build: string; test: string } {
  const text = readFileSync(join(REPO, 'docs/library.md'), 'utf8');
  const section = text.slice(text.indexOf('## Testing your own program with vitest'));
  const block = (lang: string) => new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(section)?.[1];
  const build = block('sh');
  const test = block('ts');
  if (!build || !test) throw new Error('docs/library.md: the vitest section lost its sh or ts block');
  return { build, test };
}

describe.skipIf(reason !== undefined)('the vitest example of docs/library.md', () => {
  it('builds with the documented command and passes in a project of its own', () => {
    const { build, test } = example();
    const project = mkdtempSync(join(tmpdir(), 'bpfscope-user-'));
    try {
      copyFileSync(join(REPO, 'docs/examples/xdp_count.c'), join(project, 'xdp_count.c'));
      cpSync(join(REPO, 'test/packets'), join(project, 'test/packets'), { recursive: true });
      writeFileSync(join(project, 'test/xdp_count.test.ts'), test);
      mkdirSync(join(project, 'node_modules'));
      // As `npm install bpfscope vitest` would leave them (bpfscope as built by `npm run build`).
      symlinkSync(REPO, join(project, 'node_modules/bpfscope'));
      symlinkSync(join(REPO, 'node_modules/vitest'), join(project, 'node_modules/vitest'));
      const compiled = spawnSync('sh', ['-c', build], { cwd: project, encoding: 'utf8' });
      expect(compiled.stderr).toBe('');
      expect(compiled.status).toBe(0);
      const run = spawnSync(process.execPath, [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run'], { cwd: project, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '1' } });
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(/Tests +3 passed \(3\)/);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  }, 120_000);
});
