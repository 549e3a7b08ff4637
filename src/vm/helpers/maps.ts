import { VmFault } from '../../errors.js';
import { MAP_TYPE } from '../../object/index.js';
import { isSlotMap } from '../maps/slots.js';
import type { VmMap } from '../maps/types.js';
import type { HelperEnv, RuntimeHelper } from './env.js';
import { errno, u32 } from './memory.js';

/**
 * The map helpers: keys and values are read from and written to guest memory with the
 * map's sizes (a bad pointer faults the program, as the verifier would have refused it);
 * results are the map operation's 0 or -errno. A lookup returns a pointer into the
 * value's region (runtime/map-memory.ts) or NULL; on a map of maps it returns the inner
 * map's handle, as the kernel returns the inner struct bpf_map.
 */

function flagsArg(v: bigint): number {
  // Flags are u64: anything past the low bits the maps know is an unknown flag.
  return v > 0xffffn ? 0x10000 : Number(v);
}

function key(env: HelperEnv, map: VmMap, address: bigint): Uint8Array {
  return env.memory.read(address, map.keySize);
}

function lookup(env: HelperEnv, map: VmMap, keyBytes: Uint8Array, cpu: number, helper: string): bigint {
  if (isSlotMap(map)) {
    if (map.slotKind !== 'map') throw new VmFault(`${helper} cannot be used on ${map.typeName} maps (the verifier refuses it)`);
    const id = map.slot(keyBytes);
    if (id === undefined) return 0n;
    // An inner map the store holds for another object is out of this runtime's reach.
    if (!env.mapMemory.has(id)) throw new VmFault(`${helper}: the inner map (id ${id}) is not one of this object's maps`);
    return env.mapMemory.handle(id);
  }
  const value = map.lookup(keyBytes, cpu);
  return value === undefined ? 0n : env.mapMemory.pointer(map, value, cpu);
}

export const mapLookupElem: RuntimeHelper = {
  name: 'bpf_map_lookup_elem',
  call(regs, _vm, env) {
    const map = env.mapMemory.requireMap(regs.get(1), this.name);
    return lookup(env, map, key(env, map, regs.get(2)), env.cpu, this.name);
  },
};

export const mapLookupPercpuElem: RuntimeHelper = {
  name: 'bpf_map_lookup_percpu_elem',
  call(regs, _vm, env) {
    const map = env.mapMemory.requireMap(regs.get(1), this.name);
    if (!map.perCpu) throw new VmFault(`${this.name} needs a per-CPU map, not ${map.typeName}`);
    const cpu = u32(regs.get(3));
    if (cpu >= env.cpus) return 0n;
    return lookup(env, map, key(env, map, regs.get(2)), cpu, this.name);
  },
};

export const mapUpdateElem: RuntimeHelper = {
  name: 'bpf_map_update_elem',
  call(regs, _vm, env) {
    const map = env.mapMemory.requireMap(regs.get(1), this.name);
    const k = key(env, map, regs.get(2));
    const value = env.memory.read(regs.get(3), map.valueSize);
    return errno(map.update(k, value, flagsArg(regs.get(4)), env.cpu));
  },
};

export const mapDeleteElem: RuntimeHelper = {
  name: 'bpf_map_delete_elem',
  call(regs, _vm, env) {
    const map = env.mapMemory.requireMap(regs.get(1), this.name);
    return errno(map.delete(key(env, map, regs.get(2))));
  },
};

export const mapPushElem: RuntimeHelper = {
  name: 'bpf_map_push_elem',
  call(regs, _vm, env) {
    const map = env.mapMemory.requireMap(regs.get(1), this.name);
    return errno(map.push(env.memory.read(regs.get(2), map.valueSize), flagsArg(regs.get(3))));
  },
};

export const mapPopElem: RuntimeHelper = {
  name: 'bpf_map_pop_elem',
  call(regs, _vm, env) {
    const map = env.mapMemory.requireMap(regs.get(1), this.name);
    const out = new Uint8Array(map.valueSize);
    const err = map.pop(out);
    if (err === 0) env.memory.write(regs.get(2), out);
    return errno(err);
  },
};

/** Queues and stacks copy the next value out; a bloom filter tests the value given. */
export const mapPeekElem: RuntimeHelper = {
  name: 'bpf_map_peek_elem',
  call(regs, _vm, env) {
    const map = env.mapMemory.requireMap(regs.get(1), this.name);
    const address = regs.get(2);
    if (map.type === MAP_TYPE.bloomFilter) return errno(map.peek(env.memory.read(address, map.valueSize)));
    const out = new Uint8Array(map.valueSize);
    const err = map.peek(out);
    if (err === 0) env.memory.write(address, out);
    return errno(err);
  },
};
