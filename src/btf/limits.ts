import { BtfError } from '../errors.js';

/**
 * How deep the recursive walks over the type graph may go (nested anonymous members,
 * declarator chains, dependency ordering). Real BTF, vmlinux included, needs a few
 * dozen levels; a reference loop reaches this quickly, and long before JavaScript's
 * own stack would overflow.
 */
export const MAX_NESTING = 2000;

/**
 * Runs a recursive walk, turning a stack overflow into a BtfError: a last line of
 * defence so that no input, however deep, makes a RangeError escape.
 */
export function walk<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RangeError) throw new BtfError(`${what}: types nested too deeply to walk`);
    throw e;
  }
}
