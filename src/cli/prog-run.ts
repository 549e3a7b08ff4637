import { readFileSync, writeFileSync } from 'node:fs';
import { nodeErrorText as strerror } from '../errno.js';
import { NotModelledError, UsageError } from '../errors.js';
import { TestRunError, type LoadedObject, runProgram, type RunOutput, Runtime } from '../vm/index.js';
import { isPrefix, parseProg, requireArgs, strtoulU32, type Words } from './common.js';
import { jsonWriter, type CliContext } from './context.js';
import { fail } from './report.js';

/** bpftool's default room for data_out and ctx_out (SZ_32K). */
const DEFAULT_SIZE_OUT = 32 * 1024;

interface RunArgs {
  dataIn?: string;
  dataOut?: string;
  dataSizeOut?: number;
  ctxIn?: string;
  ctxOut?: string;
  ctxSizeOut?: number;
  repeat: number;
}

const KEYWORDS = ['data_in', 'data_out', 'data_size_out', 'ctx_in', 'ctx_out', 'ctx_size_out', 'repeat'] as const;

/**
 * prog run PROG data_in FILE [data_out FILE [data_size_out L]] [ctx_in FILE [ctx_out FILE
 * [ctx_size_out M]]] [repeat N]: BPF_PROG_TEST_RUN in the VM, printed as bpftool 7.1
 * prints it. The run's map changes stay in the store; trace_printk lines go to stderr.
 * A run that needs what the VM does not model fails with one line naming it, status 255.
 */
export function progRun(ctx: CliContext, words: Words): void {
  requireArgs(ctx, words, 4);
  const program = parseProg(ctx, words);
  const args = parseRunArgs(words);
  const data = args.dataIn === undefined ? undefined : readRunData(args.dataIn);
  const ctxIn = args.ctxIn === undefined ? undefined : readRunData(args.ctxIn);

  let out: RunOutput;
  try {
    const ran = ctx.store.transaction(() => {
      // A persistent store rebuilds its state for the transaction: run its copy of the program.
      const current = ctx.store.program(program.id) ?? program;
      const runtime = runtimeOf(ctx, ctx.store.objectOf(current));
      try {
        return runProgram(runtime, current, {
          ...(data ? { data, dataSizeOut: args.dataSizeOut || DEFAULT_SIZE_OUT } : {}),
          ...(ctxIn ? { ctx: ctxIn, ctxSizeOut: args.ctxSizeOut || DEFAULT_SIZE_OUT } : {}),
          repeat: args.repeat,
        });
      } catch (e) {
        // ENOSPC comes after the program ran: its map changes stay, as the kernel's do.
        if (e instanceof TestRunError && e.code === 'ENOSPC') return e;
        throw e;
      }
    });
    if (ran instanceof TestRunError) throw ran;
    out = ran;
  } catch (e) {
    if (!(e instanceof TestRunError) && !(e instanceof NotModelledError)) throw e;
    const message = e instanceof TestRunError ? `failed to run program: ${e.message}` : `prog run: ${e.message}`;
    // bpftool returns the syscall's -errno from main: the exit status is its low byte.
    fail(ctx, message, e instanceof TestRunError ? e.errno : undefined);
  }
  printRun(ctx, args, out);
}

function parseRunArgs(words: Words): RunArgs {
  const args: RunArgs = { repeat: 1 };
  while (!words.done) {
    const word = words.current!;
    for (const group of [KEYWORDS.slice(0, 3), KEYWORDS.slice(3, 6)]) {
      const matches = group.filter((k) => isPrefix(word, k));
      if (matches.length > 1) throw new UsageError(`ambiguous prefix: '${word}' could be '${matches.join("' or '")}'`);
    }
    const keyword = KEYWORDS.find((k) => words.accept(k));
    if (keyword === undefined) {
      throw new UsageError(`expected no more arguments, 'data_in', 'data_out', 'data_size_out', 'ctx_in', 'ctx_out', 'ctx_size_out' or 'repeat', got: '${word}'?`);
    }
    if (words.done) throw new UsageError(`'${words.previous}' needs at least 1 arguments, 0 found`);
    const value = words.take(keyword);
    switch (keyword) {
      case 'data_in':
      case 'ctx_in':
        if (value === '-' && (keyword === 'data_in' ? args.ctxIn : args.dataIn) === '-') throw new UsageError('cannot use standard input for both data_in and ctx_in');
        args[keyword === 'data_in' ? 'dataIn' : 'ctxIn'] = value;
        break;
      case 'data_out':
        args.dataOut = value;
        break;
      case 'ctx_out':
        args.ctxOut = value;
        break;
      case 'data_size_out':
        args.dataSizeOut = number(value, 'output data size');
        break;
      case 'ctx_size_out':
        args.ctxSizeOut = number(value, 'output context size');
        break;
      case 'repeat':
        args.repeat = number(value, 'repeat number');
        break;
    }
  }
  return args;
}

