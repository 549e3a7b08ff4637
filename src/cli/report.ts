import { BpfscopeError } from '../errors.js';
import { JsonWriter } from '../text/index.js';
export { strerror as errnoText } from '../errno.js';
import type { CliContext } from './context.js';

/**
 * Thrown by a command that has printed its own error output (bpftool's p_err lines, or
 * nothing at all where bpftool prints nothing) to end the run with this exit status.
 */
export class ExitStatus extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
  }
}

/** bpftool's exit status for `return -errno`: the low byte of the negative number. */
export const EXIT = {
  /** -1: bad arguments, nothing found. */
  fail: 255,
  /** -ENOENT */
  noent: 254,
  /** -EIO */
  io: 251,
  /** -EINVAL */
  inval: 234,
  /** -ENOTSUP */
  notsup: 161,
  /** -ELOOP: libbpf's C dumper met a cycle it cannot break. */
  loop: 216,
  /** -LIBBPF_ERRNO__FORMAT (-4001): not an ELF file libbpf can read. */
  format: 95,
} as const;

/** The exit status bpftool's `return err` gives for -errno (or -1 when there is none). */
export function exitFor(errno?: number): number {
  return errno ? (256 - Math.abs(errno)) & 0xff : EXIT.fail;
}

/** Where a reporter writes: the output mode and the two streams. */
export type ReportSink = Pick<CliContext, 'json' | 'pretty' | 'out' | 'err'>;

/**
 * What a command prints besides its output, the way bpftool 7.1 prints it. bpftool has
 * one JSON writer per run: an error goes into it as `{"error":"..."}` (its text not
 * escaped), usage as `null`, values that follow one another at the top level are joined
 * by commas, and the run ends with a newline even when nothing was written (so a handle
 * that names nothing prints an empty line with -j, and nothing without). In plain mode
 * errors go to stderr as `Error: ...` lines. Several errors may precede the one that
 * ends the run, so they are kept until the run ends rather than thrown.
 */
export class Reporter {
  private readonly values: string[] = [];

  constructor(private readonly sink: ReportSink) {}

  /** bpftool's p_err. */
  error(message: string): void {
    if (!this.sink.json) {
      this.sink.err(`Error: ${message}\n`);
      return;
    }
    // bpftool prints the message between quotes as it is: no escaping.
    const w = new JsonWriter(this.sink.pretty).startObject().name('error').raw(`"${message}"`).endObject();
    this.values.push(w.finish().slice(0, -1));
  }

  /** bpftool's p_info: stderr, and nothing at all in JSON mode. */
  info(message: string): void {
    if (!this.sink.json) this.sink.err(`${message}\n`);
  }

  /** A warning from libbpf (which bpftool lets print on stderr in every mode). */
  libbpf(message: string): void {
    this.sink.err(`libbpf: ${message}\n`);
  }

  /** A usage text, as bpftool's usage() prints it after an argument error: `null` in JSON. */
  usage(text: string): void {
    if (this.sink.json) this.values.push('null');
    else this.sink.err(text);
  }

  /** A finished JSON value (ending in a newline), after whatever was written before it. */
  jsonOutput(text: string): void {
    this.sink.out(this.values.length ? `${this.values.join(',')},${text}` : text);
    this.values.length = 0;
  }

  /**
   * Ends the run with bpftool's status, the JSON writer closed as bpftool closes it
   * (with a newline), or, where bpftool returns from main before closing it, not.
   */
  fail(status: number = EXIT.fail, closeJson = true): never {
    this.close(closeJson);
    throw new ExitStatus(status);
  }

  /** What bpftool's main does with its JSON writer at the end: writes what it holds, then a newline. */
  close(closeJson = true): void {
    if (this.sink.json) this.sink.out(`${this.values.join(',')}${closeJson ? '\n' : ''}`);
    this.values.length = 0;
  }

  /** p_err then the end of the run: the common case. */
  die(message: string, status: number = EXIT.fail): never {
    this.error(message);
    return this.fail(status);
  }

  /** An argument error: the message, then the usage, status 255 (bpftool's usage() exits -1). */
  usageError(message: string, usage: string): never {
    this.error(message);
    this.usage(usage);
    return this.fail(EXIT.fail);
  }
}

/** p_err and bpftool's exit status for a failed syscall's -errno (254 for ENOENT), -1 (255) without one. */
export function fail(sink: ReportSink, message: string, errno?: number): never {
  return new Reporter(sink).die(message, exitFor(errno));
}

/** bpftool's usage(): the usage on stderr (`null` with -j), status 255. */
export function usageExit(sink: ReportSink, usage: string): never {
  const r = new Reporter(sink);
  r.usage(usage);
  return r.fail();
}

/**
 * What reaches the top of a run uncaught: bpfscope's own errors print as p_err does;
 * anything else is a bug, named as one (with its stack under BPFSCOPE_DEBUG).
 */
export function reportError(sink: ReportSink, e: unknown): number {
  if (e instanceof ExitStatus) return e.status;
  const message = e instanceof BpfscopeError ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
  const r = new Reporter(sink);
  r.error(message);
  if (!(e instanceof BpfscopeError) && process.env['BPFSCOPE_DEBUG']) sink.err(`${(e as Error)?.stack ?? ''}\n`);
  r.close();
  return EXIT.fail;
}
