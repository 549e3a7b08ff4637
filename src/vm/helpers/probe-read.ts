import { EFAULT, ERANGE } from '../../errno.js';
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
/** TASK_SIZE_MAX of x86-64 with 4-level page tables: the end of user space. */
const TASK_SIZE = 0x7fff_ffff_f000n;

/** compat is bpf_probe_read and bpf_probe_read_str, which pick the user or the kernel copy by address. */
type Side = 'kernel' | 'user' | 'compat';

/**
 * The copy a compat helper makes: the kernel's at or above TASK_SIZE, else the user
 * one. VM memory (stacks, maps, contexts, packets) stands for kernel memory, which the
 * kernel's copy reads, so a mapped address takes the kernel form too.
 */
function resolve(side: Side, address: bigint, env: HelperEnv): 'kernel' | 'user' {
  if (side !== 'compat') return side;
  return BigInt.asUintN(64, address) >= TASK_SIZE || env.memory.regionAt(address) ? 'kernel' : 'user';
}

function failure(side: 'kernel' | 'user', address: bigint): number {
  if (side === 'user') return -EFAULT;
  return BigInt.asUintN(64, address) < KERNEL_START ? -ERANGE : -EFAULT;
}

/**
 * A copy of nothing: the user form checks only that the address is user space
 * (access_ok), the kernel form only that it may be a kernel address; neither touches it.
 */
function emptyCopy(side: 'kernel' | 'user', address: bigint, env: HelperEnv): bigint {
  const a = BigInt.asUintN(64, address);
  if (side === 'user') return a < TASK_SIZE ? 0n : errno(-EFAULT);
  return a >= KERNEL_START || env.memory.regionAt(address) ? 0n : errno(failure(side, address));
}

function probeRead(regs: Parameters<RuntimeHelper['call']>[0], env: HelperEnv, requested: Side): bigint {
  const dst = regs.get(1);
  const size = u32(regs.get(2));
  const src = regs.get(3);
  const side = resolve(requested, src, env);
  if (size === 0) return emptyCopy(side, src, env);
  const data = tryRead(env.memory, src, size);
  env.memory.write(dst, data ?? new Uint8Array(size));
  return data ? 0n : errno(failure(side, src));
}

/**
 * The _str forms: the string and its NUL, at most size bytes. The kernel form returns
 * the bytes copied with the NUL; the user form (strncpy_from_user_nofault) returns the
 * same except for an empty string, where it returns 0.
 */
function probeReadStr(regs: Parameters<RuntimeHelper['call']>[0], env: HelperEnv, requested: Side): bigint {
  const dst = regs.get(1);
  const size = u32(regs.get(2));
  if (size === 0) return 0n;
  const side = resolve(requested, regs.get(3), env);
  const s = tryReadString(env.memory, regs.get(3), size);
  if (!s) {
    env.memory.write(dst, new Uint8Array(size));
    return errno(failure(side, regs.get(3)));
  }
  env.memory.write(dst, s);
  return BigInt(side === 'user' && s.length === 1 ? 0 : s.length);
}

export const probeReadHelper: RuntimeHelper = { name: 'bpf_probe_read', call: (regs, _vm, env) => probeRead(regs, env, 'compat') };
export const probeReadKernel: RuntimeHelper = { name: 'bpf_probe_read_kernel', call: (regs, _vm, env) => probeRead(regs, env, 'kernel') };
export const probeReadUser: RuntimeHelper = { name: 'bpf_probe_read_user', call: (regs, _vm, env) => probeRead(regs, env, 'user') };
export const probeReadStrHelper: RuntimeHelper = { name: 'bpf_probe_read_str', call: (regs, _vm, env) => probeReadStr(regs, env, 'compat') };
export const probeReadKernelStr: RuntimeHelper = { name: 'bpf_probe_read_kernel_str', call: (regs, _vm, env) => probeReadStr(regs, env, 'kernel') };
export const probeReadUserStr: RuntimeHelper = { name: 'bpf_probe_read_user_str', call: (regs, _vm, env) => probeReadStr(regs, env, 'user') };
