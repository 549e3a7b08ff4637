import { VmFault } from '../../errors.js';
import { readU32 } from '../maps/bytes.js';
import type { HelperEnv, RuntimeHelper } from './env.js';

/**
 * bpf_spin_lock / bpf_spin_unlock on the 4-byte lock in a map value. Programs run one
 * at a time here, so a lock is never contended: taking a held lock could only be a
 * deadlock (the kernel's verifier refuses programs that could), and releasing a free
 * one a bug; both fault. The lock word holds 1 while held, as the kernel's does.
 */
function lockWord(env: HelperEnv, address: bigint): number {
  return readU32(env.memory.read(address, 4), true);
}

export const spinLock: RuntimeHelper = {
  name: 'bpf_spin_lock',
  call(regs, _vm, env) {
    const address = regs.get(1);
    if (lockWord(env, address) !== 0) throw new VmFault(`${this.name}: the lock at 0x${address.toString(16)} is already held (a deadlock)`);
    env.memory.write(address, Uint8Array.of(1, 0, 0, 0));
    return 0n;
  },
};

export const spinUnlock: RuntimeHelper = {
  name: 'bpf_spin_unlock',
  call(regs, _vm, env) {
    const address = regs.get(1);
    if (lockWord(env, address) === 0) throw new VmFault(`${this.name}: the lock at 0x${address.toString(16)} is not held`);
    env.memory.write(address, new Uint8Array(4));
    return 0n;
  },
};
