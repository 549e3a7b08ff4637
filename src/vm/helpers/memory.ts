import type { AddressSpace } from '../memory/address-space.js';

/**
 * Guest memory as helpers read it without faulting: what the kernel's *_nofault copies
 * do, where a bad address is an error code rather than an oops. Nothing outside the
 * VM's regions is ever read.
 */

/** `length` bytes at `address`, or undefined where any of them is not mapped. */
export function tryRead(memory: AddressSpace, address: bigint, length: number): Uint8Array | undefined {
  const region = memory.regionAt(address);
  if (!region) return undefined;
  const offset = Number(BigInt.asUintN(64, address) & 0xffffffffn);
  if (offset + length > region.size) return undefined;
  return region.bytes.slice(offset, offset + length);
}

/**
 * strncpy_from_kernel_nofault: the string at `address` and its NUL, at most `count`
 * bytes (the last one then NUL in place of the string's byte); undefined when a byte
 * before the NUL or the limit is not mapped.
 */
export function tryReadString(memory: AddressSpace, address: bigint, count: number): Uint8Array | undefined {
  if (count <= 0) return new Uint8Array(0);
  const region = memory.regionAt(address);
  if (!region) return undefined;
  const offset = Number(BigInt.asUintN(64, address) & 0xffffffffn);
  const bytes = region.bytes;
  const limit = Math.min(count, region.size - offset);
  const nul = bytes.subarray(offset, offset + limit).indexOf(0);
  if (nul >= 0) return bytes.slice(offset, offset + nul + 1);
  // No NUL within the limit: the string is cut there, unless the region ended first.
  if (limit < count) return undefined;
  const out = bytes.slice(offset, offset + count);
  out[count - 1] = 0;
  return out;
}

/** A NUL-terminated string the verifier knows to be constant (ARG_PTR_TO_CONST_STR), without its NUL; faults as a read past its region would. */
export function readCString(memory: AddressSpace, address: bigint): Uint8Array {
  const region = memory.regionAt(address);
  const offset = Number(BigInt.asUintN(64, address) & 0xffffffffn);
  const nul = region ? region.bytes.subarray(offset, region.size).indexOf(0) : -1;
  // Past the region (or no region): let the checked read raise the fault.
  if (!region || nul < 0) return memory.read(address, (region ? region.size - offset : 0) + 1);
  return region.bytes.slice(offset, offset + nul);
}

/** A negative errno as r0 holds it. */
export function errno(e: number): bigint {
  return BigInt.asUintN(64, BigInt(e));
}

/** The low 32 bits of an argument, for helpers whose parameter is a u32. */
export function u32(v: bigint): number {
  return Number(v & 0xffffffffn);
}
