import { VmFault } from '../../errors.js';
import { E2BIG, EINVAL } from '../../errno.js';
import { u32Bytes } from '../maps/bytes.js';
import { mapFamily } from '../maps/create.js';
import { isSlotMap } from '../maps/slots.js';
import type { RuntimeHelper } from './env.js';
import { errno, u32 } from './memory.js';

/** BPF_MAX_LOOPS: bpf_loop runs a callback at most 2^23 times. */
const BPF_MAX_LOOPS = 2 ** 23;

/**
 * bpf_tail_call(ctx, prog_array, index): continues in the program in the slot, in
 * place of this one, once the helper returns. An index past the end, an empty slot, a
 * program this runtime does not hold, or a run that has made its 33 tail calls leave
 * the program to go on after the call, as the kernel does; r0 is left as it was.
 */
export const tailCall: RuntimeHelper = {
  name: 'bpf_tail_call',
  call(regs, vm, env) {
    const map = env.mapMemory.requireMap(regs.get(2), this.name);
    if (!isSlotMap(map) || map.slotKind !== 'program') throw new VmFault(`${this.name} needs a prog_array map, not ${map.typeName}`);
    const id = map.slot(u32Bytes(u32(regs.get(3)), env.littleEndian));
    const target = id === undefined ? undefined : env.tailCallTarget(vm, id);
    if (target) vm.tailCall(target);
    return regs.get(0);
  },
};

/**
 * bpf_loop(nr_loops, callback, ctx, flags): calls callback(i, ctx) for i from 0 until
 * nr_loops or until it returns nonzero; returns the number of calls made. The kernel
 * inlines calls whose flags are 0, and the inlined loop returns -E2BIG as a 32-bit
 * value (0xfffffff9), so that is what too many loops give here.
 */
export const loop: RuntimeHelper = {
  name: 'bpf_loop',
  call(regs, vm) {
    if (regs.get(4) !== 0n) return errno(-EINVAL);
    const n = u32(regs.get(1));
    if (n > BPF_MAX_LOOPS) return BigInt.asUintN(32, BigInt(-E2BIG));
    const callback = regs.get(2);
    const ctx = regs.get(3);
    for (let i = 0; i < n; i++) {
      if (vm.callFunction(callback, [BigInt(i), ctx]) !== 0n) return BigInt(i + 1);
    }
    return BigInt(n);
  },
};

/**
 * bpf_for_each_map_elem(map, callback, ctx, flags): callback(map, &key, &value, ctx) for
 * each element in the kernel's order (this CPU's value of per-CPU maps) until it returns
 * nonzero; returns the number of calls. The key is a read-only copy, as the kernel's is
 * read-only to the callback; the callback may delete the element it is given.
 */
export const forEachMapElem: RuntimeHelper = {
  name: 'bpf_for_each_map_elem',
  call(regs, vm, env) {
    const handle = regs.get(1);
    const map = env.mapMemory.requireMap(handle, this.name);
    // The types with map_for_each_callback: their family names the kernel's walk.
    if (mapFamily(map.type)?.kernelOps?.(map).for_each_map_elem === undefined) throw new VmFault(`${this.name} cannot walk ${map.typeName} maps (the verifier refuses it)`);
    if (regs.get(4) !== 0n) return errno(-EINVAL);
    const callback = regs.get(2);
    const ctx = regs.get(3);
    const key = new Uint8Array(map.keySize);
    const keyAddress = env.memory.map(`key of ${map.name || 'map'} for bpf_for_each_map_elem`, key, 'r');
    let calls = 0;
    try {
      for (const entry of map.entries()) {
        const value = Array.isArray(entry.value) ? entry.value[env.cpu]! : entry.value;
        key.set(entry.key);
        calls++;
        if (vm.callFunction(callback, [handle, keyAddress, env.mapMemory.pointer(map, value, env.cpu), ctx]) !== 0n) break;
      }
    } finally {
      env.memory.unmap(keyAddress);
    }
    return BigInt(calls);
  },
};
