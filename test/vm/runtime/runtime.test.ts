import { describe, expect, it } from 'vitest';
import { NotModelledError, VmFault } from '../../../src/errors.js';
import { helperId, helperName } from '../../../src/isa/helpers.js';
import { MAP_FLAG, MAP_TYPE } from '../../../src/object/kinds.js';
import { RUNTIME_HELPERS } from '../../../src/vm/helpers/index.js';
import { createMap } from '../../../src/vm/maps/index.js';
import { Runtime } from '../../../src/vm/runtime/index.js';
import { asmObject, MAP, VALUE, type AsmMap } from './asm-object.js';

const HASH: AsmMap = { name: 'h', type: MAP_TYPE.hash, keySize: 4, valueSize: 8, maxEntries: 4 };
const ARRAY: AsmMap = { name: 'a', type: MAP_TYPE.array, keySize: 4, valueSize: 8, maxEntries: 2 };

function runtime(text: string, maps: AsmMap[] = [], options: ConstructorParameters<typeof Runtime>[1] = {}): { rt: Runtime; run: (...args: bigint[]) => bigint } {
  const rt = new Runtime(asmObject([{ name: 'prog', text }], maps), options);
  const vm = rt.instance(rt.object.programs[0]!);
  return { rt, run: (...args) => vm.run(args).r0 };
}

function fault(f: () => unknown): VmFault {
  try {
    f();
  } catch (e) {
    if (e instanceof VmFault) return e;
    throw e;
  }
  throw new Error('no fault');
}

/** Looks up key 0 of map 0 into r0. */
const LOOKUP_0 = `
  stw [%r10-4], 0
  lddw %r1, ${MAP(0)}
  mov %r2, %r10
  add %r2, -4
  call 1
`;

