import type { Words } from './common.js';
import type { CliContext } from './context.js';

/** One object's commands (`prog`'s show, dump, …), as bpftool's `struct cmd` tables. */
export interface CommandTable {
  usage: string;
  /** In bpftool's order, which decides what a prefix picks; the first is what the object alone runs. */
  commands: { name: string; run: (ctx: CliContext, words: Words) => void | Promise<void> }[];
  /** For an object that is itself a command (`asm FILE`): takes every word after the object. */
  direct?: (ctx: CliContext, words: Words) => void | Promise<void>;
  /**
   * Whether the command these words (after the object) name works without the store
   * (`btf dump file`, `asm`): then neither the store nor the loader and VM it brings is
   * loaded, which is most of a short command's start-up.
   */
  storeless?: (words: Words) => boolean;
}
