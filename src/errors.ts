import { errnoName } from './errno.js';

/**
 * Every error bpfscope raises on bad input is a BpfscopeError: it carries where it
 * happened (file, section, program, instruction) so the CLI can print one line that
 * names the place, and a library user can inspect the fields.
 */
export interface ErrorContext {
  file?: string;
  section?: string;
  program?: string;
  /** Instruction index (in 8-byte slots) within the program or section. */
  pc?: number;
}

export class BpfscopeError extends Error {
  readonly context: ErrorContext;
  readonly reason: string;
  /** The errno a kernel or libbpf call would have failed with (positive), where the error is one. */
  readonly errno: number | undefined;
  /** That errno's name (`EINVAL`), as Node's system errors carry it. */
  readonly code: string | undefined;

  constructor(reason: string, context: ErrorContext = {}, errno?: number) {
    super(formatMessage(reason, context));
    this.name = new.target.name;
    this.reason = reason;
    this.context = { ...context };
    this.errno = errno === undefined ? undefined : Math.abs(errno);
    this.code = errno === undefined ? undefined : errnoName(errno);
  }

  /** The same error with outer context filled in where this one has none. */
  within(outer: ErrorContext): this {
    const merged: ErrorContext = { ...outer, ...this.context };
    const copy = Object.create(Object.getPrototypeOf(this) as object) as this;
    Object.assign(copy, this, { context: merged, message: formatMessage(this.reason, merged) });
    return copy;
  }
}

function formatMessage(reason: string, c: ErrorContext): string {
  const parts: string[] = [];
  if (c.file !== undefined) parts.push(c.file);
  if (c.section !== undefined) parts.push(`section ${c.section}`);
  if (c.program !== undefined) parts.push(`program ${c.program}`);
  if (c.pc !== undefined) parts.push(`insn ${c.pc}`);
  parts.push(reason);
  return parts.join(': ');
}

/** The bytes are not a well-formed ELF file, or not one for BPF. */
export class ElfError extends BpfscopeError {}
/** BTF or BTF.ext that cannot be parsed. */
export class BtfError extends BpfscopeError {}
/** An instruction that cannot be decoded or encoded. */
export class InsnError extends BpfscopeError {}
/** A relocation that cannot be applied. */
export class RelocationError extends BpfscopeError {}
/** An extern (kconfig, ksym, kfunc) that cannot be resolved against the load target. */
export class ExternError extends RelocationError {}
/** A program or map that the loader cannot make sense of. */
export class ObjectError extends BpfscopeError {}
/** The verifier refused a program. */
export class VerifierError extends BpfscopeError {}
/** A program stopped at run time (bad access, budget exceeded, ...). */
export class VmFault extends BpfscopeError {}
/** A packet or context a builder cannot make: a bad address, a value out of its field's range, layers in an order no wire carries. */
export class BuilderError extends BpfscopeError {}
/** The command line asked for something that does not exist or is malformed. */
export class UsageError extends BpfscopeError {}
/**
 * Something the kernel would do that bpfscope's VM does not model: a helper, kfunc,
 * map type or program type a run would need. Loading and inspection never raise it;
 * running (`prog run`, `program(name).run()`) does, before anything runs. `subject`
 * names what is missing (`helper bpf_get_current_task#35`, `stack_trace map stacks`).
 */
export class NotModelledError extends BpfscopeError {
  constructor(
    readonly subject: string,
    context: ErrorContext = {},
    reason = `${subject} is not modelled by bpfscope's VM`,
  ) {
    super(reason, context);
  }
}
