import { OPCODES, opcodeByName, type OpcodeSpec } from '../../isa/index.js';

/**
 * Rows the VM knows but does not run, and why; reaching one is a fault saying so. A
 * program loaded through a Runtime never holds the first kind: the Runtime patches map
 * references to addresses and loading turns legacy packet loads into calls, as the
 * kernel does. The rest are kernel features the VM does not model: a program may hold
 * them (a kfunc call loads as the kernel loads it) and faults if it reaches one.
 */
const UNLOADED_MAP_REF = 'a map reference runs once a Runtime has patched in the map (load the program, do not run its raw bytecode)';
const UNLOADED_LD_ABS = 'a legacy packet load runs as loading rewrites it, a call of the socket buffer loader (load the program, do not run its raw bytecode)';
const NOT_EXECUTED: Readonly<Record<string, string>> = {
  lddw_map_fd: UNLOADED_MAP_REF,
  lddw_map_value: UNLOADED_MAP_REF,
  lddw_map_idx: UNLOADED_MAP_REF,
  lddw_map_idx_value: UNLOADED_MAP_REF,
  lddw_btf_id: 'kernel variables (ld_imm64 of a BTF id) do not exist in the VM',
  call_kfunc: 'kernel functions (kfuncs) are not modelled by the VM',
  addr_space_cast: 'arenas are not modelled by the VM',
  mov64_percpu_addr: 'per-CPU addresses are kernel-internal',
  ldabsb: UNLOADED_LD_ABS,
  ldabsh: UNLOADED_LD_ABS,
  ldabsw: UNLOADED_LD_ABS,
  ldindb: UNLOADED_LD_ABS,
  ldindh: UNLOADED_LD_ABS,
  ldindw: UNLOADED_LD_ABS,
};

for (const name of Object.keys(NOT_EXECUTED)) {
  if (!opcodeByName(name)) throw new Error(`VM note for ${name}: no such row`);
}

/** Why the VM does not run a row, or undefined when it runs it. */
export function notExecuted(row: OpcodeSpec): string | undefined {
  return NOT_EXECUTED[row.name];
}

/** The rows the VM runs: every engine must have code for each (each checks so when it loads). */
export const EXECUTED_ROWS: readonly OpcodeSpec[] = OPCODES.filter((row) => notExecuted(row) === undefined);

/**
 * How an engine numbers rows for its dispatch: a decoded program holds the number in the
 * low byte of each slot's first word (the interpreter's, which every engine can fall
 * back on), `fault` for a slot that does not run.
 */
export interface Dispatch {
  op(row: OpcodeSpec): number;
  readonly fault: number;
}
