import { opcodeByName, type OpcodeSpec } from '../../isa/index.js';
import { EXECUTED_ROWS, type Dispatch } from '../engine/executed.js';
import { Op } from './execute.js';

export type RowOp = Exclude<keyof typeof Op, 'fault'>;

/**
 * The interpreter's one dispatch table: opcode-table row name to op. The type makes each
 * entry the member of the same name, so the enum and this list cannot drift apart; the
 * check below ties the names to the opcode table.
 */
const ROW_OPS: { readonly [K in RowOp]: (typeof Op)[K] } = {
  add32_imm: Op.add32_imm, add32_reg: Op.add32_reg, sub32_imm: Op.sub32_imm, sub32_reg: Op.sub32_reg,
  mul32_imm: Op.mul32_imm, mul32_reg: Op.mul32_reg, div32_imm: Op.div32_imm, div32_reg: Op.div32_reg,
  sdiv32_imm: Op.sdiv32_imm, sdiv32_reg: Op.sdiv32_reg, or32_imm: Op.or32_imm, or32_reg: Op.or32_reg,
  and32_imm: Op.and32_imm, and32_reg: Op.and32_reg, lsh32_imm: Op.lsh32_imm, lsh32_reg: Op.lsh32_reg,
  rsh32_imm: Op.rsh32_imm, rsh32_reg: Op.rsh32_reg, mod32_imm: Op.mod32_imm, mod32_reg: Op.mod32_reg,
  smod32_imm: Op.smod32_imm, smod32_reg: Op.smod32_reg, xor32_imm: Op.xor32_imm, xor32_reg: Op.xor32_reg,
  mov32_imm: Op.mov32_imm, mov32_reg: Op.mov32_reg, arsh32_imm: Op.arsh32_imm, arsh32_reg: Op.arsh32_reg,
  movsx32_8: Op.movsx32_8, movsx32_16: Op.movsx32_16, neg32: Op.neg32, add64_imm: Op.add64_imm,
  add64_reg: Op.add64_reg, sub64_imm: Op.sub64_imm, sub64_reg: Op.sub64_reg, mul64_imm: Op.mul64_imm,
  mul64_reg: Op.mul64_reg, div64_imm: Op.div64_imm, div64_reg: Op.div64_reg, sdiv64_imm: Op.sdiv64_imm,
  sdiv64_reg: Op.sdiv64_reg, or64_imm: Op.or64_imm, or64_reg: Op.or64_reg, and64_imm: Op.and64_imm,
  and64_reg: Op.and64_reg, lsh64_imm: Op.lsh64_imm, lsh64_reg: Op.lsh64_reg, rsh64_imm: Op.rsh64_imm,
  rsh64_reg: Op.rsh64_reg, mod64_imm: Op.mod64_imm, mod64_reg: Op.mod64_reg, smod64_imm: Op.smod64_imm,
  smod64_reg: Op.smod64_reg, xor64_imm: Op.xor64_imm, xor64_reg: Op.xor64_reg, mov64_imm: Op.mov64_imm,
  mov64_reg: Op.mov64_reg, arsh64_imm: Op.arsh64_imm, arsh64_reg: Op.arsh64_reg, movsx64_8: Op.movsx64_8,
  movsx64_16: Op.movsx64_16, movsx64_32: Op.movsx64_32, neg64: Op.neg64, le16: Op.le16, be16: Op.be16,
  bswap16: Op.bswap16, le32: Op.le32, be32: Op.be32, bswap32: Op.bswap32, le64: Op.le64, be64: Op.be64,
  bswap64: Op.bswap64, jeq_imm: Op.jeq_imm, jeq_reg: Op.jeq_reg, jgt_imm: Op.jgt_imm, jgt_reg: Op.jgt_reg,
  jge_imm: Op.jge_imm, jge_reg: Op.jge_reg, jset_imm: Op.jset_imm, jset_reg: Op.jset_reg, jne_imm: Op.jne_imm,
  jne_reg: Op.jne_reg, jsgt_imm: Op.jsgt_imm, jsgt_reg: Op.jsgt_reg, jsge_imm: Op.jsge_imm, jsge_reg: Op.jsge_reg,
  jlt_imm: Op.jlt_imm, jlt_reg: Op.jlt_reg, jle_imm: Op.jle_imm, jle_reg: Op.jle_reg, jslt_imm: Op.jslt_imm,
  jslt_reg: Op.jslt_reg, jsle_imm: Op.jsle_imm, jsle_reg: Op.jsle_reg, jeq32_imm: Op.jeq32_imm,
  jeq32_reg: Op.jeq32_reg, jgt32_imm: Op.jgt32_imm, jgt32_reg: Op.jgt32_reg, jge32_imm: Op.jge32_imm,
  jge32_reg: Op.jge32_reg, jset32_imm: Op.jset32_imm, jset32_reg: Op.jset32_reg, jne32_imm: Op.jne32_imm,
  jne32_reg: Op.jne32_reg, jsgt32_imm: Op.jsgt32_imm, jsgt32_reg: Op.jsgt32_reg, jsge32_imm: Op.jsge32_imm,
  jsge32_reg: Op.jsge32_reg, jlt32_imm: Op.jlt32_imm, jlt32_reg: Op.jlt32_reg, jle32_imm: Op.jle32_imm,
  jle32_reg: Op.jle32_reg, jslt32_imm: Op.jslt32_imm, jslt32_reg: Op.jslt32_reg, jsle32_imm: Op.jsle32_imm,
  jsle32_reg: Op.jsle32_reg, ja: Op.ja, gotol: Op.gotol, may_goto: Op.may_goto, call_helper: Op.call_helper,
  call_local: Op.call_local, callx: Op.callx, exit: Op.exit, lddw: Op.lddw, ldxb: Op.ldxb, ldxh: Op.ldxh,
  ldxw: Op.ldxw, ldxdw: Op.ldxdw, ldxsb: Op.ldxsb, ldxsh: Op.ldxsh, ldxsw: Op.ldxsw, stb: Op.stb, sth: Op.sth,
  stw: Op.stw, stdw: Op.stdw, stxb: Op.stxb, stxh: Op.stxh, stxw: Op.stxw, stxdw: Op.stxdw,
  load_acquire_b: Op.load_acquire_b, load_acquire_h: Op.load_acquire_h, load_acquire_w: Op.load_acquire_w,
  load_acquire_dw: Op.load_acquire_dw, store_release_b: Op.store_release_b, store_release_h: Op.store_release_h,
  store_release_w: Op.store_release_w, store_release_dw: Op.store_release_dw,
  lock_add_w: Op.lock_add_w, atomic_fetch_add_w: Op.atomic_fetch_add_w, lock_or_w: Op.lock_or_w,
  atomic_fetch_or_w: Op.atomic_fetch_or_w, lock_and_w: Op.lock_and_w, atomic_fetch_and_w: Op.atomic_fetch_and_w,
  lock_xor_w: Op.lock_xor_w, atomic_fetch_xor_w: Op.atomic_fetch_xor_w, atomic_xchg_w: Op.atomic_xchg_w,
  atomic_cmpxchg_w: Op.atomic_cmpxchg_w, lock_add_dw: Op.lock_add_dw, atomic_fetch_add_dw: Op.atomic_fetch_add_dw,
  lock_or_dw: Op.lock_or_dw, atomic_fetch_or_dw: Op.atomic_fetch_or_dw, lock_and_dw: Op.lock_and_dw,
  atomic_fetch_and_dw: Op.atomic_fetch_and_dw, lock_xor_dw: Op.lock_xor_dw,
  atomic_fetch_xor_dw: Op.atomic_fetch_xor_dw, atomic_xchg_dw: Op.atomic_xchg_dw,
  atomic_cmpxchg_dw: Op.atomic_cmpxchg_dw, nospec: Op.nospec,
};

const opOf = new Map<OpcodeSpec, Op>();
for (const [name, op] of Object.entries(ROW_OPS) as [RowOp, Op][]) {
  const row = opcodeByName(name);
  // The table and the interpreter disagreeing is a bug to catch at load, not at run.
  if (!row) throw new Error(`interpreter op ${name} is no row of the opcode table`);
  opOf.set(row, op);
}
// A callback address loads as any lddw: the decoder writes the function's address into its immediates.
opOf.set(opcodeByName('lddw_func')!, Op.lddw);
for (const row of EXECUTED_ROWS) {
  if (!opOf.has(row)) throw new Error(`opcode row ${row.name} has neither an interpreter op nor a reason it does not run`);
}

/** The interpreter's numbering of the rows, which decoded programs carry. */
export const INTERPRETER_DISPATCH: Dispatch = {
  op: (row) => opOf.get(row)!,
  fault: Op.fault,
};
