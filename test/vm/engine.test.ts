import { describe, expect, it } from 'vitest';
import { VmFault } from '../../src/errors.js';
import { assemble } from '../../src/isa/asm.js';
import type { Insn } from '../../src/isa/insn.js';
import { decodeProgram } from '../../src/vm/engine/program.js';
import { INTERPRETER_DISPATCH } from '../../src/vm/interpreter/dispatch.js';
import { compileProgram } from '../../src/vm/jit/compile.js';
import { AddressSpace, COMPILE_AFTER, MAX_CALL_FRAMES, Registers, Vm, type EngineName, type Helper, type RunResult, type VmOptions } from '../../src/vm/vm.js';

/**
 * What the runtime builds on: one address space for several programs, tail calls,
 * callbacks (ld_imm64 of a function, called from a helper) and the engine choice. Every
 * case runs on both engines; the executed counts are counted by hand from the programs.
 */

const ENGINES: readonly EngineName[] = ['interpreter', 'jit'];

/** Assembles, then turns the `lddw dst, 0` at pc into a callback address of the function at target. */
function withCallback(source: string, pc: number, target: number): Insn[] {
  const insns = assemble(source);
  insns[pc] = { ...insns[pc]!, src: 4, imm: target - pc - 1 };
  return insns;
}

/** bpf_loop as the kernel has it: calls the callback (r2) r1 times with (i, r3) until it returns non-zero; returns the calls made. */
const loop: Helper = (regs, vm) => {
  const n = Number(regs.get(1));
  let i = 0;
  while (i < n) {
    const stop = vm.callFunction(regs.get(2), [BigInt(i), regs.get(3)]);
    i++;
    if (stop !== 0n) break;
  }
  return BigInt(i);
};

