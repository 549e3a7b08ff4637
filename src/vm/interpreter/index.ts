/** The in-process VM: the interpreter and what it is configured with. */
export { COMPILE_AFTER, DEFAULT_BUDGET, MAX_BPF_STACK, MAX_CALL_FRAMES, MAX_TAIL_CALL_CNT, Registers, Vm } from './vm.js';
export type { EngineName, Helper, HelperTable, RunResult, VmOptions } from './vm.js';
export { AddressSpace, type Access, type Region } from '../memory/address-space.js';
