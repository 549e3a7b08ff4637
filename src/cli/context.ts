import type { Btf } from '../btf/index.js';
import { JsonWriter } from '../text/index.js';
import type { SessionStore } from '../store/index.js';
import type { LoadTargetOptions } from '../object/index.js';

/** What every command gets: the output mode, the loaded state, and where to write. */
export interface CliContext {
  json: boolean;
  pretty: boolean;
  /** `--table`: tables for people instead of bpftool's plain text. */
  table: boolean;
  /** `--budget N`: instructions one program run may execute (the VM's default, 1,000,000, unless given). */
  budget?: number;
  /** The loaded state; open once openStore() has been awaited (main does so unless the command needs none). */
  readonly store: SessionStore;
  openStore: () => Promise<void>;
  /** Runs one more command line in the context given (a batch file's line): the dispatcher, handed in so that no command imports it. */
  runCommand: (ctx: CliContext, words: readonly string[]) => Promise<void>;
  out: (text: string) => void;
  /** Bytes for stdout as they are: what a dump built as bytes is printed with. */
  outBytes: (bytes: Uint8Array) => void;
  err: (text: string) => void;
  /** Set by `--render FORMAT FILE`: where dot output goes instead of stdout. */
  render?: (dot: string) => void;
  /** Set by `-B/--base-btf FILE`: the base that split BTF read by `btf` commands extends. */
  baseBtf?: Btf;
  /** `--btf-target FILE`, `--kconfig FILE`: the kernel objects are finished for. */
  target: LoadTargetOptions;
}

/** A JSON writer in the invocation's mode; the caller writes `finish()` when done. */
export function jsonWriter(ctx: CliContext): JsonWriter {
  return new JsonWriter(ctx.pretty);
}

/** What a successful command that prints nothing prints with -j. */
export function jsonNull(ctx: CliContext): void {
  if (ctx.json) ctx.out(jsonWriter(ctx).null().finish());
}

/**
 * Prints Graphviz dot, or renders it to a file when `--render FORMAT FILE` was given.
 * bpftool prints dot as it is even with `-j`, and so do we.
 */
export function emitDot(ctx: CliContext, dot: string): void {
  if (ctx.render) ctx.render(dot);
  else ctx.out(dot);
}
