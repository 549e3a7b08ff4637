/**
 * The instruction layer: the opcode and helper tables, and what reads and writes
 * instructions (decoder, encoder, builders, one instruction walk, disassemblers, CFG,
 * assembler, validator). Knows programs only as arrays of instructions.
 */
export { type Insn, INSN_SIZE } from './insn.js';
export {
  accessBytes,
  BPF_CALL_INSN,
  BPF_LD_IMM64,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
  lookupOpcode,
  opcodeByName,
  opcodeNamed,
  OPCODES,
  type OpcodeSpec,
  printedAs,
  regsWritten,
} from './opcodes.js';
export { type AtomicOp, isAluClass, opcodeOf, partsOf, SIZE_BYTES, sizeOfBytes } from './opcode-parts.js';
export { helperId, helperName } from './helpers.js';
export { decodeInsns } from './decode.js';
export { encodeInsns } from './encode.js';
export { validateInsns } from './validate.js';
export { type AccessBytes, aluImm, aluReg, callHelper, exit, ja, jmpImm, ldx, movImm, movReg, neg, resized } from './build.js';
export {
  callbackTarget,
  type CallForm,
  callKind,
  forEachInsn,
  isCallbackRef,
  isLdImm64,
  isSecondSlot,
  jumpTarget,
  localCallTarget,
  secondSlots,
  slotCount,
} from './slots.js';
export { tailCallSites } from './tail-calls.js';
export { buildCfg, type CfgBlock, type CfgFunction, lastInsnPc } from './cfg.js';
export { disasmInsn, type DisasmOptions } from './disasm.js';
export { type BpftoolNames, bpftoolXlatedOptions, calleeSymbolsAt } from './disasm-bpftool.js';
export { AsmError, assemble, assembleBytes } from './asm.js';
export { formatAsm, formatAsmInsn } from './asm-format.js';