function number(text: string, what: string): number {
  const n = strtoulU32(text);
  if (n === undefined) throw new UsageError(`can't parse ${text} as ${what}`);
  return n;
}

function readRunData(file: string): Uint8Array {
  try {
    return readFileSync(file === '-' ? 0 : file);
  } catch (e) {
    throw new UsageError(`failed to open ${file}: ${strerror(e)}`);
  }
}

/** One Runtime per loaded object for the invocation, over the store's maps, so that runs see each other's effects. */
const runtimes = new WeakMap<LoadedObject, Runtime>();
let traceSink: ((line: string) => void) | undefined;

function runtimeOf(ctx: CliContext, object: LoadedObject): Runtime {
  traceSink = (line) => {
    ctx.err(line.endsWith('\n') ? line : `${line}\n`);
    ctx.store.appendTrace([line]);
  };
  let runtime = runtimes.get(object);
  if (!runtime) {
    runtime = new Runtime(object, {
      cpus: ctx.store.cpus,
      maps: ctx.store.vmMapsOf(object),
      trace: (line) => traceSink?.(line),
      ...(ctx.budget === undefined ? {} : { budget: ctx.budget }),
    });
    runtimes.set(object, runtime);
  }
  return runtime;
}

function printRun(ctx: CliContext, args: RunArgs, out: RunOutput): void {
  const w = ctx.json ? jsonWriter(ctx).startObject() : undefined;
  const outputs: [Uint8Array | undefined, string | undefined, string][] = [
    [out.dataOut, args.dataOut, 'data_out'],
    [out.ctxOut, args.ctxOut, 'ctx_out'],
  ];
  for (const [bytes, file, key] of outputs) {
    if (!bytes || bytes.length === 0 || file === undefined) continue;
    if (file !== '-') writeRunOutput(ctx, file, bytes);
    else if (w) {
      w.name(key).startArray();
      for (const b of bytes) w.raw(String(b));
      w.endArray();
    } else ctx.out(hexPrint(bytes));
  }
  if (w) {
    w.numberField('retval', out.retval).numberField('duration', out.durationNs).endObject();
    ctx.out(w.finish());
  } else {
    ctx.out(`Return value: ${out.retval}, duration${args.repeat > 1 ? ' (average)' : ''}: ${out.durationNs}ns\n`);
  }
}

function writeRunOutput(ctx: CliContext, file: string, bytes: Uint8Array): void {
  try {
    writeFileSync(file, bytes);
  } catch (e) {
    // bpftool reports it and still prints the run's result.
    ctx.err(`Error: failed to open ${file}: ${strerror(e)}\n`);
  }
}

/** bpftool's hex_print: offset, 16 bytes in pairs, and the printable characters. */
export function hexPrint(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 16) {
    out += `${i.toString(16).padStart(7, '0')}\t`;
    for (let j = i; j < i + 16; j++) {
      const sep = j % 2 ? ' ' : '';
      out += j < bytes.length ? `${bytes[j]!.toString(16).padStart(2, '0')}${sep}` : `  ${sep}`;
    }
    out += '| ';
    for (let j = i; j < i + 16 && j < bytes.length; j++) {
      const c = bytes[j]!;
      out += `${c < 0x20 || c > 0x7e ? '.' : String.fromCharCode(c)}${j === i + 7 ? ' ' : ''}`;
    }
    out += '\n';
  }
  return out;
}
