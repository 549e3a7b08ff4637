import { Atomic, atomic32, atomic64 } from '../engine/atomics.js';
import { arsh64, bswap16, bswap32, div32, lsh64, mod32, mul64, rsh64, sdiv32, sdivmod64, sge, sgt, smod32, swap64, udivmod64, uge, ugt } from '../engine/int64.js';
import { budgetFault, MAY_GOTO_LOOPS, Stop, type Engine } from '../engine/machine.js';
import type { Region } from '../memory/address-space.js';

/**
 * Every opcode-table row the interpreter executes gets a dense number, named as the row
 * (dispatch.ts maps rows to these; decoded programs carry them). The numbers exist so that
 * the switch below is over small integer literals, which V8 compiles to a jump table: a
 * const enum is inlined as such, by tsc anywhere and by the test runner's esbuild only
 * within its own file, hence here. A switch over object properties measured about twice
 * as slow (and over the enum of another file, in the test runner, thirty times).
 */
export const enum Op {
  add32_imm, add32_reg, sub32_imm, sub32_reg, mul32_imm, mul32_reg, div32_imm, div32_reg, sdiv32_imm,
  sdiv32_reg, or32_imm, or32_reg, and32_imm, and32_reg, lsh32_imm, lsh32_reg, rsh32_imm, rsh32_reg,
  mod32_imm, mod32_reg, smod32_imm, smod32_reg, xor32_imm, xor32_reg, mov32_imm, mov32_reg, arsh32_imm,
  arsh32_reg, movsx32_8, movsx32_16, neg32,
  add64_imm, add64_reg, sub64_imm, sub64_reg, mul64_imm, mul64_reg, div64_imm, div64_reg, sdiv64_imm,
  sdiv64_reg, or64_imm, or64_reg, and64_imm, and64_reg, lsh64_imm, lsh64_reg, rsh64_imm, rsh64_reg,
  mod64_imm, mod64_reg, smod64_imm, smod64_reg, xor64_imm, xor64_reg, mov64_imm, mov64_reg, arsh64_imm,
  arsh64_reg, movsx64_8, movsx64_16, movsx64_32, neg64,
  le16, be16, bswap16, le32, be32, bswap32, le64, be64, bswap64,
  jeq_imm, jeq_reg, jgt_imm, jgt_reg, jge_imm, jge_reg, jset_imm, jset_reg, jne_imm, jne_reg, jsgt_imm,
  jsgt_reg, jsge_imm, jsge_reg, jlt_imm, jlt_reg, jle_imm, jle_reg, jslt_imm, jslt_reg, jsle_imm, jsle_reg,
  jeq32_imm, jeq32_reg, jgt32_imm, jgt32_reg, jge32_imm, jge32_reg, jset32_imm, jset32_reg, jne32_imm,
  jne32_reg, jsgt32_imm, jsgt32_reg, jsge32_imm, jsge32_reg, jlt32_imm, jlt32_reg, jle32_imm, jle32_reg,
  jslt32_imm, jslt32_reg, jsle32_imm, jsle32_reg,
  ja, gotol, may_goto, call_helper, call_local, callx, exit,
  lddw,
  ldxb, ldxh, ldxw, ldxdw, ldxsb, ldxsh, ldxsw, stb, sth, stw, stdw, stxb, stxh, stxw, stxdw,
  load_acquire_b, load_acquire_h, load_acquire_w, load_acquire_dw,
  store_release_b, store_release_h, store_release_w, store_release_dw,
  lock_add_w, atomic_fetch_add_w, lock_or_w, atomic_fetch_or_w, lock_and_w, atomic_fetch_and_w, lock_xor_w,
  atomic_fetch_xor_w, atomic_xchg_w, atomic_cmpxchg_w,
  lock_add_dw, atomic_fetch_add_dw, lock_or_dw, atomic_fetch_or_dw, lock_and_dw, atomic_fetch_and_dw,
  lock_xor_dw, atomic_fetch_xor_dw, atomic_xchg_dw, atomic_cmpxchg_dw,
  nospec,
  /** Not a row: a slot the VM refuses to run (the reason is kept with the decoded program). */
  fault,
}


