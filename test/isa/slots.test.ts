import { describe, expect, it } from 'vitest';
import { callHelper, callLocal, exit, insnNamed, ja, jmpImm, ldImm64, movImm } from '../../src/isa/build.js';
import type { Insn } from '../../src/isa/insn.js';
import {
  callbackTarget,
  callKind,
  forEachInsn,
  insnStarts,
  isSecondSlot,
  jumpTarget,
  lastInsnIn,
  localCallTarget,
  secondSlots,
  slotCount,
} from '../../src/isa/slots.js';

/** 0: r1 = 1 ll (two slots), 2: if r1 == 0 goto +2, 3: call 5, 4: call pc+2, 5: r2 = callback at 8 (two slots), 7: exit, 8: gotol +0, 9: exit. */
const PROGRAM: Insn[] = [
  ...ldImm64(1, 1n),
  jmpImm(64, 'jeq', 1, 0, 2),
  callHelper(5),
  callLocal(2),
  ...ldImm64(2, 1n, 4),
  exit(),
  insnNamed('gotol', { imm: 0 }),
  exit(),
];

describe('the instruction walk', () => {
  it('steps over the second slot of each ld_imm64', () => {
    expect(insnStarts(PROGRAM)).toEqual([0, 2, 3, 4, 5, 7, 8, 9]);
    expect([...secondSlots(PROGRAM)]).toEqual([1, 6]);
    expect(PROGRAM.map(slotCount)).toEqual([2, 1, 1, 1, 1, 2, 1, 1, 1, 1]);
    expect(isSecondSlot(PROGRAM[1]!)).toBe(true);
    expect(isSecondSlot(PROGRAM[2]!)).toBe(false);
    expect(lastInsnIn(PROGRAM, 0, 7)).toBe(5);
  });

  it('walks a range with each instruction’s row', () => {
    const seen: string[] = [];
    forEachInsn(PROGRAM, (_insn, pc, row) => seen.push(`${pc}:${row?.name}`), 2, 7);
    expect(seen).toEqual(['2:jeq_imm', '3:call_helper', '4:call_local', '5:lddw_func']);
  });

  it('follows jumps, calls and callback references', () => {
    expect(PROGRAM.map((insn, pc) => jumpTarget(insn, pc))).toEqual([undefined, undefined, 5, undefined, undefined, undefined, undefined, undefined, 9, undefined]);
    expect(localCallTarget(PROGRAM[4]!, 4, 'object')).toBe(7);
    expect(localCallTarget({ ...PROGRAM[4]!, off: 4, imm: 1 }, 4, 'xlated')).toBe(9);
    expect(localCallTarget(PROGRAM[3]!, 3, 'object')).toBeUndefined();
    expect(callbackTarget(PROGRAM[5]!, 5)).toBe(7);
    expect(callbackTarget(PROGRAM[0]!, 0)).toBeUndefined();
    expect(PROGRAM.map(callKind).filter((k) => k !== undefined)).toEqual(['helper', 'local']);
  });

  it('reads gotol’s offset from off in bpftool 7.1’s dialect, which predates it', () => {
    const gotol = { ...insnNamed('gotol', { imm: 3 }), off: -1 };
    expect(jumpTarget(gotol, 10)).toBe(14);
    expect(jumpTarget(gotol, 10, 'bpftool-7.1')).toBe(10);
    expect(jumpTarget(ja(-2), 10)).toBe(9);
    expect(jumpTarget(movImm(64, 0, 0), 10)).toBeUndefined();
  });
});
