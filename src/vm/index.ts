/**
 * The VM layer, the "kernel": loading an object's programs and maps, the fixups the
 * verifier would make, the engines that run programs, helpers, contexts and the
 * packet builders, and the library API on top (loadBpfObject, runProgram).
 */
export {
  AddressSpace,
  COMPILE_AFTER,
  DEFAULT_BUDGET,
  type EngineName,
  type Helper,
  type HelperTable,
  MAX_BPF_STACK,
  MAX_CALL_FRAMES,
  MAX_TAIL_CALL_CNT,
  Registers,
  type RunResult,
  Vm,
  type VmOptions,
} from './vm.js';
export { loadObject, type LoadOptions } from './load.js';
export type { IdSource, LoadedMap, LoadedObject, LoadedProgram } from './loaded.js';
export { Runtime, type RuntimeOptions } from './runtime/index.js';
export { type HelperEnv, RUNTIME_HELPERS, type RuntimeHelper, type TaskInfo } from './helpers/index.js';
export { type KernelProfile, LINUX_6_18_X86_64 } from './fixups/kernel-profile.js';
export type { MapAttrs, MapOptions, SlotKind, VmMap } from './maps/types.js';
export { createdFlags, createMapFromSpec, mapSlotKind } from './maps/create.js';
export { MapCreateError } from './maps/create-error.js';
export { ProgArrayMap } from './maps/fd-array.js';
export { type MapSnapshot, restoreMap, snapshotMap } from './maps/snapshot.js';
export { mapMemlock, memlockCountsElements } from './memlock.js';
export {
  load,
  type LoadForRunOptions,
  type RunInput,
  type RunnableObject,
  type RunnableProgram,
  runNeeds,
  type RunOutput,
  runProgram,
} from './run.js';
export { TestRunError } from './context/errors.js';
export * from './context/return-codes.js';
export * from './builders/index.js';
export { BpfMap, BpfObject, loadBpfObject, MapOperationError, type MapValue, type UpdateFlag } from './library.js';
