/**
 * bpfscope as a library: open a clang-produced BPF object as libbpf would and inspect
 * it (programs with linked instructions, func and line info, maps, license, BTF), then
 * disassemble its instructions the way the kernel prints them.
 */
export { openObject, type OpenOptions } from './object/open.js';
export { loadTarget, NO_TARGET, type LoadTarget, type LoadTargetOptions } from './object/target.js';
export type {
  ExternReference,
  FuncInfoSpec,
  FunctionSpec,
  LineInfoSpec,
  MapOrigin,
  MapReference,
  MapSpec,
  ObjectSpec,
  ProgramSpec,
} from './object/spec.js';
export type { SectionProgramKind } from './object/section-defs.js';
export { programKindForSection } from './object/section-defs.js';
export { mapTypeName, progTypeName } from './object/kinds.js';
export { programTag } from './object/tag.js';
export type { Insn } from './isa/insn.js';
export { decodeInsns } from './isa/decode.js';
export { encodeInsns } from './isa/encode.js';
export { disasmInsn } from './isa/disasm.js';
export { helperName, helperId } from './isa/helpers.js';
export { parseBtf, parseBtfExt, Btf } from './btf/index.js';
export {
  BpfscopeError,
  BtfError,
  ElfError,
  ExternError,
  InsnError,
  NotModelledError,
  ObjectError,
  RelocationError,
  UsageError,
  VerifierError,
  VmFault,
  type ErrorContext,
} from './errors.js';
export { assemble, assembleBytes, AsmError } from './isa/asm.js';
export { formatAsm, formatAsmInsn } from './isa/asm-format.js';
export { Vm, Registers, DEFAULT_BUDGET, MAX_CALL_FRAMES, MAX_BPF_STACK, MAX_TAIL_CALL_CNT, COMPILE_AFTER, AddressSpace } from './vm/vm.js';
export type { EngineName, Helper, HelperTable, RunResult, VmOptions } from './vm/vm.js';
export { Runtime, type RuntimeOptions } from './vm/runtime/index.js';
export { RUNTIME_HELPERS, type HelperEnv, type RuntimeHelper, type TaskInfo } from './vm/helpers/index.js';
export { load, runNeeds, runProgram } from './vm/run.js';
export type { LoadForRunOptions, RunInput, RunOutput, RunnableObject, RunnableProgram } from './vm/run.js';
export { TestRunError } from './vm/context/errors.js';
export * from './vm/context/return-codes.js';
export { packet, PacketBuilder, BuilderError, internetChecksum, skbContext, xdpContext, ptRegs, CONTEXT_LAYOUTS } from './vm/builders/index.js';
export type * from './vm/builders/index.js';
export { LINUX_6_18_X86_64, type KernelProfile } from './vm/fixups/kernel-profile.js';
export { loadBpfObject, BpfObject, BpfMap, MapOperationError, type MapValue, type UpdateFlag } from './vm/library.js';
export { decodeBtf, encodeBtf, type BtfValue } from './btf/value-codec.js';
export { SessionStore } from './store/session-store.js';
export { PersistentStore } from './store/persistent-store.js';
export { stateDirectory } from './store/state-dir.js';
export { StoreError } from './store/errors.js';