describe.each(ENGINES)('engine %s', (engine) => {
  const options = (more: VmOptions = {}): VmOptions => ({ engine, ...more });

  it('says which engine it is', () => {
    expect(new Vm(assemble('exit'), options()).engine).toBe(engine);
  });

  describe('callbacks', () => {
    // 0-6: counter at r10-8, r6 = 7, bpf_loop(5, cb, r10-8); 7-9: r0 = counter + r6.
    const source = [
      'stdw [%r10-8], 0', 'mov %r6, 7', 'mov %r1, 5', 'lddw %r2, 0', 'mov %r3, %r10', 'add %r3, -8', 'call 181',
      'ldxdw %r0, [%r10-8]', 'add %r0, %r6', 'exit',
      // 11: the callback adds its index to the counter and clobbers r6, which is its own.
      'ldxdw %r4, [%r2]', 'add %r4, %r1', 'stxdw [%r2], %r4', 'mov %r6, 1000', 'mov %r0, 0', 'exit',
    ].join('\n');

    it('calls the function an ld_imm64 src 4 points to, with the arguments given, in its own frame', () => {
      const vm = new Vm(withCallback(source, 3, 11), options({ helpers: { 181: loop } }));
      // 10 main instructions (the lddw counting once) and 5 calls of 6.
      expect(vm.run()).toEqual({ r0: 0n + 1n + 2n + 3n + 4n + 7n, executed: 10 + 5 * 6 });
    });

    it('stops calling when the callback returns non-zero, and gives the address functionAddress gives', () => {
      const stopAt2 = source.replace('mov %r0, 0\nexit', 'mov %r0, %r1\njge %r0, 2, +1\nmov %r0, 0\nexit');
      let seen = 0n;
      const vm = new Vm(withCallback(stopAt2, 3, 11), options({ helpers: { 181: (regs, v) => ((seen = regs.get(2)), loop(regs, v)) } }));
      expect(vm.run().r0).toBe(0n + 1n + 2n + 7n);
      expect(seen).toBe(vm.functionAddress(11));
    });

    it('shares the budget with the run', () => {
      const vm = new Vm(withCallback(source, 3, 11), options({ helpers: { 181: loop }, budget: 25 }));
      expect(() => vm.run()).toThrow(/^insn 1[1-6]: .*: the instruction budget of 25 is spent/);
    });

    it('counts the callback frames against the frame limit', () => {
      // The callback calls bpf_loop again, each frame one deeper, until the limit.
      const recurse = ['mov %r1, 1', 'lddw %r2, 0', 'mov %r3, 0', 'call 181', 'exit'].join('\n');
      const vm = new Vm(withCallback(recurse, 1, 0), options({ helpers: { 181: loop } }));
      expect(() => vm.run()).toThrow(`insn 4: (85) call bpf_loop#181: the callback would nest calls deeper than ${MAX_CALL_FRAMES} frames (the kernel's MAX_CALL_FRAMES)`);
    });

    it('refuses an address that is not one of its functions', () => {
      const vm = new Vm(assemble('lddw %r2, 0x100000000\nmov %r1, 1\ncall 181\nexit'), options({ helpers: { 181: loop } }));
      expect(() => vm.run()).toThrow('insn 3: (85) call bpf_loop#181: 0x100000000 is not the address of a function of the program');
    });

    it('faults a load through a callback address', () => {
      const vm = new Vm(withCallback('lddw %r1, 0\nldxb %r0, [%r1]\nexit\nmov %r0, 0\nexit', 0, 4), options({ program: 'p' }));
      expect(() => vm.run()).toThrow(/^program p: insn 2: \(71\) r0 = \*\(u8 \*\)\(r1 \+0\): read of 1 byte at 0x\w+ is outside code of p \(0 bytes/);
    });

    it('needs a running program', () => {
      const vm = new Vm(withCallback('lddw %r1, 0\nexit\nexit', 0, 3), options());
      expect(() => vm.callFunction(vm.functionAddress(3), [])).toThrow('callFunction is for helpers of a running program');
    });
  });

  describe('tail calls', () => {
    const TAIL = 12;
    /** Programs by index, as a prog_array would hold them; the helper tail-calls r2 and returns -1 when it cannot. */
    function programs(sources: readonly string[], engines: readonly EngineName[] = [engine]): Vm[] {
      const memory = new AddressSpace();
      const vms: Vm[] = [];
      const tail: Helper = (regs, vm) => (vm.tailCall(vms[Number(regs.get(2))]!) ? 0n : -1n);
      sources.forEach((s, i) => vms.push(new Vm(assemble(s), { engine: engines[i % engines.length]!, memory, helpers: { [TAIL]: tail }, program: `p${i}` })));
      return vms;
    }

    it('continue in the target with r1 as it was and end at its exit', () => {
      const [a] = programs(['mov %r6, 5\nmov %r2, 1\ncall 12\nmov %r0, 99\nexit', 'ldxb %r0, [%r1]\nadd %r0, 1\nexit']);
      const input = a!.map('input', Uint8Array.of(41));
      expect(a!.run([input])).toEqual({ r0: 42n, executed: 3 + 3 });
    });

    it('stop at the kernel limit of 33, after which the call returns and the program goes on', () => {
      // Each pass counts itself in the input's first byte and tail-calls itself.
      const [a] = programs(['ldxb %r3, [%r1]\nadd %r3, 1\nstxb [%r1], %r3\nmov %r2, 0\ncall 12\nexit']);
      const input = Uint8Array.of(0);
      expect(a!.run([a!.map('input', input)])).toEqual({ r0: BigInt.asUintN(64, -1n), executed: 33 * 5 + 6 });
      expect(input[0]).toBe(34);
      input[0] = 0;
      a!.run([a!.map('again', input)]);
      expect(input[0]).toBe(34);
    });

    it('from a subprogram return to its caller, whose r6-r9 are restored', () => {
      const [a] = programs(['mov %r6, 3\ncall local f\nadd %r0, %r6\nexit\nf:\nmov %r6, 50\nmov %r2, 1\ncall 12\nmov %r0, 99\nexit', 'mov %r6, 9\nmov %r0, 1000\nexit']);
      expect(a!.run()).toEqual({ r0: 1003n, executed: 2 + 3 + 3 + 2 });
    });

    it('mix engines and programs: the state of the run moves with it', () => {
      const sources = ['mov %r2, 1\ncall 12\nexit', 'mov %r6, 3\ncall local f\nadd %r0, %r6\nexit\nf:\nmov %r2, 2\ncall 12\nexit', 'mov %r0, 4\nexit'];
      const [a] = programs(sources, ['interpreter', 'jit']);
      expect(a!.run()).toEqual({ r0: 7n, executed: 2 + 2 + 2 + 2 + 2 });
    });

    it('fault with the target named in a fault of the target', () => {
      const [a] = programs(['mov %r2, 1\ncall 12\nexit', 'ldxb %r0, [%r1]\nexit']);
      const e = (() => {
        try {
          a!.run();
        } catch (err) {
          return err as VmFault;
        }
        throw new Error('ran to its end');
      })();
      expect(e.message).toBe('program p1: insn 0: (71) r0 = *(u8 *)(r1 +0): read of 1 byte at 0x0: NULL pointer (nothing is mapped at 0x0-0xfff)');
      expect(e.context).toEqual({ pc: 0, program: 'p1' });
    });
  });

  it('several VMs share one address space', () => {
    const memory = new AddressSpace();
    const a = new Vm(assemble('ldxw %r0, [%r1]\nadd %r0, 1\nstxw [%r1], %r0\nexit'), options({ memory }));
    const b = new Vm(assemble('ldxw %r0, [%r1]\nmul %r0, 10\nexit'), options({ memory }));
    const counter = memory.map('counter', new Uint8Array(4));
    a.run([counter]);
    a.run([counter]);
    expect(b.run([counter]).r0).toBe(20n);
    expect(a.memory).toBe(memory);
  });

  it('does not let a helper move the frame pointer', () => {
    const vm = new Vm(assemble('call 1\nexit'), options({ helpers: { 1: (regs) => (regs.set(10, 0), 0n) } }));
    expect(() => vm.run()).toThrow('r10 is the frame pointer of the running program: a helper may not set it');
  });
});

/** What a run comes to: its result, or where and why it stopped, and the registers it left. */
function outcome(vm: Vm, run: (vm: Vm) => RunResult = (v) => v.run()): string {
  let end: string;
  try {
    const { r0, executed } = run(vm);
    end = `r0 ${r0}, ${executed} executed`;
  } catch (e) {
    if (!(e instanceof VmFault)) throw e;
    end = `fault at ${e.context.pc}: ${e.message}`;
  }
  return `${end}; registers ${Array.from({ length: 11 }, (_, r) => vm.registers.get(r).toString(16)).join(' ')}`;
}

describe('the engines agree', () => {
  // A byte loop with stack traffic, a subprogram, a helper, a callback and may_goto: every
  // kind of block end, each budget stopping the run somewhere else.
  const source = [
    'mov %r6, %r1', 'mov %r7, 0', 'mov %r8, 0', 'stdw [%r10-8], 0',
    // 4: the loop over 12 bytes
    'mov %r2, %r6', 'add %r2, %r7', 'ldxb %r3, [%r2]', 'ldxdw %r4, [%r10-8]', 'xor %r4, %r3', 'mul %r4, 31', 'stxdw [%r10-8], %r4',
    'add %r7, 1', 'jlt %r7, 12, -9',
    // 13: a call, a helper, bpf_loop with the callback at 27, may_goto
    'mov %r1, %r4', 'call local f', 'mov %r8, %r0', 'call 7', 'add %r8, %r0', 'mov %r1, 3', 'lddw %r2, 0', 'mov %r3, 0', 'call 181', 'add %r8, %r0',
    'may_goto +1', 'add %r8, 1', 'mov %r0, %r8', 'exit',
    // 27: the callback; 29: f
    'mov %r0, 0', 'exit',
    'f:', 'mov %r0, %r1', 'rsh %r0, 3', 'exit',
  ].join('\n');
  const insns = withCallback(source, 19, 27);
  const helpers = { 7: () => 5n, 181: loop };
  const input = Uint8Array.from({ length: 12 }, (_, i) => i * 37);
  const run = (engine: EngineName, budget?: number) =>
    outcome(new Vm(insns, { engine, helpers, ...(budget === undefined ? {} : { budget }) }), (vm) => vm.run([vm.map('input', input)]));

  it('on results, executed counts and faults at every budget', () => {
    const full = run('interpreter');
    expect(full).toMatch(/^r0 \d+, \d+ executed; /);
    expect(run('jit')).toBe(full);
    const executed = Number(/(\d+) executed/.exec(full)![1]);
    for (let budget = 0; budget <= executed + 1; budget++) expect(run('jit', budget), `budget ${budget}`).toBe(run('interpreter', budget));
  });
});

describe('after a fault', () => {
  it('the registers are as the interpreter leaves them: as before the faulting instruction', () => {
    const faults = [
      'mov %r3, 5\nlddw %r4, 0x1234567890\nadd %r4, %r3\nldxw %r0, [%r3+2]\nexit',
      'mov %r6, 1\nstdw [%r10-8], 7\nldxdw %r7, [%r10-8]\nmov %r1, 0\nstxb [%r1+0], %r7\nexit',
      'mov %r1, 9\ncall 1\nexit',
    ];
    const helpers = { 1: (regs: Registers) => (regs.set(2, 77), regs.set(0, 3), vmFault()) };
    for (const source of faults) {
      const [interpreted, compiled] = ENGINES.map((engine) => outcome(new Vm(assemble(source), { engine, helpers })));
      expect(interpreted).toMatch(/^fault at/);
      expect(compiled, source).toBe(interpreted);
    }
  });
});

function vmFault(): never {
  throw new VmFault('the helper refuses');
}

describe('big-endian programs on the stack', () => {
  it('store and load in the byte order of the program on both engines', () => {
    // The 8 bytes of r1 go to the stack big-endian: the word at -8 is the upper half, the half at -6 its lower half, the byte at -1 the lowest.
    const source = 'lddw %r1, 0x1122334455667788\nstxdw [%r10-8], %r1\nldxw %r0, [%r10-8]\nldxb %r2, [%r10-1]\nlsh %r0, 8\nor %r0, %r2\nldxh %r3, [%r10-6]\nlsh %r0, 16\nor %r0, %r3\nexit';
    for (const engine of ENGINES) expect(new Vm(assemble(source), { engine, littleEndian: false }).run().r0, engine).toBe(0x1122334488_3344n);
  });
});

describe('auto', () => {
  it('interprets a program until it has run COMPILE_AFTER instructions per instruction, then compiles it', () => {
    // 6 instructions, counted as 64: 2 + 3 * 1000 + 1 executed per run.
    const vm = new Vm(assemble('mov %r0, 0\nmov %r1, 0\nloop:\nadd %r0, %r1\nadd %r1, 1\njlt %r1, 1000, loop\nexit'));
    expect(vm.engine).toBe('auto');
    expect(vm.runsOn).toBe('interpreter');
    const first = vm.run();
    expect(first).toEqual({ r0: 499500n, executed: 3003 });
    let runs = 1;
    while (vm.runsOn === 'interpreter') {
      expect(vm.run()).toEqual(first);
      runs++;
    }
    expect(runs).toBe(Math.ceil((64 * COMPILE_AFTER) / 3003));
    expect(vm.run()).toEqual(first);
  });
});

describe('programs larger than one compiled function', () => {
  // 40 rounds of a loop whose body (about 700 instructions) spans several compiled
  // functions, calling a subprogram placed after it each round.
  const body = Array.from({ length: 700 }, (_, i) => [`add %r0, ${i}`, 'xor %r0, %r7', `stxdw [%r10-${8 + 8 * (i % 60)}], %r0`, `ldxdw %r7, [%r10-${8 + 8 * ((i + 5) % 60)}]`, 'mul %r0, 3'][i % 5]);
  const source = ['mov %r0, 1', 'mov %r6, 0', 'mov %r7, 0', 'loop:', ...body, 'mov %r1, %r0', 'call local f', 'add %r0, %r6', 'add %r6, 1', 'jlt %r6, 40, loop', 'exit', 'f:', 'mov %r0, %r1', 'rsh %r0, 1', 'exit'].join('\n');
  const insns = assemble(source);
  const run = (engine: EngineName, budget?: number) =>
    outcome(new Vm(insns, { engine, ...(budget === undefined ? {} : { budget }) }));

  it('run as the interpreter runs them, at every budget cut', () => {
    const full = run('interpreter');
    expect(run('jit')).toBe(full);
    const executed = Number(/(\d+) executed/.exec(full)![1]);
    expect(executed).toBeGreaterThan(40 * 700);
    for (let budget = 0; budget < executed; budget += 997) expect(run('jit', budget), `budget ${budget}`).toBe(run('interpreter', budget));
  });
});

describe('Registers', () => {
  it('take numbers and bigints modulo 2^64 and give them back unsigned', () => {
    const vm = new Vm(assemble('exit'));
    const cases: [bigint | number, bigint][] = [
      [0, 0n], [1, 1n], [-1, 2n ** 64n - 1n], [2 ** 32, 2n ** 32n], [-(2 ** 32), 2n ** 64n - 2n ** 32n], [Number.MAX_SAFE_INTEGER, 2n ** 53n - 1n],
      [2 ** 60, 2n ** 60n], [-5n, 2n ** 64n - 5n], [2n ** 64n + 7n, 7n], [2n ** 63n, 2n ** 63n], [-(2n ** 63n), 2n ** 63n], [0xffffffffn, 0xffffffffn],
    ];
    for (const [value, expected] of cases) {
      vm.registers.set(3, value);
      expect(vm.registers.get(3), String(value)).toBe(expected);
      expect(vm.registers.getSigned(3), String(value)).toBe(BigInt.asIntN(64, expected));
    }
    expect(() => vm.registers.set(3, 1.5)).toThrow(RangeError);
    expect(() => vm.registers.get(11)).toThrow('r11 is not a register');
    expect(() => vm.registers.get(0.5)).toThrow('r0.5 is not a register');
  });
});

describe('the compiled-engine cache', () => {
  it('gives Vms of the same program one compiled function, and a different program its own', () => {
    const options = { littleEndian: true, stackSize: 512, maxFrames: 8 };
    const decoded = (source = 'ldxdw %r0, [%r10-8]\nexit') => decodeProgram(assemble(source), 'object', INTERPRETER_DISPATCH);
    expect(compileProgram(decoded(), options)).toBe(compileProgram(decoded(), options));
    // The stack slot's offset from the frame's start depends on the stack size.
    expect(compileProgram(decoded(), { ...options, stackSize: 256 })).not.toBe(compileProgram(decoded(), options));
    expect(compileProgram(decoded('ldxdw %r0, [%r10-16]\nexit'), options)).not.toBe(compileProgram(decoded(), options));
  });
});
