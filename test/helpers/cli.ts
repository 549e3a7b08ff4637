import { spawnSync } from 'node:child_process';
import { BIN, REPO } from './env.js';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the real bin/bpfscope, as a user would. */
export function bpfscope(args: string[], options: { cwd?: string; input?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    encoding: 'utf8',
    input: options.input ?? '',
    env: { ...process.env, TZ: 'UTC' },
    timeout: 60_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
