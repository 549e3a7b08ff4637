import { describe, expect, it } from 'vitest';
import { decodeInsns } from '../../src/isa/decode.js';
import { Vm, type EngineName, type Helper, type RunResult } from '../../src/vm/vm.js';
import { skipReason } from '../helpers/env.js';
import { conformanceCases, conformanceMissing, hexBytes, type ConformanceCase } from './conformance-cases.js';

/**
 * Every case of the public BPF conformance suite, run as the suite's runner drives a
 * runtime: r1 = the address of the case's memory (0 when it has none), r2 = its length,
 * and r0 compared with the expected result.
 */

/**
 * The runner's helper 5 (uBPF's `unwind` test helper): returns its argument. The one
 * case that calls it (`call_unwind_fail`, directly and through callx) passes -1 and
 * expects the program to go on.
 */
const HELPERS: ReadonlyMap<number, Helper> = new Map([[5, (regs) => regs.get(1)]]);

const ENGINES: readonly EngineName[] = ['interpreter', 'jit'];

function runCase(c: ConformanceCase, engine: EngineName, budget?: number): RunResult {
  const vm = new Vm(decodeInsns(hexBytes(c.program), true), { helpers: HELPERS, program: c.name, engine, ...(budget === undefined ? {} : { budget }) });
  const memory = hexBytes(c.memory);
  const address = memory.length > 0 ? vm.map('input', memory) : 0n;
  return vm.run([address, BigInt(memory.length)]);
}

/** A run's result and count, or its fault. */
function outcome(c: ConformanceCase, engine: EngineName, budget?: number): string {
  try {
    const { r0, executed } = runCase(c, engine, budget);
    return `r0 0x${r0.toString(16)}, ${executed} executed`;
  } catch (e) {
    return (e as Error).message;
  }
}

describe.each(ENGINES)('the conformance suite on the %s engine', (engine) => {
  it('gives every case its expected r0', (ctx) => {
    if (skipReason(conformanceMissing(), 'conformance on the VM')) return ctx.skip();
    const failures: string[] = [];
    const cases = conformanceCases();
    for (const c of cases) {
      const expected = BigInt.asUintN(64, BigInt(c.result));
      try {
        const { r0 } = runCase(c, engine);
        if (r0 !== expected) failures.push(`${c.name}: r0 0x${r0.toString(16)}, expected 0x${expected.toString(16)}`);
      } catch (e) {
        failures.push(`${c.name}: ${(e as Error).message}`);
      }
    }
    if (failures.length > 0) console.log(failures.join('\n'));
    console.log(`conformance (${engine}): ${cases.length - failures.length} passed, ${failures.length} failed`);
    expect(cases.length).toBe(313);
    expect(failures).toEqual([]);
  });
});

describe('the conformance suite on both engines', () => {
  it('gives the same counts, and the same faults where a smaller budget stops a case', (ctx) => {
    if (skipReason(conformanceMissing(), 'conformance on the VM')) return ctx.skip();
    let compared = 0;
    for (const c of conformanceCases()) {
      const full = outcome(c, 'interpreter');
      expect(outcome(c, 'jit'), c.name).toBe(full);
      const executed = Number(/, (\d+) executed$/.exec(full)?.[1] ?? 0);
      for (const budget of new Set([0, executed >> 1, executed - 1])) {
        if (budget < 0) continue;
        expect(outcome(c, 'jit', budget), `${c.name} with a budget of ${budget}`).toBe(outcome(c, 'interpreter', budget));
        compared++;
      }
    }
    console.log(`conformance: ${compared} shortened runs agree`);
  });
});
