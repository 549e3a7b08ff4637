import type { Registers, Vm } from '../vm.js';
import type { AddressSpace } from '../memory/address-space.js';
import type { MapMemory } from '../runtime/map-memory.js';
import type { RecordMemory } from '../runtime/records.js';

/** The task a tracing program runs in the context of (bpf_get_current_*). */
export interface TaskInfo {
  /** The thread id (the kernel's task->pid). */
  pid: number;
  /** The process id (task->tgid). */
  tgid: number;
  uid: number;
  gid: number;
  /** At most 15 characters are kept, as the kernel's TASK_COMM_LEN of 16 allows. */
  comm: string;
}

/** What helpers reach of the kernel they run in: the runtime implements it. */
export interface HelperEnv {
  readonly memory: AddressSpace;
  readonly mapMemory: MapMemory;
  readonly records: RecordMemory;
  /** The CPU programs run on, and how many there are. */
  readonly cpu: number;
  readonly cpus: number;
  /** The object's byte order, which keys such as array indexes are in. */
  readonly littleEndian: boolean;
  readonly task: TaskInfo;
  /** A 32-bit pseudo-random number (bpf_get_prandom_u32). */
  random(): number;
  /** Nanoseconds of the monotonic clock. */
  now(): bigint;
  /** Hands a bpf_trace_printk record, as trace_pipe prints it, to whoever listens. */
  trace(record: string): void;
  /** The type of the program a Vm runs, when the runtime made that Vm. */
  programType(vm: Vm): number | undefined;
  /** The Vm a tail call from `caller` to the program with this id continues in, if there is such a program. */
  tailCallTarget(caller: Vm, programId: number): Vm | undefined;
}

/** A helper as the runtime implements it: the Vm's Helper with the environment it runs in. */
export interface RuntimeHelper {
  /** The kernel's name (`bpf_map_lookup_elem`), from isa/helpers. */
  readonly name: string;
  call(regs: Registers, vm: Vm, env: HelperEnv): bigint;
}
