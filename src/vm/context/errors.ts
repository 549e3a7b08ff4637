import { E2BIG, EFAULT, EINVAL, ENODEV, ENOSPC, ENOTSUPP, strerror } from '../../errno.js';
import { BpfscopeError } from '../../errors.js';

/** The errnos BPF_PROG_TEST_RUN answers with. */
const TEST_RUN_ERRNO = { EFAULT, ENODEV, EINVAL, ENOSPC, E2BIG, ENOTSUPP } as const;

export type TestRunErrno = keyof typeof TEST_RUN_ERRNO;

/**
 * BPF_PROG_TEST_RUN refused the run (or, for ENOSPC, ran it but the output did not fit).
 * The message is strerror's text, as bpftool prints it after `failed to run program: `;
 * `detail` says which of the kernel's checks failed.
 */
export class TestRunError extends BpfscopeError {
  declare readonly code: TestRunErrno;
  declare readonly errno: number;

  constructor(
    code: TestRunErrno,
    readonly detail: string,
  ) {
    super(strerror(TEST_RUN_ERRNO[code]), {}, TEST_RUN_ERRNO[code]);
  }
}

export function refuse(code: TestRunErrno, detail: string): never {
  throw new TestRunError(code, detail);
}
