import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { OBJECTS, REPO, skipReason } from '../../helpers/env.js';
import { runProgram } from '../../../src/vm/run.js';
import { Runtime } from '../../../src/vm/runtime/index.js';
import { kernelRun, kernelRunCtx, mapNamed, oracleMissing, ourDump, possibleCpus, program, runtimeFor } from './util.js';

const obj = (name: string) => join(OBJECTS, `${name}.o`);

describe('objects run against their maps', () => {
  it('raw_tp counts syscalls by number in this CPU’s copy of a per-CPU array', () => {
    const rt = runtimeFor(obj('raw_tp'), { cpus: 2, cpu: 1 });
    const vm = rt.instance(program(rt, 'raw_sys_enter'));
    const args = new Uint8Array(16);
    new DataView(args.buffer).setBigUint64(8, 59n, true);
    const ctx = rt.memory.map('bpf_raw_tracepoint_args', args, 'r');
    for (let i = 0; i < 3; i++) expect(vm.run([ctx]).r0).toBe(0n);
    new DataView(args.buffer).setBigUint64(8, 512n, true);
    vm.run([ctx]);
    const counts = mapNamed(rt, 'syscall_count');
    const key = Uint8Array.of(59, 0, 0, 0);
    expect(counts.sysLookup(key)).toEqual(new Uint8Array([...new Uint8Array(8), 3, 0, 0, 0, 0, 0, 0, 0]));
    expect([...counts.entries()].filter((e) => (e.value as Uint8Array[]).some((v) => v.some((b) => b)))).toHaveLength(1);
  });

  it('tracepoint keeps per-process stats in a hash, reading the file name through bpf_probe_read_user_str', () => {
    const rt = runtimeFor(obj('tracepoint'), { task: { pid: 4321, tgid: 4300 } });
    const vm = rt.instance(program(rt, 'trace_openat'));
    const name = new TextEncoder().encode('/etc/a-file-name-longer-than-thirty-two-bytes\0');
    const nameAddress = rt.memory.map('user string', name, 'r');
    const record = new Uint8Array(56);
    const v = new DataView(record.buffer);
    v.setBigUint64(24, nameAddress, true);
    v.setBigUint64(32, 0o101n, true);
    const ctx = rt.memory.map('trace_event_raw_sys_enter', record, 'r');
    vm.run([ctx]);
    vm.run([ctx]);
    const opens = mapNamed(rt, 'opens');
    const value = opens.sysLookup(Uint8Array.of(0xcc, 0x10, 0, 0));
    if (typeof value === 'number') throw new Error(`no element: ${value}`);
    const dv = new DataView(value.buffer);
    expect(dv.getBigUint64(0, true)).toBe(2n);
    expect(dv.getBigUint64(8, true)).toBe(0o101n);
    // 31 bytes of the name and the NUL bpf_probe_read_user_str puts in the last byte.
    expect(new TextDecoder().decode(value.subarray(16, 47))).toBe('/etc/a-file-name-longer-than-th');
    expect(value[47]).toBe(0);
    expect(opens.count).toBe(1);
  });

  it('hello: a kprobe prints through bpf_printk with its format in .rodata and the task’s pid', () => {
    const lines: string[] = [];
    const rt = runtimeFor(obj('hello'), { trace: (l) => lines.push(l), task: { comm: 'sleep', pid: 4243, tgid: 4242 }, clock: () => 2_000_000_000n, cpus: 2, cpu: 1 });
    expect(runProgram(rt, program(rt, 'hello')).retval).toBe(0);
    expect(lines).toEqual(['           sleep-4243    [001] ...2.     2.000000: bpf_trace_printk: hello from bpfscope, pid 4242\n']);
  });

  it('globals: .data and .bss start from the object, .rodata is read, trace_printk writes a trace_pipe record', () => {
    const lines: string[] = [];
    const rt = runtimeFor(obj('globals'), { trace: (l) => lines.push(l), task: { comm: 'bpftool', pid: 77 }, clock: () => 13316_826741_123n });
    const prog = program(rt, 'xdp_globals');
    expect(runProgram(rt, prog, { data: new Uint8Array(600) }).retval).toBe(2);
    expect(runProgram(rt, prog, { data: new Uint8Array(65) }).retval).toBe(2);
    const data = mapNamed(rt, 'globals.data').sysLookup(new Uint8Array(4)) as Uint8Array;
    expect(new DataView(data.buffer).getUint32(0, true)).toBe(102);
    const bss = mapNamed(rt, 'globals.bss').sysLookup(new Uint8Array(4)) as Uint8Array;
    // total_bytes: 600 * weights[0] + 65 * weights[1]; big_seen once.
    expect(new DataView(bss.buffer).getBigUint64(0, true)).toBe(600n * 1n + 65n * 3n);
    expect(new DataView(bss.buffer).getUint32(8, true)).toBe(1);
    expect(lines).toEqual(['         bpftool-77      [000] b..11 13316.826741: bpf_trace_printk: big packet\n\n']);
  });
});

