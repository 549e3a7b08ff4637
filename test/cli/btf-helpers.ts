import { spawnSync } from 'node:child_process';
import { BIN, REPO } from '../helpers/env.js';

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** Large enough for vmlinux's JSON dump (tens of megabytes). */
const MAX_BUFFER = 512 << 20;

/** The real bin/bpfscope, spawned as a user runs it, with room for vmlinux-sized output. */
export function bpfscopeBig(args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, encoding: 'utf8', maxBuffer: MAX_BUFFER, env: { ...process.env, TZ: 'UTC' } });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The real bpftool. */
export function bpftool(args: string[]): Run {
  const r = spawnSync('bpftool', args, { cwd: REPO, encoding: 'utf8', maxBuffer: MAX_BUFFER });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Where two long texts first differ, as a short readable note (line number and both
 * lines), or undefined when they are equal: vitest's diff of two 12 MB strings is of
 * no use to anyone.
 */
export function firstDifference(ours: string, theirs: string): string | undefined {
  if (ours === theirs) return undefined;
  const a = ours.split('\n');
  const b = theirs.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}:\n  ours:    ${JSON.stringify(a[i])}\n  bpftool: ${JSON.stringify(b[i])}\n(${a.length} vs ${b.length} lines)`;
  }
  return 'texts differ only in their line endings';
}
