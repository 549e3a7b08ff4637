/**
 * The errno values bpfscope's kernel, loader and store end in: Linux's numbers, their
 * names, and glibc's strerror text, which bpftool and libbpf print after a failed call
 * ("update failed: File exists"). A shared leaf below every layer, as errors.ts is.
 * Map operations and helpers return them negated, as the kernel's do (`-ENOENT`).
 */
export const
  EPERM = 1,
  ENOENT = 2,
  ESRCH = 3,
  EIO = 5,
  ENXIO = 6,
  E2BIG = 7,
  EBADF = 9,
  EAGAIN = 11,
  ENOMEM = 12,
  EACCES = 13,
  EFAULT = 14,
  EBUSY = 16,
  EEXIST = 17,
  ENODEV = 19,
  ENOTDIR = 20,
  EISDIR = 21,
  EINVAL = 22,
  EMFILE = 24,
  EFBIG = 27,
  ENOSPC = 28,
  ERANGE = 34,
  ENAMETOOLONG = 36,
  ELOOP = 40,
  EOVERFLOW = 75,
  EOPNOTSUPP = 95,
  /** The kernel-internal ENOTSUPP (not EOPNOTSUPP): glibc has no text for it, so user space sees "Unknown error 524". */
  ENOTSUPP = 524;

export interface ErrnoRow {
  readonly errno: number;
  readonly name: string;
  /** glibc's strerror text; absent where glibc has none (it prints `Unknown error N`). */
  readonly text?: string;
}

const ROWS: readonly ErrnoRow[] = [
  { errno: EPERM, name: 'EPERM', text: 'Operation not permitted' },
  { errno: ENOENT, name: 'ENOENT', text: 'No such file or directory' },
  { errno: ESRCH, name: 'ESRCH', text: 'No such process' },
  { errno: EIO, name: 'EIO', text: 'Input/output error' },
  { errno: ENXIO, name: 'ENXIO', text: 'No such device or address' },
  { errno: E2BIG, name: 'E2BIG', text: 'Argument list too long' },
  { errno: EBADF, name: 'EBADF', text: 'Bad file descriptor' },
  { errno: EAGAIN, name: 'EAGAIN', text: 'Resource temporarily unavailable' },
  { errno: ENOMEM, name: 'ENOMEM', text: 'Cannot allocate memory' },
  { errno: EACCES, name: 'EACCES', text: 'Permission denied' },
  { errno: EFAULT, name: 'EFAULT', text: 'Bad address' },
  { errno: EBUSY, name: 'EBUSY', text: 'Device or resource busy' },
  { errno: EEXIST, name: 'EEXIST', text: 'File exists' },
  { errno: ENODEV, name: 'ENODEV', text: 'No such device' },
  { errno: ENOTDIR, name: 'ENOTDIR', text: 'Not a directory' },
  { errno: EISDIR, name: 'EISDIR', text: 'Is a directory' },
  { errno: EINVAL, name: 'EINVAL', text: 'Invalid argument' },
  { errno: EMFILE, name: 'EMFILE', text: 'Too many open files' },
  { errno: EFBIG, name: 'EFBIG', text: 'File too large' },
  { errno: ENOSPC, name: 'ENOSPC', text: 'No space left on device' },
  { errno: ERANGE, name: 'ERANGE', text: 'Numerical result out of range' },
  { errno: ENAMETOOLONG, name: 'ENAMETOOLONG', text: 'File name too long' },
  { errno: ELOOP, name: 'ELOOP', text: 'Too many levels of symbolic links' },
  { errno: EOVERFLOW, name: 'EOVERFLOW', text: 'Value too large for defined data type' },
  { errno: EOPNOTSUPP, name: 'EOPNOTSUPP', text: 'Operation not supported' },
  { errno: ENOTSUPP, name: 'ENOTSUPP' },
];

const BY_NUMBER: ReadonlyMap<number, ErrnoRow> = new Map(ROWS.map((r) => [r.errno, r]));
const BY_NAME: ReadonlyMap<string, ErrnoRow> = new Map(ROWS.map((r) => [r.name, r]));

/** Every row, in number order. */
export function errnoRows(): readonly ErrnoRow[] {
  return ROWS;
}

/** strerror(errno) as glibc gives it, for a positive or negative errno. */
export function strerror(errno: number): string {
  const e = Math.abs(errno);
  return BY_NUMBER.get(e)?.text ?? `Unknown error ${e}`;
}

/** The name of a positive or negative errno (`EINVAL`), if it is one of the table's. */
export function errnoName(errno: number): string | undefined {
  return BY_NUMBER.get(Math.abs(errno))?.name;
}

/** The number of an errno name (`ENOENT`, as Node's `code` gives it), if it is one of the table's. */
export function errnoOfName(name: string): number | undefined {
  return BY_NAME.get(name)?.errno;
}

/** The errno whose strerror text this is (`Unknown error N` gives N). */
export function errnoOfText(text: string): number | undefined {
  for (const r of ROWS) if (r.text === text) return r.errno;
  const m = /^Unknown error (\d+)$/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** strerror's text for a failed Node file call (its `code`), else the error's own message. */
export function nodeErrorText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const errno = code === undefined ? undefined : errnoOfName(code);
  return errno === undefined ? (e as Error).message : strerror(errno);
}
