import { EFAULT, ERANGE } from '../maps/errno.js';
import type { HelperEnv, RuntimeHelper } from './env.js';
import { errno, tryRead, tryReadString, u32 } from './memory.js';

/**
 * bpf_probe_read and its _kernel/_user and _str forms: copies from any address the
 * program names, which need not be one the verifier knows. The "unsafe" side reads VM
 * memory only; an address no region holds fails with a zeroed destination, as the
 * kernel's nofault copies do: -EFAULT, or for the _kernel forms -ERANGE where x86-64
 * refuses the address outright (below the end of user space and its guard page, or
 * not canonical). The destination is the program's own memory: a bad one faults. The
 * VM has one address space, so _user and _kernel read the same memory.
 */

/** Where x86-64 kernel addresses start: below are user space, its guard page and the non-canonical hole. */
const KERNEL_START = 0xffff_8000_0000_0000n;

type Side = 'kernel' | 'user';

function failure(side: Side, address: bigint): number {
  if (side === 'user') return -EFAULT;
  return BigInt.asUintN(64, address) < KERNEL_START ? -ERANGE : -EFAULT;
}

function probeRead(regs: Parameters<RuntimeHelper['call']>[0], env: HelperEnv, side: Side): bigint {
  const dst = regs.get(1);
  const size = u32(regs.get(2));
  const data = tryRead(env.memory, regs.get(3), size);
  env.memory.write(dst, data ?? new Uint8Array(size));
  return data ? 0n : errno(failure(side, regs.get(3)));
}

/**
 * The _str forms: the string and its NUL, at most size bytes. The kernel form returns
 * the bytes copied with the NUL; the user form (strncpy_from_user_nofault) returns the
 * same except for an empty string, where it returns 0.
 */
function probeReadStr(regs: Parameters<RuntimeHelper['call']>[0], env: HelperEnv, side: Side): bigint {
  const dst = regs.get(1);
  const size = u32(regs.get(2));
  if (size === 0) return 0n;
  const s = tryReadString(env.memory, regs.get(3), size);
  if (!s) {
    env.memory.write(dst, new Uint8Array(size));
    return errno(failure(side, regs.get(3)));
  }
  env.memory.write(dst, s);
  return BigInt(side === 'user' && s.length === 1 ? 0 : s.length);
}

export const probeReadHelper: RuntimeHelper = { name: 'bpf_probe_read', call: (regs, _vm, env) => probeRead(regs, env, 'user') };
export const probeReadKernel: RuntimeHelper = { name: 'bpf_probe_read_kernel', call: (regs, _vm, env) => probeRead(regs, env, 'kernel') };
export const probeReadUser: RuntimeHelper = { name: 'bpf_probe_read_user', call: (regs, _vm, env) => probeRead(regs, env, 'user') };
/** The old form picks by address: below TASK_SIZE, where every VM address lies, it copies as the user form. */
export const probeReadStrHelper: RuntimeHelper = { name: 'bpf_probe_read_str', call: (regs, _vm, env) => probeReadStr(regs, env, 'user') };
export const probeReadKernelStr: RuntimeHelper = { name: 'bpf_probe_read_kernel_str', call: (regs, _vm, env) => probeReadStr(regs, env, 'kernel') };
export const probeReadUserStr: RuntimeHelper = { name: 'bpf_probe_read_user_str', call: (regs, _vm, env) => probeReadStr(regs, env, 'user') };
