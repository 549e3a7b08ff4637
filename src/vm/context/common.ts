import type { Helper } from '../vm.js';
import type { AddressSpace } from '../memory/address-space.js';
import type { KernelProfile } from '../fixups/kernel-profile.js';
import type { LoadedProgram } from '../loaded.js';
import type { Runtime } from '../runtime/runtime.js';
import { refuse } from './errors.js';

/** What BPF_PROG_TEST_RUN takes: the packet, the context, how often to run. */
export interface RunInput {
  data?: Uint8Array;
  ctx?: Uint8Array;
  /** Runs on the same packet and context, one after another; 0 or unset means 1. */
  repeat?: number;
  /** Room for data_out (bytes); unlimited unless given, as in the syscall when data_size_out is 0. */
  dataSizeOut?: number;
  ctxSizeOut?: number;
}

export interface RunEnv {
  runtime: Runtime;
  memory: AddressSpace;
  program: LoadedProgram;
  profile: KernelProfile;
}

/** A run set up in VM memory: r1 for the program, and what to hand back afterwards. */
export interface PreparedRun {
  ctx: bigint;
  /** data_out and ctx_out as the kernel copies them back, after the last run. */
  finish(): { dataOut?: Uint8Array; ctxOut?: Uint8Array };
  /** Unmaps the run's regions. */
  release(): void;
  /** What the kernel does around each of the `repeat` runs (bpf_flow_dissect's set-up and clamping). */
  beforeEach?(): void;
  afterEach?(): void;
  /** The kernel reports no duration for this run (it is 0), as for syscall programs. */
  untimed?: boolean;
}

/** How one program type is run: its context and packet, and the helpers only it has. */
export interface ContextKind {
  /** The UAPI struct the program's context is (`xdp_md`, `__sk_buff`, ...). */
  readonly ctxName: string;
  /** The program type's own helpers, keyed by id (and by call immediate for the kernel's internal functions). */
  helpers(profile: KernelProfile): ReadonlyMap<number, Helper>;
  prepare(input: RunInput, env: RunEnv): PreparedRun;
}

/**
 * The run each address space is in the middle of: helpers find the packet they work on
 * here (through `vm.memory`, which every program of an object shares, tail calls too).
 */
const active = new WeakMap<AddressSpace, unknown>();

export function beginRun(memory: AddressSpace, state: unknown): void {
  active.set(memory, state);
}

export function endRun(memory: AddressSpace): void {
  active.delete(memory);
}

export function activeRun<T>(memory: AddressSpace, is: (s: unknown) => s is T, helper: string): T {
  const s = active.get(memory);
  if (!is(s)) throw new Error(`${helper} called outside a run of its program type`);
  return s;
}

/**
 * A helper the verifier counts as changing packet data (bpf_helper_changes_pkt_data):
 * whatever it returns, the run's packet window is mapped anew after it, so that packet
 * pointers from before the call fault, as the verifier invalidates them.
 */
export function changesPacket<T extends { sync(): void }>(helper: Helper, is: (s: unknown) => s is T, name: string): Helper {
  return (regs, vm) => {
    const r = helper(regs, vm);
    activeRun(vm.memory, is, name).sync();
    return r;
  };
}

/**
 * bpf_ctx_init: the context buffer of `size` bytes, ctx_in copied in. Bytes of ctx_in
 * past what the kernel's struct holds must be zero (E2BIG otherwise).
 */
export function ctxInit(ctxIn: Uint8Array | undefined, size: number): Uint8Array | undefined {
  if (!ctxIn) return undefined;
  if (ctxIn.subarray(size).some((b) => b !== 0)) refuse('E2BIG', `ctx_in has non-zero bytes past the ${size} bytes of the context`);
  const ctx = new Uint8Array(size);
  ctx.set(ctxIn.subarray(0, size));
  return ctx;
}

/** bpf_test_finish and bpf_ctx_finish: output that does not fit is ENOSPC. */
export function checkRoom(what: 'data' | 'ctx', size: number, room: number | undefined): void {
  if (room !== undefined && room !== 0 && size > room) refuse('ENOSPC', `${what}_out needs ${size} bytes, ${what}_size_out is ${room}`);
}

/** SKB_DATA_ALIGN. */
export function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

export function putU64(view: DataView, off: number, value: bigint): void {
  view.setBigUint64(off, BigInt.asUintN(64, value), true);
}

/** The helper's 64-bit return of a negative errno. */
export function errno(n: number): bigint {
  return BigInt.asUintN(64, BigInt(-n));
}

/** Maps a region for the run and remembers it for release. */
export class RunRegions {
  private readonly mapped: bigint[] = [];
  constructor(private readonly memory: AddressSpace) {}

  map(name: string, bytes: Uint8Array, access: 'r' | 'rw'): bigint {
    const address = this.memory.map(name, bytes, access);
    this.mapped.push(address);
    return address;
  }

  release(): void {
    for (const a of this.mapped.splice(0)) this.memory.unmap(a);
  }
}

/**
 * Read-only kernel structs that stay the same from run to run (the loopback device, its
 * receive queue), mapped once per address space and profile rather than per run.
 */
const fixtures = new WeakMap<AddressSpace, WeakMap<KernelProfile, Map<string, bigint>>>();

export function fixture(memory: AddressSpace, p: KernelProfile, name: string, build: () => Uint8Array): bigint {
  let byProfile = fixtures.get(memory);
  if (!byProfile) fixtures.set(memory, (byProfile = new WeakMap()));
  let byName = byProfile.get(p);
  if (!byName) byProfile.set(p, (byName = new Map()));
  let address = byName.get(name);
  if (address === undefined) byName.set(name, (address = memory.map(name, build(), 'r')));
  return address;
}

/** A loopback net_device as far as programs read it: its ifindex. */
export function loopbackDevice(memory: AddressSpace, p: KernelProfile): bigint {
  return fixture(memory, p, 'net_device lo', () => {
    const dev = new Uint8Array(p.sizes.net_device);
    new DataView(dev.buffer).setUint32(p.offsets['net_device.ifindex'], p.loopbackIfindex, true);
    return dev;
  });
}
