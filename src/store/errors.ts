import { BpfscopeError } from '../errors.js';

/**
 * The state directory cannot be used: a file in it is damaged, or it cannot be
 * written or locked. The message names the file and how to recover.
 */
export class StoreError extends BpfscopeError {}

/** A damaged store file: one line naming it and the commands that repair it. */
export function damaged(file: string, why: string): StoreError {
  return new StoreError(`store file ${file} is damaged (${why}); run 'bpfscope store check' for details or 'bpfscope store reset' to start empty`);
}
