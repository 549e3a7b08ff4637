import type { RuntimeHelper } from './env.js';

/** TASK_COMM_LEN: the kernel keeps 15 characters of a task's name and a NUL. */
const TASK_COMM_LEN = 16;

export const ktimeGetNs: RuntimeHelper = {
  name: 'bpf_ktime_get_ns',
  call: (_regs, _vm, env) => env.now(),
};

/** CLOCK_BOOTTIME: the monotonic clock plus time suspended, which is none here. */
export const ktimeGetBootNs: RuntimeHelper = {
  name: 'bpf_ktime_get_boot_ns',
  call: (_regs, _vm, env) => env.now(),
};

export const getPrandomU32: RuntimeHelper = {
  name: 'bpf_get_prandom_u32',
  call: (_regs, _vm, env) => BigInt(env.random() >>> 0),
};

export const getSmpProcessorId: RuntimeHelper = {
  name: 'bpf_get_smp_processor_id',
  call: (_regs, _vm, env) => BigInt(env.cpu),
};

/** One NUMA node. */
export const getNumaNodeId: RuntimeHelper = {
  name: 'bpf_get_numa_node_id',
  call: () => 0n,
};

export const getCurrentPidTgid: RuntimeHelper = {
  name: 'bpf_get_current_pid_tgid',
  call: (_regs, _vm, env) => (BigInt(env.task.tgid >>> 0) << 32n) | BigInt(env.task.pid >>> 0),
};

export const getCurrentUidGid: RuntimeHelper = {
  name: 'bpf_get_current_uid_gid',
  call: (_regs, _vm, env) => (BigInt(env.task.gid >>> 0) << 32n) | BigInt(env.task.uid >>> 0),
};

/** strscpy_pad of the task's name into the buffer: cut to size - 1, NUL-padded to size. */
export const getCurrentComm: RuntimeHelper = {
  name: 'bpf_get_current_comm',
  call(regs, _vm, env) {
    const size = Number(regs.get(2) & 0xffffffffn);
    const out = new Uint8Array(size);
    if (size > 0) out.set(commBytes(env.task.comm).subarray(0, size - 1));
    env.memory.write(regs.get(1), out);
    return 0n;
  },
};

/** The name as the kernel holds it: at most TASK_COMM_LEN - 1 bytes. */
export function commBytes(comm: string): Uint8Array {
  return new TextEncoder().encode(comm).subarray(0, TASK_COMM_LEN - 1);
}