/** Where ea() leaves the region's view, so that one call returns both. */
interface Access {
  view: DataView;
}

/**
 * The offset in its region of [base + offset, +size), or -1 when the access is not
 * allowed. base is a register as halves; the region is its upper half (see AddressSpace).
 */
function ea(regions: readonly Region[], h: number, l: number, offset: number, size: number, write: boolean, acc: Access): number {
  let a = (l >>> 0) + offset;
  if (a < 0) {
    a += 4294967296;
    h = (h - 1) | 0;
  } else if (a > 4294967295) {
    a -= 4294967296;
    h = (h + 1) | 0;
  }
  const r = regions[h >>> 0];
  if (r === undefined || a + size > r.size || (write && !r.writable)) return -1;
  acc.view = r.view;
  return a;
}

/**
 * The reference engine (see Engine): one instruction at a time, leaving r0 in the
 * registers at the exit. Each case ends by setting pc; `continue` skips nothing, it only
 * reads better than break in a loop whose every path goes round again.
 */
export const execute: Engine = (p, m, pc, depth, base) => {
  const code = p.code;
  const { lo, hi, regions, stacks, littleEndian: le, maxFrames, saved, returnPc, mayGoto } = m;
  // Byte offsets of the low and high words of a 64-bit value in memory.
  const L = le ? 0 : 4;
  const H = le ? 4 : 0;
  const acc: Access = { view: regions[0]!.view };
  let budget = m.budget;
  for (;;) {
    if (--budget < 0) throw budgetFault(m, pc);
    // One instruction is four words: op | dst << 8 | src << 12, off, imm, target.
    const i = pc << 2;
    const w = code[i]!;
    const d = (w >> 8) & 15;
    const s = w >>> 12;
    switch (w & 255) {
      // ---- 32-bit ALU: the result is zero-extended, shifts take the count modulo 32
      case Op.add32_imm: lo[d] = (lo[d]! + code[i + 2]!) | 0; hi[d] = 0; pc++; continue;
      case Op.add32_reg: lo[d] = (lo[d]! + lo[s]!) | 0; hi[d] = 0; pc++; continue;
      case Op.sub32_imm: lo[d] = (lo[d]! - code[i + 2]!) | 0; hi[d] = 0; pc++; continue;
      case Op.sub32_reg: lo[d] = (lo[d]! - lo[s]!) | 0; hi[d] = 0; pc++; continue;
      case Op.mul32_imm: lo[d] = Math.imul(lo[d]!, code[i + 2]!); hi[d] = 0; pc++; continue;
      case Op.mul32_reg: lo[d] = Math.imul(lo[d]!, lo[s]!); hi[d] = 0; pc++; continue;
      case Op.div32_imm: lo[d] = div32(lo[d]!, code[i + 2]!); hi[d] = 0; pc++; continue;
      case Op.div32_reg: lo[d] = div32(lo[d]!, lo[s]!); hi[d] = 0; pc++; continue;
      case Op.sdiv32_imm: lo[d] = sdiv32(lo[d]!, code[i + 2]!); hi[d] = 0; pc++; continue;
      case Op.sdiv32_reg: lo[d] = sdiv32(lo[d]!, lo[s]!); hi[d] = 0; pc++; continue;
      case Op.or32_imm: lo[d] = lo[d]! | code[i + 2]!; hi[d] = 0; pc++; continue;
      case Op.or32_reg: lo[d] = lo[d]! | lo[s]!; hi[d] = 0; pc++; continue;
      case Op.and32_imm: lo[d] = lo[d]! & code[i + 2]!; hi[d] = 0; pc++; continue;
      case Op.and32_reg: lo[d] = lo[d]! & lo[s]!; hi[d] = 0; pc++; continue;
      case Op.lsh32_imm: lo[d] = lo[d]! << code[i + 2]!; hi[d] = 0; pc++; continue;
      case Op.lsh32_reg: lo[d] = lo[d]! << lo[s]!; hi[d] = 0; pc++; continue;
      case Op.rsh32_imm: lo[d] = lo[d]! >>> code[i + 2]!; hi[d] = 0; pc++; continue;
      case Op.rsh32_reg: lo[d] = lo[d]! >>> lo[s]!; hi[d] = 0; pc++; continue;
      case Op.mod32_imm: lo[d] = mod32(lo[d]!, code[i + 2]!); hi[d] = 0; pc++; continue;
      case Op.mod32_reg: lo[d] = mod32(lo[d]!, lo[s]!); hi[d] = 0; pc++; continue;
      case Op.smod32_imm: lo[d] = smod32(lo[d]!, code[i + 2]!); hi[d] = 0; pc++; continue;
      case Op.smod32_reg: lo[d] = smod32(lo[d]!, lo[s]!); hi[d] = 0; pc++; continue;
      case Op.xor32_imm: lo[d] = lo[d]! ^ code[i + 2]!; hi[d] = 0; pc++; continue;
      case Op.xor32_reg: lo[d] = lo[d]! ^ lo[s]!; hi[d] = 0; pc++; continue;
      case Op.mov32_imm: lo[d] = code[i + 2]!; hi[d] = 0; pc++; continue;
      case Op.mov32_reg: lo[d] = lo[s]!; hi[d] = 0; pc++; continue;
      case Op.arsh32_imm: lo[d] = lo[d]! >> code[i + 2]!; hi[d] = 0; pc++; continue;
      case Op.arsh32_reg: lo[d] = lo[d]! >> lo[s]!; hi[d] = 0; pc++; continue;
      case Op.movsx32_8: lo[d] = (lo[s]! << 24) >> 24; hi[d] = 0; pc++; continue;
      case Op.movsx32_16: lo[d] = (lo[s]! << 16) >> 16; hi[d] = 0; pc++; continue;
      case Op.neg32: lo[d] = -lo[d]! | 0; hi[d] = 0; pc++; continue;

      // ---- 64-bit ALU: an immediate is sign-extended (its upper half is imm >> 31)
      case Op.add64_imm: { const b = code[i + 2]!; const sum = (lo[d]! >>> 0) + (b >>> 0); lo[d] = sum | 0; hi[d] = (hi[d]! + (b >> 31) + (sum > 4294967295 ? 1 : 0)) | 0; pc++; continue; }
      case Op.add64_reg: { const sum = (lo[d]! >>> 0) + (lo[s]! >>> 0); lo[d] = sum | 0; hi[d] = (hi[d]! + hi[s]! + (sum > 4294967295 ? 1 : 0)) | 0; pc++; continue; }
      case Op.sub64_imm: { const b = code[i + 2]!; const sum = (lo[d]! >>> 0) - (b >>> 0); lo[d] = sum | 0; hi[d] = (hi[d]! - (b >> 31) - (sum < 0 ? 1 : 0)) | 0; pc++; continue; }
      case Op.sub64_reg: { const sum = (lo[d]! >>> 0) - (lo[s]! >>> 0); lo[d] = sum | 0; hi[d] = (hi[d]! - hi[s]! - (sum < 0 ? 1 : 0)) | 0; pc++; continue; }
      case Op.mul64_imm: mul64(lo, hi, d, code[i + 2]!, code[i + 2]! >> 31); pc++; continue;
      case Op.mul64_reg: mul64(lo, hi, d, lo[s]!, hi[s]!); pc++; continue;
      case Op.div64_imm: udivmod64(lo, hi, d, code[i + 2]!, code[i + 2]! >> 31, false); pc++; continue;
      case Op.div64_reg: udivmod64(lo, hi, d, lo[s]!, hi[s]!, false); pc++; continue;
      case Op.sdiv64_imm: sdivmod64(lo, hi, d, code[i + 2]!, code[i + 2]! >> 31, false); pc++; continue;
      case Op.sdiv64_reg: sdivmod64(lo, hi, d, lo[s]!, hi[s]!, false); pc++; continue;
      case Op.or64_imm: lo[d] = lo[d]! | code[i + 2]!; hi[d] = hi[d]! | (code[i + 2]! >> 31); pc++; continue;
      case Op.or64_reg: lo[d] = lo[d]! | lo[s]!; hi[d] = hi[d]! | hi[s]!; pc++; continue;
      case Op.and64_imm: lo[d] = lo[d]! & code[i + 2]!; hi[d] = hi[d]! & (code[i + 2]! >> 31); pc++; continue;
      case Op.and64_reg: lo[d] = lo[d]! & lo[s]!; hi[d] = hi[d]! & hi[s]!; pc++; continue;
      case Op.lsh64_imm: lsh64(lo, hi, d, code[i + 2]!); pc++; continue;
      case Op.lsh64_reg: lsh64(lo, hi, d, lo[s]!); pc++; continue;
      case Op.rsh64_imm: rsh64(lo, hi, d, code[i + 2]!); pc++; continue;
      case Op.rsh64_reg: rsh64(lo, hi, d, lo[s]!); pc++; continue;
      case Op.mod64_imm: udivmod64(lo, hi, d, code[i + 2]!, code[i + 2]! >> 31, true); pc++; continue;
      case Op.mod64_reg: udivmod64(lo, hi, d, lo[s]!, hi[s]!, true); pc++; continue;
      case Op.smod64_imm: sdivmod64(lo, hi, d, code[i + 2]!, code[i + 2]! >> 31, true); pc++; continue;
      case Op.smod64_reg: sdivmod64(lo, hi, d, lo[s]!, hi[s]!, true); pc++; continue;
      case Op.xor64_imm: lo[d] = lo[d]! ^ code[i + 2]!; hi[d] = hi[d]! ^ (code[i + 2]! >> 31); pc++; continue;
      case Op.xor64_reg: lo[d] = lo[d]! ^ lo[s]!; hi[d] = hi[d]! ^ hi[s]!; pc++; continue;
      case Op.mov64_imm: lo[d] = code[i + 2]!; hi[d] = code[i + 2]! >> 31; pc++; continue;
      case Op.mov64_reg: lo[d] = lo[s]!; hi[d] = hi[s]!; pc++; continue;
      case Op.arsh64_imm: arsh64(lo, hi, d, code[i + 2]!); pc++; continue;
      case Op.arsh64_reg: arsh64(lo, hi, d, lo[s]!); pc++; continue;
      case Op.movsx64_8: lo[d] = (lo[s]! << 24) >> 24; hi[d] = lo[d]! >> 31; pc++; continue;
      case Op.movsx64_16: lo[d] = (lo[s]! << 16) >> 16; hi[d] = lo[d]! >> 31; pc++; continue;
      case Op.movsx64_32: lo[d] = lo[s]!; hi[d] = lo[d]! >> 31; pc++; continue;
      case Op.neg64: { const l = lo[d]!; lo[d] = -l | 0; hi[d] = (~hi[d]! + (l === 0 ? 1 : 0)) | 0; pc++; continue; }

      // ---- byte order: le/be convert to that order from the VM's (a no-op but for
      // truncation when they agree); bswap always swaps. All zero-extend.
      case Op.le16: lo[d] = le ? lo[d]! & 0xffff : bswap16(lo[d]!); hi[d] = 0; pc++; continue;
      case Op.be16: lo[d] = le ? bswap16(lo[d]!) : lo[d]! & 0xffff; hi[d] = 0; pc++; continue;
      case Op.bswap16: lo[d] = bswap16(lo[d]!); hi[d] = 0; pc++; continue;
      case Op.le32: if (!le) lo[d] = bswap32(lo[d]!); hi[d] = 0; pc++; continue;
      case Op.be32: if (le) lo[d] = bswap32(lo[d]!); hi[d] = 0; pc++; continue;
      case Op.bswap32: lo[d] = bswap32(lo[d]!); hi[d] = 0; pc++; continue;
      case Op.le64: if (!le) swap64(lo, hi, d); pc++; continue;
      case Op.be64: if (le) swap64(lo, hi, d); pc++; continue;
      case Op.bswap64: swap64(lo, hi, d); pc++; continue;

      // ---- jumps: 64-bit compares an immediate sign-extended, 32-bit the lower halves
      case Op.jeq_imm: pc = lo[d] === code[i + 2] && hi[d] === code[i + 2]! >> 31 ? code[i + 3]! : pc + 1; continue;
      case Op.jeq_reg: pc = lo[d] === lo[s] && hi[d] === hi[s] ? code[i + 3]! : pc + 1; continue;
      case Op.jne_imm: pc = lo[d] !== code[i + 2] || hi[d] !== code[i + 2]! >> 31 ? code[i + 3]! : pc + 1; continue;
      case Op.jne_reg: pc = lo[d] !== lo[s] || hi[d] !== hi[s] ? code[i + 3]! : pc + 1; continue;
      case Op.jset_imm: pc = (lo[d]! & code[i + 2]!) !== 0 || (hi[d]! & (code[i + 2]! >> 31)) !== 0 ? code[i + 3]! : pc + 1; continue;
      case Op.jset_reg: pc = (lo[d]! & lo[s]!) !== 0 || (hi[d]! & hi[s]!) !== 0 ? code[i + 3]! : pc + 1; continue;
      case Op.jgt_imm: pc = ugt(hi[d]!, lo[d]!, code[i + 2]! >> 31, code[i + 2]!) ? code[i + 3]! : pc + 1; continue;
      case Op.jgt_reg: pc = ugt(hi[d]!, lo[d]!, hi[s]!, lo[s]!) ? code[i + 3]! : pc + 1; continue;
      case Op.jge_imm: pc = uge(hi[d]!, lo[d]!, code[i + 2]! >> 31, code[i + 2]!) ? code[i + 3]! : pc + 1; continue;
      case Op.jge_reg: pc = uge(hi[d]!, lo[d]!, hi[s]!, lo[s]!) ? code[i + 3]! : pc + 1; continue;
      case Op.jlt_imm: pc = ugt(code[i + 2]! >> 31, code[i + 2]!, hi[d]!, lo[d]!) ? code[i + 3]! : pc + 1; continue;
      case Op.jlt_reg: pc = ugt(hi[s]!, lo[s]!, hi[d]!, lo[d]!) ? code[i + 3]! : pc + 1; continue;
      case Op.jle_imm: pc = uge(code[i + 2]! >> 31, code[i + 2]!, hi[d]!, lo[d]!) ? code[i + 3]! : pc + 1; continue;
      case Op.jle_reg: pc = uge(hi[s]!, lo[s]!, hi[d]!, lo[d]!) ? code[i + 3]! : pc + 1; continue;
      case Op.jsgt_imm: pc = sgt(hi[d]!, lo[d]!, code[i + 2]! >> 31, code[i + 2]!) ? code[i + 3]! : pc + 1; continue;
      case Op.jsgt_reg: pc = sgt(hi[d]!, lo[d]!, hi[s]!, lo[s]!) ? code[i + 3]! : pc + 1; continue;
      case Op.jsge_imm: pc = sge(hi[d]!, lo[d]!, code[i + 2]! >> 31, code[i + 2]!) ? code[i + 3]! : pc + 1; continue;
      case Op.jsge_reg: pc = sge(hi[d]!, lo[d]!, hi[s]!, lo[s]!) ? code[i + 3]! : pc + 1; continue;
      case Op.jslt_imm: pc = sgt(code[i + 2]! >> 31, code[i + 2]!, hi[d]!, lo[d]!) ? code[i + 3]! : pc + 1; continue;
      case Op.jslt_reg: pc = sgt(hi[s]!, lo[s]!, hi[d]!, lo[d]!) ? code[i + 3]! : pc + 1; continue;
      case Op.jsle_imm: pc = sge(code[i + 2]! >> 31, code[i + 2]!, hi[d]!, lo[d]!) ? code[i + 3]! : pc + 1; continue;
      case Op.jsle_reg: pc = sge(hi[s]!, lo[s]!, hi[d]!, lo[d]!) ? code[i + 3]! : pc + 1; continue;
      case Op.jeq32_imm: pc = lo[d] === code[i + 2] ? code[i + 3]! : pc + 1; continue;
      case Op.jeq32_reg: pc = lo[d] === lo[s] ? code[i + 3]! : pc + 1; continue;
      case Op.jne32_imm: pc = lo[d] !== code[i + 2] ? code[i + 3]! : pc + 1; continue;
      case Op.jne32_reg: pc = lo[d] !== lo[s] ? code[i + 3]! : pc + 1; continue;
      case Op.jset32_imm: pc = (lo[d]! & code[i + 2]!) !== 0 ? code[i + 3]! : pc + 1; continue;
      case Op.jset32_reg: pc = (lo[d]! & lo[s]!) !== 0 ? code[i + 3]! : pc + 1; continue;
      case Op.jgt32_imm: pc = lo[d]! >>> 0 > code[i + 2]! >>> 0 ? code[i + 3]! : pc + 1; continue;
      case Op.jgt32_reg: pc = lo[d]! >>> 0 > lo[s]! >>> 0 ? code[i + 3]! : pc + 1; continue;
      case Op.jge32_imm: pc = lo[d]! >>> 0 >= code[i + 2]! >>> 0 ? code[i + 3]! : pc + 1; continue;
      case Op.jge32_reg: pc = lo[d]! >>> 0 >= lo[s]! >>> 0 ? code[i + 3]! : pc + 1; continue;
      case Op.jlt32_imm: pc = lo[d]! >>> 0 < code[i + 2]! >>> 0 ? code[i + 3]! : pc + 1; continue;
      case Op.jlt32_reg: pc = lo[d]! >>> 0 < lo[s]! >>> 0 ? code[i + 3]! : pc + 1; continue;
      case Op.jle32_imm: pc = lo[d]! >>> 0 <= code[i + 2]! >>> 0 ? code[i + 3]! : pc + 1; continue;
      case Op.jle32_reg: pc = lo[d]! >>> 0 <= lo[s]! >>> 0 ? code[i + 3]! : pc + 1; continue;
      case Op.jsgt32_imm: pc = lo[d]! > code[i + 2]! ? code[i + 3]! : pc + 1; continue;
      case Op.jsgt32_reg: pc = lo[d]! > lo[s]! ? code[i + 3]! : pc + 1; continue;
      case Op.jsge32_imm: pc = lo[d]! >= code[i + 2]! ? code[i + 3]! : pc + 1; continue;
      case Op.jsge32_reg: pc = lo[d]! >= lo[s]! ? code[i + 3]! : pc + 1; continue;
      case Op.jslt32_imm: pc = lo[d]! < code[i + 2]! ? code[i + 3]! : pc + 1; continue;
      case Op.jslt32_reg: pc = lo[d]! < lo[s]! ? code[i + 3]! : pc + 1; continue;
      case Op.jsle32_imm: pc = lo[d]! <= code[i + 2]! ? code[i + 3]! : pc + 1; continue;
      case Op.jsle32_reg: pc = lo[d]! <= lo[s]! ? code[i + 3]! : pc + 1; continue;
      case Op.ja:
      case Op.gotol:
        pc = code[i + 3]!;
        continue;
      // The kernel's may_goto: fall through while the frame's loop count lasts, then jump.
      case Op.may_goto:
        if (mayGoto[depth] === 0) pc = code[i + 3]!;
        else {
          mayGoto[depth]!--;
          pc++;
        }
        continue;

      // ---- calls and exit: r6-r9 and the frame pointer survive a bpf-to-bpf call
      case Op.call_helper:
      case Op.callx: {
        // callx: the register holds a helper id, as the conformance suite's callx case has it.
        const id = (w & 255) === Op.call_helper ? code[i + 2]! : lo[d]!;
        if ((w & 255) === Op.callx && (hi[d] !== 0 || id < 0)) throw m.fault(pc, `r${d} holds no helper id`);
        m.budget = budget;
        m.depth = depth;
        m.callHelper(id, pc);
        budget = m.budget;
        if (m.tailPending) return Stop.tailCall;
        pc++;
        continue;
      }
      case Op.call_local: {
        if (depth + 1 >= maxFrames) throw m.fault(pc, `calls nest deeper than ${maxFrames} frames (the kernel's MAX_CALL_FRAMES)`);
        const at = depth * 10;
        for (let r = 0; r < 5; r++) {
          saved[at + r] = lo[6 + r]!;
          saved[at + 5 + r] = hi[6 + r]!;
        }
        returnPc[depth] = pc + 1;
        depth++;
        const stack = stacks[depth]!;
        stack.bytes.fill(0);
        lo[10] = stack.size;
        hi[10] = stack.slot;
        mayGoto[depth] = MAY_GOTO_LOOPS;
        pc = code[i + 3]!;
        continue;
      }
      case Op.exit: {
        if (depth === base) {
          m.budget = budget;
          return Stop.exit;
        }
        depth--;
        const at = depth * 10;
        for (let r = 0; r < 5; r++) {
          lo[6 + r] = saved[at + r]!;
          hi[6 + r] = saved[at + 5 + r]!;
        }
        pc = returnPc[depth]!;
        continue;
      }

      case Op.lddw: lo[d] = code[i + 2]!; hi[d] = code[i + 6]!; pc += 2; continue;

      // ---- loads zero-extend (ldxs* sign-extend), stores of an immediate store its low bytes
      case Op.ldxb: case Op.load_acquire_b: { const a = ea(regions, hi[s]!, lo[s]!, code[i + 1]!, 1, false, acc); if (a < 0) throw m.memoryFault(pc, hi[s]!, lo[s]!, code[i + 1]!, 1, false); lo[d] = acc.view.getUint8(a); hi[d] = 0; pc++; continue; }
      case Op.ldxh: case Op.load_acquire_h: { const a = ea(regions, hi[s]!, lo[s]!, code[i + 1]!, 2, false, acc); if (a < 0) throw m.memoryFault(pc, hi[s]!, lo[s]!, code[i + 1]!, 2, false); lo[d] = acc.view.getUint16(a, le); hi[d] = 0; pc++; continue; }
      case Op.ldxw: case Op.load_acquire_w: { const a = ea(regions, hi[s]!, lo[s]!, code[i + 1]!, 4, false, acc); if (a < 0) throw m.memoryFault(pc, hi[s]!, lo[s]!, code[i + 1]!, 4, false); lo[d] = acc.view.getInt32(a, le); hi[d] = 0; pc++; continue; }
      case Op.ldxdw: case Op.load_acquire_dw: { const a = ea(regions, hi[s]!, lo[s]!, code[i + 1]!, 8, false, acc); if (a < 0) throw m.memoryFault(pc, hi[s]!, lo[s]!, code[i + 1]!, 8, false); lo[d] = acc.view.getInt32(a + L, le); hi[d] = acc.view.getInt32(a + H, le); pc++; continue; }
      case Op.ldxsb: { const a = ea(regions, hi[s]!, lo[s]!, code[i + 1]!, 1, false, acc); if (a < 0) throw m.memoryFault(pc, hi[s]!, lo[s]!, code[i + 1]!, 1, false); lo[d] = acc.view.getInt8(a); hi[d] = lo[d]! >> 31; pc++; continue; }
      case Op.ldxsh: { const a = ea(regions, hi[s]!, lo[s]!, code[i + 1]!, 2, false, acc); if (a < 0) throw m.memoryFault(pc, hi[s]!, lo[s]!, code[i + 1]!, 2, false); lo[d] = acc.view.getInt16(a, le); hi[d] = lo[d]! >> 31; pc++; continue; }
      case Op.ldxsw: { const a = ea(regions, hi[s]!, lo[s]!, code[i + 1]!, 4, false, acc); if (a < 0) throw m.memoryFault(pc, hi[s]!, lo[s]!, code[i + 1]!, 4, false); lo[d] = acc.view.getInt32(a, le); hi[d] = lo[d]! >> 31; pc++; continue; }
      case Op.stb: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 1, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 1, true); acc.view.setInt8(a, code[i + 2]!); pc++; continue; }
      case Op.sth: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 2, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 2, true); acc.view.setInt16(a, code[i + 2]!, le); pc++; continue; }
      case Op.stw: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 4, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 4, true); acc.view.setInt32(a, code[i + 2]!, le); pc++; continue; }
      case Op.stdw: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 8, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 8, true); acc.view.setInt32(a + L, code[i + 2]!, le); acc.view.setInt32(a + H, code[i + 2]! >> 31, le); pc++; continue; }
      case Op.stxb: case Op.store_release_b: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 1, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 1, true); acc.view.setInt8(a, lo[s]!); pc++; continue; }
      case Op.stxh: case Op.store_release_h: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 2, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 2, true); acc.view.setInt16(a, lo[s]!, le); pc++; continue; }
      case Op.stxw: case Op.store_release_w: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 4, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 4, true); acc.view.setInt32(a, lo[s]!, le); pc++; continue; }
      case Op.stxdw: case Op.store_release_dw: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 8, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 8, true); acc.view.setInt32(a + L, lo[s]!, le); acc.view.setInt32(a + H, hi[s]!, le); pc++; continue; }

      // ---- atomics: the fetch forms (and xchg) put the old value in src, cmpxchg in r0
      case Op.lock_add_w: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 4, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 4, true); atomic32(Atomic.add, false, acc.view, a, le, lo, hi, s); pc++; continue; }
      case Op.atomic_fetch_add_w: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 4, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 4, true); atomic32(Atomic.add, true, acc.view, a, le, lo, hi, s); pc++; continue; }
      case Op.lock_or_w: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 4, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 4, true); atomic32(Atomic.or, false, acc.view, a, le, lo, hi, s); pc++; continue; }
      case Op.atomic_fetch_or_w: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 4, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 4, true); atomic32(Atomic.or, true, acc.view, a, le, lo, hi, s); pc++; continue; }
      case Op.lock_and_w: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 4, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 4, true); atomic32(Atomic.and, false, acc.view, a, le, lo, hi, s); pc++; continue; }
      case Op.atomic_fetch_and_w: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 4, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 4, true); atomic32(Atomic.and, true, acc.view, a, le, lo, hi, s); pc++; continue; }
      case Op.lock_xor_w: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 4, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 4, true); atomic32(Atomic.xor, false, acc.view, a, le, lo, hi, s); pc++; continue; }
      case Op.atomic_fetch_xor_w: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 4, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 4, true); atomic32(Atomic.xor, true, acc.view, a, le, lo, hi, s); pc++; continue; }
      case Op.atomic_xchg_w: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 4, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 4, true); atomic32(Atomic.xchg, true, acc.view, a, le, lo, hi, s); pc++; continue; }
      case Op.atomic_cmpxchg_w: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 4, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 4, true); atomic32(Atomic.cmpxchg, true, acc.view, a, le, lo, hi, s); pc++; continue; }
      case Op.lock_add_dw: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 8, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 8, true); atomic64(Atomic.add, false, acc.view, a + L, a + H, le, lo, hi, s); pc++; continue; }
      case Op.atomic_fetch_add_dw: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 8, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 8, true); atomic64(Atomic.add, true, acc.view, a + L, a + H, le, lo, hi, s); pc++; continue; }
      case Op.lock_or_dw: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 8, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 8, true); atomic64(Atomic.or, false, acc.view, a + L, a + H, le, lo, hi, s); pc++; continue; }
      case Op.atomic_fetch_or_dw: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 8, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 8, true); atomic64(Atomic.or, true, acc.view, a + L, a + H, le, lo, hi, s); pc++; continue; }
      case Op.lock_and_dw: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 8, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 8, true); atomic64(Atomic.and, false, acc.view, a + L, a + H, le, lo, hi, s); pc++; continue; }
      case Op.atomic_fetch_and_dw: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 8, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 8, true); atomic64(Atomic.and, true, acc.view, a + L, a + H, le, lo, hi, s); pc++; continue; }
      case Op.lock_xor_dw: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 8, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 8, true); atomic64(Atomic.xor, false, acc.view, a + L, a + H, le, lo, hi, s); pc++; continue; }
      case Op.atomic_fetch_xor_dw: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 8, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 8, true); atomic64(Atomic.xor, true, acc.view, a + L, a + H, le, lo, hi, s); pc++; continue; }
      case Op.atomic_xchg_dw: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 8, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 8, true); atomic64(Atomic.xchg, true, acc.view, a + L, a + H, le, lo, hi, s); pc++; continue; }
      case Op.atomic_cmpxchg_dw: { const a = ea(regions, hi[d]!, lo[d]!, code[i + 1]!, 8, true, acc); if (a < 0) throw m.memoryFault(pc, hi[d]!, lo[d]!, code[i + 1]!, 8, true); atomic64(Atomic.cmpxchg, true, acc.view, a + L, a + H, le, lo, hi, s); pc++; continue; }
      case Op.nospec: pc++; continue;
      default:
        throw m.fault(pc, p.faults.get(pc) ?? `op ${w & 255} has no case in the interpreter`);
    }
  }
};
