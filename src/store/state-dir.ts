import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where the store lives: `--state DIR`, else $BPFSCOPE_STATE, else
 * $XDG_STATE_HOME/bpfscope, else ~/.local/state/bpfscope (the XDG default).
 */
export function stateDirectory(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (option) return resolve(option);
  if (env['BPFSCOPE_STATE']) return resolve(env['BPFSCOPE_STATE']);
  const xdg = env['XDG_STATE_HOME'];
  // The XDG spec says a relative $XDG_STATE_HOME is invalid and must be ignored.
  const base = xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.local', 'state');
  return join(base, 'bpfscope');
}

/** The files of a state directory. */
export interface StorePaths {
  dir: string;
  /** Everything but object bytes and the trace log, replaced atomically. */
  state: string;
  lock: string;
  /** Object files as loaded, named by content hash, written once. */
  objects: string;
  /** trace_printk lines not yet read, replaced atomically. */
  trace: string;
}

export function storePaths(dir: string): StorePaths {
  return { dir, state: join(dir, 'state.json'), lock: join(dir, 'lock'), objects: join(dir, 'objects'), trace: join(dir, 'trace.log') };
}
