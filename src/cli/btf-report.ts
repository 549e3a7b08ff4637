import { JsonWriter } from '../text/json-writer.js';
import type { CliContext } from './context.js';
import { ExitStatus } from './main.js';
import { BTF_USAGE } from './usage.js';

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

/**
 * What `btf` commands print besides their output, the way bpftool 7.1 prints it.
 * bpftool has one JSON writer per run: an error goes into it as `{"error":"..."}`
 * (its text not escaped), usage as `null`, and values that follow one another at the
 * top level are joined by commas; the run ends with a newline even when nothing was
 * written. In plain mode errors go to stderr as `Error: ...` lines, usage after them.
 * Several errors may precede the one that ends the run, so they are written as they
 * come rather than thrown.
 */
export class BtfReporter {
  private readonly values: string[] = [];

  constructor(private readonly ctx: CliContext) {}

  /** bpftool's p_err. */
  error(message: string): void {
    if (!this.ctx.json) {
      this.ctx.err(`Error: ${message}\n`);
      return;
    }
    // bpftool prints the message between quotes as it is: no escaping.
    const w = new JsonWriter(this.ctx.pretty).startObject().name('error').raw(`"${message}"`).endObject();
    this.values.push(w.finish().slice(0, -1));
  }

  /** bpftool's p_info: stderr, and nothing at all in JSON mode. */
  info(message: string): void {
    if (!this.ctx.json) this.ctx.err(`${message}\n`);
  }

  /** A warning from libbpf (which bpftool lets print on stderr in every mode). */
  libbpf(message: string): void {
    this.ctx.err(`libbpf: ${message}\n`);
  }

  /** The `btf` usage, as bpftool's usage() prints it after an argument error. */
  usage(): void {
    if (this.ctx.json) this.values.push('null');
    else this.ctx.err(BTF_USAGE);
  }

  /** A finished JSON value (ending in a newline), after whatever was written before it. */
  jsonOutput(text: string): void {
    this.ctx.out(this.values.length ? `${this.values.join(',')},${text}` : text);
    this.values.length = 0;
  }

  /**
   * Ends the run with bpftool's status, the JSON writer closed as bpftool closes it
   * (with a newline), or, where bpftool returns from main before closing it, not.
   */
  fail(status: number, closeJson = true): never {
    if (this.ctx.json) this.ctx.out(`${this.values.join(',')}${closeJson ? '\n' : ''}`);
    throw new ExitStatus(status);
  }

  /** p_err then fail: the common case. */
  die(message: string, status: number = EXIT.fail): never {
    this.error(message);
    return this.fail(status);
  }

  /** An argument error: the message, then usage, status 255 (bpftool's usage() exits -1). */
  usageError(message: string): never {
    this.error(message);
    this.usage();
    return this.fail(EXIT.fail);
  }
}
