import { type Insn, lookupOpcode, opcodeNamed, regsWritten, type OpcodeSpec, jumpTarget, localCallTarget, type CallForm } from '../../isa/index.js';
import { notExecuted, type Dispatch } from './executed.js';

/**
 * A program decoded once for both engines: four words per slot in one typed array, the
 * op from the dispatch table (ops.ts), jump and call targets made absolute, and each
 * slot's opcode-table row. Whatever the VM
 * will not run (an unknown opcode, r11, a jump out of the program, a map reference) is
 * decoded as the dispatch's fault with its reason, so the hot loop never checks for it and a
 * program with such a slot still runs until it reaches it.
 */
export interface DecodedProgram {
  readonly insns: readonly Insn[];
  /**
   * Four words per slot, together so that one instruction is one cache line's quarter:
   * `op | dst << 8 | src << 12`, off, imm (an lddw's upper half is the next slot's), and
   * the slot a jump or bpf-to-bpf call goes to. One slot more than the program has:
   * running past the last instruction lands on a fault. One array measured faster than
   * one array per field.
   */
  readonly code: Int32Array;
  /** Each slot's row; undefined where the slot faults (and past the end). */
  readonly rows: readonly (OpcodeSpec | undefined)[];
  /** Why a slot faults. */
  readonly faults: ReadonlyMap<number, string>;
  /** Second slots of lddw: no instruction of their own, so faults there print no text. */
  readonly secondSlots: ReadonlySet<number>;
  /** Where callback addresses (ld_imm64 src 4) point: the functions a helper may call back. */
  readonly callbacks: ReadonlySet<number>;
}

/**
 * A callback's address: the upper half is the slot of the program's code in the address
 * space (a region of no bytes, so that reading through it faults), the lower half eight
 * times the function's first instruction, as an instruction's byte offset.
 */
export function callbackAddress(codeSlot: number, pc: number): { hi: number; lo: number } {
  return { hi: codeSlot, lo: pc * 8 };
}

const LDDW_FUNC = opcodeNamed('lddw_func');

/** r0-r9 and the frame pointer; r11-r15 fit the field but belong to the kernel. */
const MAX_REG = 10;
/**
 * The kernel's scratch register (BPF_REG_AX): programs cannot name it, but the code the
 * kernel puts in at load does, so a loaded (xlated) program may.
 */
const AX = 11;

/**
 * dispatch: the numbering of the engine every engine can fall back on (the interpreter's).
 * codeSlot: where callback addresses point (see callbackAddress); needed only by programs that take them.
 */
export function decodeProgram(insns: readonly Insn[], callForm: CallForm, dispatch: Dispatch, codeSlot = 0): DecodedProgram {
  const n = insns.length;
  const code = new Int32Array(4 * (n + 1));
  const faults = new Map<number, string>();
  const secondSlots = new Set<number>();
  const callbacks = new Set<number>();
  const rows: (OpcodeSpec | undefined)[] = new Array(n + 1).fill(undefined);
  const setOp = (pc: number, op: number) => {
    code[4 * pc] = (code[4 * pc]! & ~0xff) | op;
  };
  const refuse = (pc: number, reason: string) => {
    setOp(pc, dispatch.fault);
    faults.set(pc, reason);
  };
  for (let pc = 0; pc < n; pc++) {
    const insn = insns[pc]!;
    // Registers are 4-bit fields, so src << 12 leaves nothing above it.
    code[4 * pc] = ((insn.dst & 15) << 8) | ((insn.src & 15) << 12);
    code[4 * pc + 1] = insn.off;
    code[4 * pc + 2] = insn.imm;
    const row = lookupOpcode(insn);
    if (!row) {
      refuse(pc, `unknown opcode 0x${insn.code.toString(16).padStart(2, '0')}`);
      continue;
    }
    const reason = notExecuted(row);
    if (reason !== undefined) refuse(pc, reason);
    else setOp(pc, dispatch.op(row));
    rows[pc] = row;
    const problem = registerProblem(insn, row, callForm) ?? targetProblem(insns, pc, row, callForm, code);
    if (problem) refuse(pc, problem);
    if (row.slots === 2) {
      if (pc + 1 >= n) {
        refuse(pc, 'the lddw is cut off: its second slot is missing');
        continue;
      }
      pc++;
      code[4 * pc + 2] = insns[pc]!.imm;
      secondSlots.add(pc);
      refuse(pc, `the second slot of the lddw at ${pc - 1} is not an instruction`);
      if (row === LDDW_FUNC && !problem) {
        // Relative as a call's offset in both call forms (xlated keeps a subprogram index in the second slot).
        const to = pc + insn.imm;
        if (to < 0 || to >= n) refuse(pc - 1, `function at ${to}, outside the program (0-${n - 1})`);
        else {
          const address = callbackAddress(codeSlot, to);
          code[4 * pc - 2] = address.lo;
          code[4 * pc + 2] = address.hi;
          callbacks.add(to);
        }
      }
    }
  }
  refuse(n, 'ran past the last instruction (the program does not end in exit)');
  for (const pc of faults.keys()) rows[pc] = undefined;
  return { insns, code, rows, faults, secondSlots, callbacks };
}

/** The kernel's verifier refuses these; the VM refuses them when reached. */
function registerProblem(insn: Insn, row: OpcodeSpec, callForm: CallForm): string | undefined {
  const ax = callForm === 'xlated' ? AX : -1;
  for (const field of ['dst', 'src'] as const) {
    if (row.uses.includes(field) && insn[field] > MAX_REG && insn[field] !== ax) return `r${insn[field]} is not a register programs may use`;
  }
  if ((regsWritten(row, insn) & (1 << MAX_REG)) !== 0) return 'frame pointer r10 is read only';
  return undefined;
}

function targetProblem(insns: readonly Insn[], pc: number, row: OpcodeSpec, callForm: CallForm, code: Int32Array): string | undefined {
  const insn = insns[pc]!;
  const to = jumpTarget(insn, pc) ?? localCallTarget(insn, pc, callForm);
  if (to === undefined) return undefined;
  if (to < 0 || to >= insns.length) return `${row.flow === 'call' ? 'call' : 'jump'} to ${to}, outside the program (0-${insns.length - 1})`;
  code[4 * pc + 3] = to;
  return undefined;
}
