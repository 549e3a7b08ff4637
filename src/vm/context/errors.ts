import { BpfscopeError } from '../../errors.js';

/** The errnos BPF_PROG_TEST_RUN answers with, and strerror's text for each (glibc). */
export const TEST_RUN_ERRNO = {
  EFAULT: { errno: 14, text: 'Bad address' },
  ENODEV: { errno: 19, text: 'No such device' },
  EINVAL: { errno: 22, text: 'Invalid argument' },
  ENOSPC: { errno: 28, text: 'No space left on device' },
  E2BIG: { errno: 7, text: 'Argument list too long' },
  ENOTSUPP: { errno: 524, text: 'Unknown error 524' },
} as const;

export type TestRunErrno = keyof typeof TEST_RUN_ERRNO;

/**
 * BPF_PROG_TEST_RUN refused the run (or, for ENOSPC, ran it but the output did not fit).
 * The message is strerror's text, as bpftool prints it after `failed to run program: `;
 * `detail` says which of the kernel's checks failed.
 */
export class TestRunError extends BpfscopeError {
  readonly errno: number;

  constructor(
    readonly code: TestRunErrno,
    readonly detail: string,
  ) {
    super(TEST_RUN_ERRNO[code].text);
    this.errno = TEST_RUN_ERRNO[code].errno;
  }
}

export function refuse(code: TestRunErrno, detail: string): never {
  throw new TestRunError(code, detail);
}
