import { describe, expect, it } from 'vitest';
import { VmFault } from '../../src/errors.js';
import { assemble } from '../../src/isa/asm.js';
import type { Insn } from '../../src/isa/insn.js';
import { Vm, type EngineName, type VmOptions } from '../../src/vm/vm.js';

/**
 * Bad programs: each stops with a VmFault that names the instruction (pc and the
 * kernel's text of it) and what went wrong, and nothing outside the VM's memory changes.
 * Division by zero is not one of them: the ISA defines it.
 */

const ENGINES: readonly EngineName[] = ['interpreter', 'jit'];

describe.each(ENGINES)('the %s engine', (engine) => {
  const newVm = (insns: readonly Insn[], options: VmOptions = {}) => new Vm(insns, { engine, ...options });

  function fault(source: string, options: Omit<VmOptions, 'memory'> & { input?: Uint8Array; access?: 'r' | 'rw'; args?: bigint[] } = {}): VmFault {
    const vm = newVm(assemble(source), options);
    const args = options.input ? [vm.map('input', options.input, options.access), BigInt(options.input.length)] : (options.args ?? []);
    try {
      vm.run(args);
    } catch (e) {
      expect(e).toBeInstanceOf(VmFault);
      return e as VmFault;
    }
    throw new Error('the program ran to its end');
  }

  describe('memory faults', () => {
    it('stops a load past the top of the stack', () => {
      const e = fault('mov %r0, 0\nldxdw %r0, [%r10+0]\nexit');
      expect(e.context.pc).toBe(1);
      expect(e.message).toBe('insn 1: (79) r0 = *(u64 *)(r10 +0): read of 8 bytes at 0x100000200 is outside stack of frame 0 (512 bytes at 0x100000000; offset 512)');
    });

    it('stops a load below the bottom of the stack', () => {
      expect(fault('ldxdw %r0, [%r10-520]\nexit').message).toBe(
        'insn 0: (79) r0 = *(u64 *)(r10 -520): read of 8 bytes at 0xfffffff8 is 8 bytes below stack of frame 0 (512 bytes at 0x100000000)',
      );
    });

    it('stops a store one byte past the input memory, and leaves the bytes around it alone', () => {
      const backing = new Uint8Array(16).fill(0xaa);
      const memory = backing.subarray(4, 12);
      const e = fault('mov %r0, 0\nstxb [%r1+8], %r0\nexit', { input: memory });
      expect(e.message).toBe('insn 1: (73) *(u8 *)(r1 +8) = r0: write of 1 byte at 0x900000008 is outside input (8 bytes at 0x900000000; offset 8)');
      fault('mov %r0, 0\nstxdw [%r1-1], %r0\nexit', { input: memory });
      fault('mov %r0, 0\nstxw [%r1+5], %r0\nexit', { input: memory });
      expect([...backing]).toEqual(Array(16).fill(0xaa));
    });

    it('stops a NULL dereference', () => {
      expect(fault('ldxw %r0, [%r1+4]\nexit', { args: [0n] }).message).toBe(
        'insn 0: (61) r0 = *(u32 *)(r1 +4): read of 4 bytes at 0x4: NULL pointer (nothing is mapped at 0x0-0xfff)',
      );
    });

    it('stops a write to read-only memory', () => {
      expect(fault('stb [%r1], 1\nexit', { input: new Uint8Array(8), access: 'r' }).message).toBe(
        'insn 0: (72) *(u8 *)(r1 +0) = 1: write of 1 byte at 0x900000000: input is read-only',
      );
    });

    it('stops an atomic on memory out of bounds', () => {
      expect(fault('mov %r1, 1\nlock add [%r10+8], %r1\nexit').message).toMatch(/^insn 1: \(db\) lock \*\(u64 \*\)\(r10 \+8\) \+= r1: write of 8 bytes at 0x100000208 is outside/);
    });
  });

  describe('division by zero is defined, not a fault', () => {
    it.each([
      ['div %r0, %r1', 0n],
      ['div32 %r0, %r1', 0n],
      ['sdiv %r0, %r1', 0n],
      ['mod %r0, %r1', 0xffffffff00000007n],
      ['mod32 %r0, %r1', 7n],
      ['smod %r0, %r1', 0xffffffff00000007n],
      ['smod32 %r0, %r1', 7n],
    ])('%s with r1 = 0', (insn, r0) => {
      const vm = newVm(assemble(`lddw %r0, 0xffffffff00000007\nmov %r1, 0\n${insn}\nexit`));
      expect(vm.run().r0).toBe(r0);
    });
  });

  describe('control faults', () => {
    it('stops a loop that does not end when the instruction budget is spent', () => {
      const e = fault('mov %r0, 0\nloop:\nadd %r0, 1\nja loop', { budget: 10_000 });
      expect(e.message).toMatch(/^insn [12]: .*: the instruction budget of 10000 is spent \(a loop that does not end\?\)$/);
    });

    it('stops a loop with the default budget of a million instructions', () => {
      expect(fault('ja -1').message).toBe('insn 0: (05) goto pc-1: the instruction budget of 1000000 is spent (a loop that does not end?)');
    });

    it('allows 8 frames and stops the call that would make a ninth', () => {
      // r1 counts the calls still to make; each frame calls the next until r1 is 0.
      const nest = 'call local f\nexit\nf:\njeq %r1, 0, +2\nsub %r1, 1\ncall local f\nexit';
      expect(newVm(assemble(`mov %r1, 6\n${nest}`)).run().executed).toBeGreaterThan(0);
      const e = fault(`mov %r1, 7\n${nest}`);
      expect(e.context.pc).toBe(5);
      expect(e.message).toBe("insn 5: (85) call pc-3: calls nest deeper than 8 frames (the kernel's MAX_CALL_FRAMES)");
      expect(fault('f:\ncall local f\nexit').message).toMatch(/deeper than 8 frames/);
    });

    it('stops a program that runs past its last instruction', () => {
      expect(fault('mov %r0, 1').message).toBe('insn 1: ran past the last instruction (the program does not end in exit)');
    });

    it('stops at a jump out of the program, or into the middle of an lddw', () => {
      expect(fault('mov %r0, 0\njeq %r0, 0, +5\nexit').message).toBe('insn 1: (15) if r0 == 0x0 goto pc+5: jump to 7, outside the program (0-2)');
      const e = fault('ja +1\nlddw %r0, 1\nexit');
      expect(e.message).toBe('insn 2: the second slot of the lddw at 1 is not an instruction');
    });

    it('refuses what the kernel refuses: writing r10, r11, unknown opcodes', () => {
      expect(fault('mov %r10, 1\nexit').message).toBe('insn 0: (b7) r10 = 1: frame pointer r10 is read only');
      expect(fault('mov %r11, 1\nexit').message).toBe('insn 0: (b7) r11 = 1: r11 is not a register programs may use');
      const vm = newVm([{ code: 0xff, dst: 0, src: 0, off: 0, imm: 0 }]);
      expect(() => vm.run()).toThrow('insn 0: BUG_alu64_ff: unknown opcode 0xff');
    });

    it('names what it does not run: map references in raw bytecode', () => {
      const vm = newVm([{ code: 0x18, dst: 1, src: 1, off: 0, imm: 3 }, { code: 0, dst: 0, src: 0, off: 0, imm: 0 }, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }]);
      expect(() => vm.run()).toThrow('insn 0: (18) r1 = 0x3: a map reference runs once a Runtime has patched in the map (load the program, do not run its raw bytecode)');
    });
  });

  describe('helper faults', () => {
    it('names an unknown helper', () => {
      expect(fault('call 5\nexit').message).toBe('insn 0: (85) call bpf_ktime_get_ns#5: helper bpf_ktime_get_ns#5 is not available (the VM was given no helpers)');
      expect(fault('call 9999\nexit', { helpers: { 1: () => 0n, 5: () => 0n } }).message).toBe(
        'insn 0: (85) call unknown#9999: helper #9999 is not available (the VM has helpers 1, 5)',
      );
    });

    it('stops callx through a register that holds no helper id', () => {
      expect(fault('lddw %r1, 0x100000000\ncall %r1\nexit').message).toBe('insn 2: (8d) call bpf_unspec#0: r1 holds no helper id');
    });

    it('lets a helper fault the program; any other error of the helper is its own', () => {
      const e = fault('call 1\nexit', { helpers: { 1: (_r, vm) => (vm.memory.read(0n, 1), 0n) } });
      expect(e.message).toBe('insn 0: (85) call bpf_map_lookup_elem#1: read of 1 byte at 0x0: NULL pointer (nothing is mapped at 0x0-0xfff)');
      const vm = newVm(assemble('call 1\nexit'), { helpers: { 1: () => { throw new TypeError('bug in helper'); } } });
      expect(() => vm.run()).toThrow(TypeError);
    });
  });
});