describe('the runtime’s memory', () => {
  it('stops a program that dereferences the NULL a failed lookup returns, naming the pc and the address', () => {
    const { run } = runtime(`${LOOKUP_0}\n  ldxdw %r0, [%r0+8]\n  exit`, [HASH]);
    const f = fault(() => run());
    expect(f.context.pc).toBe(6);
    expect(f.reason).toBe('(79) r0 = *(u64 *)(r0 +8): read of 8 bytes at 0x8: NULL pointer (nothing is mapped at 0x0-0xfff)');
  });

  it('gives array values fixed addresses in one region per map, shared by every program of the object', () => {
    const obj = asmObject(
      [
        { name: 'writer', text: `${LOOKUP_0}\n  jeq %r0, 0, +2\n  stdw [%r0+0], 0x55\n  mov %r0, 1\n  exit` },
        { name: 'reader', text: `lddw %r1, ${VALUE(0)}\n  ldxdw %r0, [%r1+0]\n  exit` },
      ],
      [ARRAY],
    );
    const rt = new Runtime(obj);
    rt.instance(obj.programs[0]!).run();
    expect(rt.instance(obj.programs[1]!).run().r0).toBe(0x55n);
    expect(rt.map(1).sysLookup(new Uint8Array(4))).toEqual(Uint8Array.of(0x55, 0, 0, 0, 0, 0, 0, 0));
  });

  it('keeps a hash element’s value at one address while it lives, and unmaps it when deleted', () => {
    // r6 = lookup(key 0); delete(key 0); then read through r6.
    const { rt, run } = runtime(
      `${LOOKUP_0}
  mov %r6, %r0
  lddw %r1, ${MAP(0)}
  mov %r2, %r10
  add %r2, -4
  call 3
  ldxdw %r0, [%r6+0]
  exit`,
      [HASH],
    );
    const map = rt.map(1);
    map.sysUpdate(new Uint8Array(4), Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    const f = fault(() => run());
    expect(f.context.pc).toBe(12);
    expect(f.reason).toMatch(/^\(79\) r0 = \*\(u64 \*\)\(r6 \+0\): read of 8 bytes at 0x[0-9a-f]+: no memory is mapped there$/);
    expect(map.count).toBe(0);
  });

  it('returns the same pointer for the same element across runs, and writes through it reach the map', () => {
    const { rt, run } = runtime(`${LOOKUP_0}\n  jeq %r0, 0, +3\n  ldxdw %r1, [%r0+0]\n  add %r1, 1\n  stxdw [%r0+0], %r1\n  exit`, [HASH]);
    rt.map(1).sysUpdate(new Uint8Array(4), new Uint8Array(8));
    const first = run();
    expect(run()).toBe(first);
    expect(rt.map(1).sysLookup(new Uint8Array(4))).toEqual(Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0));
  });

  it('keeps .rodata read-only to programs once frozen', () => {
    const rodata: AsmMap = { ...ARRAY, name: '.rodata', origin: 'rodata', sectionName: '.rodata', maxEntries: 1, flags: MAP_FLAG.rdonlyProg, initialData: Uint8Array.of(9, 0, 0, 0, 0, 0, 0, 0) };
    const { rt, run } = runtime(`lddw %r1, ${VALUE(0, 0)}\n  ldxdw %r0, [%r1+0]\n  stdw [%r1+0], 1\n  exit`, [rodata]);
    expect(rt.map(1).frozen).toBe(true);
    const f = fault(() => run());
    expect(f.context.pc).toBe(3);
    expect(f.reason).toMatch(/: write of 8 bytes at 0x[0-9a-f]+: values of \.rodata \(array\) is read-only$/);
  });

  it('does not let a program read or write a map through its handle', () => {
    const { run } = runtime(`lddw %r1, ${MAP(0)}\n  ldxw %r0, [%r1+0]\n  exit`, [HASH]);
    expect(fault(() => run()).reason).toMatch(/read of 4 bytes at 0x[0-9a-f]+0001 is outside map handles \(struct bpf_map: not readable\) \(0 bytes/);
  });

  it('maps a reserved ring buffer record until it is submitted', () => {
    const RING: AsmMap = { name: 'rb', type: MAP_TYPE.ringbuf, keySize: 0, valueSize: 0, maxEntries: 4096 };
    const { rt, run } = runtime(
      `lddw %r1, ${MAP(0)}
  mov %r2, 8
  mov %r3, 0
  call 131
  jeq %r0, 0, +6
  mov %r6, %r0
  stdw [%r6+0], 0x77
  mov %r1, %r6
  mov %r2, 0
  call 132
  stdw [%r6+0], 0x78
  exit`,
      [RING],
    );
    const f = fault(() => run());
    expect(f.context.pc).toBe(11);
    expect(f.reason).toMatch(/write of 8 bytes at 0x[0-9a-f]+: no memory is mapped there$/);
    const ring = rt.map(1) as unknown as { consume(): Uint8Array[] };
    expect(ring.consume()).toEqual([Uint8Array.of(0x77, 0, 0, 0, 0, 0, 0, 0)]);
  });

  it('uses maps it is given (restored by a store) in place of new ones', () => {
    const given = createMap({ ...HASH, flags: 0 });
    given.sysUpdate(new Uint8Array(4), Uint8Array.of(42, 0, 0, 0, 0, 0, 0, 0));
    const { rt, run } = runtime(`${LOOKUP_0}\n  jeq %r0, 0, +1\n  ldxdw %r0, [%r0+0]\n  exit`, [HASH], { maps: new Map([[1, given]]) });
    expect(rt.map(1)).toBe(given);
    expect(run()).toBe(42n);
  });

  it('keeps one Vm per program while the extra helpers stay the same', () => {
    const { rt } = runtime('mov %r0, 0\n  exit');
    const p = rt.object.programs[0]!;
    const extra = new Map();
    expect(rt.instance(p, extra)).toBe(rt.instance(p, extra));
    expect(rt.instance(p)).not.toBe(rt.instance(p, extra));
  });
});

describe('bad programs', () => {
  it('load when they call a helper the VM does not implement; their Vm is refused, naming it', () => {
    const rt = new Runtime(asmObject([{ name: 'prog', text: 'call 67\n  exit' }]));
    expect(() => rt.instance(rt.object.programs[0]!)).toThrow(NotModelledError);
    expect(() => rt.instance(rt.object.programs[0]!)).toThrow(/program prog: insn 0: helper bpf_get_stack#67 is not modelled/);
  });

  it('load when they use a map the VM only creates; their Vm is refused, naming the map', () => {
    const STACKS: AsmMap = { name: 'stacks', type: MAP_TYPE.stackTrace, keySize: 4, valueSize: 8, maxEntries: 4 };
    const rt = new Runtime(asmObject([{ name: 'prog', text: `lddw %r1, ${MAP(0)}\n  mov %r0, 0\n  exit` }], [STACKS]));
    expect(rt.maps.get(rt.object.maps[0]!.id)!.sysGetNextKey(undefined)).toBe(-2);
    expect(() => rt.instance(rt.object.programs[0]!)).toThrow(/program prog: insn 0: stack_trace map stacks is not modelled/);
  });

  it('go on after a tail call to an empty slot, r0 as it was', () => {
    const PROGS: AsmMap = { name: 'jumps', type: MAP_TYPE.progArray, keySize: 4, valueSize: 4, maxEntries: 4 };
    const { run } = runtime(`mov %r0, 7\n  lddw %r2, ${MAP(0)}\n  mov %r3, 2\n  call 12\n  add %r0, 1\n  exit`, [PROGS]);
    expect(run()).toBe(8n);
  });

  it('fault when taking a spin lock they already hold', () => {
    const { run } = runtime(`${LOOKUP_0}\n  mov %r6, %r0\n  mov %r1, %r6\n  call 93\n  mov %r1, %r6\n  call 93\n  exit`, [ARRAY]);
    const f = fault(() => run());
    expect(f.context.pc).toBe(10);
    expect(f.reason).toMatch(/bpf_spin_lock: the lock at 0x[0-9a-f]+ is already held \(a deadlock\)$/);
  });
});

describe('task, time, CPU and random helpers', () => {
  const store = (id: number, slot: number) => `call ${id}\n  stxdw [%r7+${slot * 8}], %r0`;
  const PROG = `
  lddw %r7, ${VALUE(0)}
  ${store(helperId('get_current_pid_tgid')!, 0)}
  ${store(helperId('get_current_uid_gid')!, 1)}
  ${store(helperId('ktime_get_ns')!, 2)}
  ${store(helperId('ktime_get_boot_ns')!, 3)}
  ${store(helperId('get_smp_processor_id')!, 4)}
  ${store(helperId('get_numa_node_id')!, 5)}
  ${store(helperId('get_prandom_u32')!, 6)}
  ${store(helperId('get_prandom_u32')!, 7)}
  mov %r1, %r7
  add %r1, 64
  mov %r2, 20
  call ${helperId('get_current_comm')}
  exit`;
  const OUT: AsmMap = { name: 'out', type: MAP_TYPE.array, keySize: 4, valueSize: 88, maxEntries: 1 };

  function values(options: ConstructorParameters<typeof Runtime>[1]): { words: bigint[]; comm: Uint8Array } {
    const { rt, run } = runtime(PROG, [OUT], options);
    run();
    const v = rt.map(1).sysLookup(new Uint8Array(4)) as Uint8Array;
    const dv = new DataView(v.buffer);
    return { words: Array.from({ length: 8 }, (_, i) => dv.getBigUint64(8 * i, true)), comm: v.subarray(64, 84) };
  }

  it('see the configured task, clock and CPU', () => {
    const { words, comm } = values({ task: { pid: 100, tgid: 99, uid: 1000, gid: 2000, comm: 'a-very-long-command-name' }, clock: () => 123456789n, cpus: 4, cpu: 3, seed: 1 });
    expect(words.slice(0, 6)).toEqual([(99n << 32n) | 100n, (2000n << 32n) | 1000n, 123456789n, 123456789n, 3n, 0n]);
    // TASK_COMM_LEN: 15 bytes of the name, then NULs to the size asked for.
    expect(new TextDecoder().decode(comm)).toBe('a-very-long-com\0\0\0\0\0');
  });

  it('draw the same random numbers from the same seed, and others from another', () => {
    const a = values({ seed: 7 }).words.slice(6);
    expect(values({ seed: 7 }).words.slice(6)).toEqual(a);
    expect(values({ seed: 8 }).words.slice(6)).not.toEqual(a);
    expect(a[0]).not.toBe(a[1]);
    for (const n of a) expect(n).toBeLessThan(2n ** 32n);
  });
});

describe('maps of maps and tries from programs', () => {
  it('a hash of maps lookup gives the inner map’s handle, which the next lookup takes', () => {
    const INNER: AsmMap = { name: 'inner', type: MAP_TYPE.array, keySize: 4, valueSize: 8, maxEntries: 1 };
    const OUTER: AsmMap = { name: 'outer', type: MAP_TYPE.hashOfMaps, keySize: 4, valueSize: 4, maxEntries: 2, inner: { ...INNER, origin: 'btf', sectionName: '.maps', flags: 0, numaNode: 0, pinning: 0, mapExtra: 0n, btfKeyTypeId: 0, btfValueTypeId: 0, initialSlots: [] } };
    const { rt, run } = runtime(
      `stw [%r10-4], 0
  lddw %r1, ${MAP(1)}
  mov %r2, %r10
  add %r2, -4
  call 1
  jeq %r0, 0, +7
  mov %r1, %r0
  mov %r2, %r10
  add %r2, -4
  call 1
  jeq %r0, 0, +2
  ldxdw %r0, [%r0+0]
  exit
  mov %r0, 99
  exit`,
      [INNER, OUTER],
    );
    rt.map(1).sysUpdate(new Uint8Array(4), Uint8Array.of(5, 0, 0, 0, 0, 0, 0, 0));
    expect(run()).toBe(99n);
    expect(rt.map(2).sysUpdate(new Uint8Array(4), Uint8Array.of(1, 0, 0, 0))).toBe(0);
    expect(run()).toBe(5n);
  });

  it('an LPM trie lookup finds the longest prefix and points at its value', () => {
    const TRIE: AsmMap = { name: 'routes', type: MAP_TYPE.lpmTrie, keySize: 8, valueSize: 8, maxEntries: 4, flags: MAP_FLAG.noPrealloc };
    const { rt, run } = runtime(
      `stw [%r10-8], 32
  stw [%r10-4], 0x0301000a
  lddw %r1, ${MAP(0)}
  mov %r2, %r10
  add %r2, -8
  call 1
  jeq %r0, 0, +1
  ldxdw %r0, [%r0+0]
  exit`,
      [TRIE],
    );
    const trie = rt.map(1);
    trie.sysUpdate(Uint8Array.of(8, 0, 0, 0, 10, 0, 0, 0), Uint8Array.of(8, 0, 0, 0, 0, 0, 0, 0));
    trie.sysUpdate(Uint8Array.of(24, 0, 0, 0, 10, 0, 1, 0), Uint8Array.of(24, 0, 0, 0, 0, 0, 0, 0));
    expect(run()).toBe(24n);
  });
});

describe('output and probe helpers', () => {
  it('bpf_perf_event_output appends the sample to the event of this CPU’s slot', () => {
    const EVENTS: AsmMap = { name: 'ev', type: MAP_TYPE.perfEventArray, keySize: 4, valueSize: 4, maxEntries: 2 };
    const { rt, run } = runtime(
      `lddw %r1, 0x0403020100
  stxdw [%r10-8], %r1
  lddw %r2, ${MAP(0)}
  lddw %r3, 0xffffffff
  mov %r4, %r10
  add %r4, -8
  mov %r5, 5
  call 25
  exit`,
      [EVENTS],
      { cpus: 2, cpu: 1 },
    );
    const events = rt.map(1) as unknown as { sysUpdate(k: Uint8Array, v: Uint8Array): number; records: { index: number; cpu: number; data: Uint8Array }[] };
    // No event in CPU 1's slot yet: -ENOENT.
    expect(run()).toBe(BigInt.asUintN(64, -2n));
    events.sysUpdate(Uint8Array.of(1, 0, 0, 0), Uint8Array.of(7, 0, 0, 0));
    expect(run()).toBe(0n);
    expect(events.records).toEqual([{ index: 1, cpu: 1, data: Uint8Array.of(0, 1, 2, 3, 4) }]);
  });

  it('the _str forms count an empty string as the kernel’s copies do: 1 for _kernel_str, 0 for _user_str', () => {
    const prog = (id: number) => `stb [%r10-1], 0
  mov %r1, %r10
  add %r1, -16
  mov %r2, 8
  mov %r3, %r10
  add %r3, -1
  call ${id}
  exit`;
    expect(runtime(prog(helperId('probe_read_kernel_str')!)).run()).toBe(1n);
    expect(runtime(prog(helperId('probe_read_user_str')!)).run()).toBe(0n);
    // An unmapped source: -EFAULT for the user form.
    expect(runtime(prog(helperId('probe_read_user_str')!).replace('add %r3, -1', 'mov %r3, 16')).run()).toBe(BigInt.asUintN(64, -14n));
  });
});

describe('RUNTIME_HELPERS', () => {
  it('names each helper as isa/helpers does for its id', () => {
    for (const [id, h] of RUNTIME_HELPERS) expect(h.name).toBe(helperName(id));
  });

  it('holds every helper the issue asks of the runtime (packet helpers come with contexts)', () => {
    const wanted = [
      'map_lookup_elem', 'map_update_elem', 'map_delete_elem', 'map_push_elem', 'map_pop_elem', 'map_peek_elem', 'ktime_get_ns', 'ktime_get_boot_ns',
      'get_prandom_u32', 'get_smp_processor_id', 'get_numa_node_id', 'get_current_pid_tgid', 'get_current_uid_gid', 'get_current_comm', 'trace_printk',
      'trace_vprintk', 'tail_call', 'probe_read', 'probe_read_kernel', 'probe_read_user', 'probe_read_str', 'probe_read_kernel_str', 'probe_read_user_str',
      'ringbuf_output', 'ringbuf_reserve', 'ringbuf_submit', 'ringbuf_discard', 'ringbuf_query', 'perf_event_output', 'csum_diff', 'spin_lock', 'spin_unlock',
      'loop', 'for_each_map_elem', 'snprintf',
    ];
    expect(wanted.filter((n) => !RUNTIME_HELPERS.has(helperId(n)!))).toEqual([]);
  });
});
