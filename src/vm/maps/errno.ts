import { ObjectError } from '../../errors.js';

/**
 * The errno values map operations end in. Operations return them negated, as the
 * kernel's map ops do (`-ENOENT`), so a result is `0`, a negative errno, or data.
 */
export const EPERM = 1;
export const ENOENT = 2;
export const E2BIG = 7;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ERANGE = 34;
export const EOVERFLOW = 75;
export const EOPNOTSUPP = 95;
/** The kernel-internal ENOTSUPP (not EOPNOTSUPP): user space sees "Unknown error 524". */
export const ENOTSUPP = 524;

/** glibc's strerror text for each, as bpftool prints it after "update failed: ". */
const TEXT: ReadonlyMap<number, string> = new Map([
  [EPERM, 'Operation not permitted'],
  [ENOENT, 'No such file or directory'],
  [E2BIG, 'Argument list too long'],
  [EBADF, 'Bad file descriptor'],
  [EAGAIN, 'Resource temporarily unavailable'],
  [ENOMEM, 'Cannot allocate memory'],
  [EACCES, 'Permission denied'],
  [EFAULT, 'Bad address'],
  [EBUSY, 'Device or resource busy'],
  [EEXIST, 'File exists'],
  [ENODEV, 'No such device'],
  [EINVAL, 'Invalid argument'],
  [ENOSPC, 'No space left on device'],
  [ERANGE, 'Numerical result out of range'],
  [EOVERFLOW, 'Value too large for defined data type'],
  [EOPNOTSUPP, 'Operation not supported'],
]);

/** strerror(errno) for a positive or negative errno. */
export function strerror(errno: number): string {
  const e = Math.abs(errno);
  return TEXT.get(e) ?? `Unknown error ${e}`;
}

/** The errno whose strerror text this is, if it is one of the above. */
export function errnoOfText(text: string): number | undefined {
  for (const [e, t] of TEXT) if (t === text) return e;
  const m = /^Unknown error (\d+)$/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The kernel refused to create a map: `errno` is what BPF_MAP_CREATE returned (negative). */
export class MapCreateError extends ObjectError {
  readonly errno: number;

  /** `what` leads the message: `map create failed` for BPF_MAP_CREATE, libbpf's `map 'NAME': failed to create` for an object's map. */
  constructor(errno: number, why: string, what = 'map create failed') {
    super(`${what}: ${strerror(errno)} (${why})`);
    this.errno = errno;
  }
}
