import { posix } from 'node:path';

/** What a pin in the virtual bpffs names. */
export interface PinTarget {
  kind: 'prog' | 'map';
  id: number;
}

/**
 * A pin's path as the kernel resolves it: absolute (relative to the working directory
 * otherwise), `.` and `..` folded, no trailing slash. `/sys/fs/bpf/...` paths are names
 * here: nothing is mounted or created on the host.
 */
export function normalizePinPath(path: string): string {
  const abs = posix.resolve(process.cwd(), path);
  return abs.length > 1 && abs.endsWith('/') ? abs.slice(0, -1) : abs;
}
