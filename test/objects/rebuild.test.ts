import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { missing, REPO, skipReason } from '../helpers/env.js';

const reason = missing({ clang: true }) ?? (existsSync('/usr/include/bpf/bpf_helpers.h') ? undefined : 'libbpf-dev headers are missing (apt-get install libbpf-dev)');

describe('objects/', () => {
  it.skipIf(skipReason(reason, 'the rebuild check'))('rebuilds byte for byte from the C sources (npm run objects)', () => {
    const r = spawnSync('bash', ['scripts/build-objects.sh', '--check'], { cwd: REPO, encoding: 'utf8' });
    expect(r.stderr + r.stdout).not.toMatch(/differ/);
    expect(r.status).toBe(0);
  });
});