const packets = ['ipv4-udp', 'ipv6-udp', 'ipv4-udp-1500'].map((p) => [p, readFileSync(join(REPO, 'test', 'packets', `${p}.bin`))] as const);

describe('maps.o', () => {
  it('counts, tail-calls maps_tail through the prog array, reaches inner_a through the array of maps, and writes an event to the ring buffer', () => {
    const rt = runtimeFor(obj('maps'));
    const main = program(rt, 'maps_main');
    const packet = new Uint8Array(60);
    expect(runProgram(rt, main, { data: packet }).retval).toBe(2);
    expect(runProgram(rt, main, { data: packet }).retval).toBe(2);
    const u64 = (m: string, k: number) => new DataView((mapNamed(rt, m).sysLookup(Uint8Array.of(k, 0, 0, 0)) as Uint8Array).buffer).getBigUint64(0, true);
    expect(u64('counters', 0)).toBe(0x202n);
    expect(u64('by_len', 60)).toBe(2n);
    expect((mapNamed(rt, 'inner_a').sysLookup(new Uint8Array(4)) as Uint8Array)[0]).toBe(2);
    expect(mapNamed(rt, 'recent').count).toBe(1);
    const events = (mapNamed(rt, 'events') as unknown as { consume(): Uint8Array[] }).consume();
    // struct event { len, ifindex (1: the loopback device test runs use), seq }.
    expect(events.map((e) => [...e])).toEqual([
      [60, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
      [60, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0],
    ]);
  });
});

describe('objects against the kernel', () => {
  it.skipIf(skipReason(oracleMissing, 'kernel comparison of raw_tp.o'))('raw_tp: the same return values, and per-CPU counts land on the CPU the program ran on, as in the kernel', () => {
    const cpus = possibleCpus();
    const onCpus = cpus > 1 ? [1, 1, 0] : [0, 0];
    // A syscall number the program counts, then one past its array (the early return).
    for (const nr of [59, 600]) {
      const args = new Uint8Array(16);
      new DataView(args.buffer).setBigUint64(8, BigInt(nr), true);
      const kernel = kernelRunCtx(obj('raw_tp'), 'raw_sys_enter', args, onCpus);
      const first = runtimeFor(obj('raw_tp'), { cpus, cpu: onCpus[0] });
      const ours = onCpus.map((cpu) => {
        const rt = cpu === first.cpu ? first : new Runtime(first.object, { cpus, cpu, maps: first.maps });
        return { retval: runProgram(rt, program(rt, 'raw_sys_enter'), { ctx: args }).retval };
      });
      expect({ nr, runs: ours }).toEqual({ nr, runs: [...kernel.runs.values()].map((r) => JSON.parse(r) as unknown) });
      expect({ nr, counts: ourDump(mapNamed(first, 'syscall_count')) }).toEqual({ nr, counts: kernel.dump('syscall_count') });
    }
  });

  it.skipIf(skipReason(oracleMissing, 'kernel comparison of maps.o'))('maps: the same maps after maps_main (tail-calling maps_tail) and maps_tail', () => {
    const [, packet] = packets[0]!;
    const kernel = kernelRun(obj('maps'), packet);
    const rt = runtimeFor(obj('maps'), { cpus: possibleCpus() });
    for (const name of ['maps_main', 'maps_tail']) {
      const r = runProgram(rt, program(rt, name), { data: packet }).retval;
      expect(kernel.runs.get(name)).toMatch(new RegExp(`^Return value: ${r},`));
    }
    for (const name of ['counters', 'by_len', 'recent', 'scratch', 'inner_a', 'inner_b']) {
      expect({ name, entries: ourDump(mapNamed(rt, name)) }).toEqual({ name, entries: kernel.dump(name) });
    }
  });


  it.skipIf(skipReason(oracleMissing, 'kernel comparison of globals.o'))('globals: the same return value and global data as the kernel after one run', () => {
    for (const [, packet] of packets) {
      const kernel = kernelRun(obj('globals'), packet);
      const rt = runtimeFor(obj('globals'));
      const r0 = runProgram(rt, program(rt, 'xdp_globals'), { data: packet }).retval;
      expect(`Return value: ${r0}`).toBe(kernel.runs.get('xdp_globals')!.split(',')[0]);
      for (const name of ['globals.data', 'globals.bss', 'globals.rodata']) expect(ourDump(mapNamed(rt, name))).toEqual(kernel.dump(name));
    }
  });
});

