import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openObject } from '../../../src/object/open.js';
import { loadObject } from '../../../src/vm/load.js';
import type { LoadedObject, LoadedProgram } from '../../../src/vm/loaded.js';
import type { RingbufMap } from '../../../src/vm/maps/ringbuf.js';
import type { VmMap } from '../../../src/vm/maps/types.js';
import { Runtime, type RuntimeOptions } from '../../../src/vm/runtime/index.js';
import { missing } from '../../helpers/env.js';

/** Opens and loads an object with ids from 1, as a fresh kernel numbers them. */
export function load(path: string): LoadedObject {
  let prog = 0;
  let map = 0;
  let btf = 0;
  const ids = { nextProgramId: () => ++prog, nextMapId: () => ++map, nextBtfId: () => ++btf };
  return loadObject(openObject(readFileSync(path), basename(path)), ids, { possibleCpus: 1 });
}

export function runtimeFor(path: string, options: RuntimeOptions = {}): Runtime {
  return new Runtime(load(path), options);
}

export function program(rt: Runtime, name: string): LoadedProgram {
  const p = rt.object.programs.find((x) => x.name === name);
  if (!p) throw new Error(`no program ${name}`);
  return p;
}

export function mapNamed(rt: Runtime, name: string): VmMap {
  const m = rt.object.maps.find((x) => x.name === name);
  if (!m) throw new Error(`no map ${name}`);
  return rt.map(m.id);
}

/** One map element as bpftool -j map dump shows it: bytes, per-CPU values as one array per CPU. */
export interface DumpEntry {
  key: number[];
  value: number[] | number[][];
}

export function ourDump(map: VmMap): DumpEntry[] {
  return [...map.entries()].map((e) => ({
    key: [...e.key],
    value: Array.isArray(e.value) ? e.value.map((v) => [...v]) : [...e.value],
  }));
}

interface KernelJsonEntry {
  key: string[];
  /** An error in place of the value: a key the map walks but holds nothing at (a device map's empty slot). */
  value?: string[] | { error: string };
  values?: { cpu: number; value: string[] }[];
}

const hex = (list: string[]) => list.map((s) => parseInt(s, 16));

const HERE = dirname(fileURLToPath(import.meta.url));

const hasTaskset = spawnSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' }).status === 0;

/** The host's possible CPUs, as the kernel counts them for per-CPU values. */
export function possibleCpus(): number {
  const text = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
  return Math.max(...text.split(',').map((r) => Number(r.split('-').at(-1)) + 1));
}

/** Why the kernel cannot be asked here, or undefined. */
export const oracleMissing: string | undefined = missing({ root: true, bpftool: true, file: '/sys/fs/bpf' });

/** A prog array's or map-in-map's slot: the name of the program or map whose id it holds (ids are each side's own). */
export interface SlotEntry {
  key: number[];
  name: string;
}

/** A ring buffer as its consumer sees it: the two positions and the ring's bytes. */
export interface RingState {
  consumer: number;
  producer: number;
  data: number[];
}

export interface KernelRun {
  /** bpftool's run line per program. */
  runs: Map<string, string>;
  /** The pid of the bpftool that ran each program (its trace_printk records carry it). */
  pids: Map<string, number>;
  /** The packet bpftool wrote out (data_out) per program, for the runs the kernel did not refuse. */
  dataOut: Map<string, Uint8Array>;
  dump(mapName: string): DumpEntry[];
  /** The filled slots of a prog array or map-in-map, with the names their ids had in the kernel. */
  slots(mapName: string): SlotEntry[];
  ring(mapName: string): RingState;
}

/** Our prog array's or map-in-map's slots, named as kernelRun names the kernel's. */
export function ourSlots(rt: Runtime, map: VmMap): SlotEntry[] {
  return [...map.entries()].map((e) => {
    const id = Buffer.from(e.value as Uint8Array).readUInt32LE(0);
    const named = map.typeName === 'prog_array' ? rt.object.programs.find((p) => p.id === id) : rt.object.maps.find((m) => m.id === id);
    return { key: [...e.key], name: named?.name ?? `no object with id ${id}` };
  });
}

export function ourRing(map: RingbufMap): RingState {
  return { consumer: map.consumerPosition, producer: map.producerPosition, data: [...map.data.subarray(0, map.maxEntries)] };
}

/** An element written from user space before the runs: map name, key bytes, value bytes. */
export type MapUpdate = [map: string, key: number[], value: number[]];

/**
 * Loads the object into the real kernel with bpftool (maps pinned), writes `updates`
 * into its maps, runs every program once on the packet in name order on that one
 * instance (BPF_PROG_TEST_RUN, pinned to CPU 0 so that per-CPU values land where a
 * runtime with cpu 0 puts them), reads every map back and unloads. What kernel-oracle
 * does for runs and dumps, without the listings.
 */
export function kernelRun(objectPath: string, packet: Uint8Array, updates: readonly MapUpdate[] = []): KernelRun {
  return kernelSession(objectPath, (pin, bpftool, dir) => {
    for (const [map, key, value] of updates) {
      const r = bpftool(['map', 'update', 'pinned', join(`${pin}-maps`, map), 'key', ...key.map(String), 'value', ...value.map(String)]);
      if (r.status !== 0) throw new Error(`the kernel refused ${map}[${key.join(' ')}] = ${value.join(' ')}: ${r.stderr}`);
    }
    const pkt = join(dir, 'packet.bin');
    writeFileSync(pkt, packet);
    const runs = new Map<string, string>();
    const pids = new Map<string, number>();
    const dataOut = new Map<string, Uint8Array>();
    for (const name of readdirSync(pin).sort()) {
      const out = join(dir, `${name}.data_out`);
      const r = bpftool(['prog', 'run', 'pinned', join(pin, name), 'data_in', pkt, 'data_out', out, 'repeat', '1']);
      runs.set(name, `${r.stdout}${r.stderr}`.trim());
      // taskset execs bpftool in its own process.
      pids.set(name, r.pid);
      if (existsSync(out)) dataOut.set(name, readFileSync(out));
    }
    return { runs, pids, dataOut };
  });
}

/**
 * Loads the object and runs one program on a context on each CPU given, through raw
 * bpf() (test-run-oracle.py: bpftool cannot run raw tracepoint programs), then reads
 * the maps back. `runs` maps each run to the kernel's return value (or its errno).
 */
export function kernelRunCtx(objectPath: string, program: string, ctx: Uint8Array, cpus: number[]): KernelRun {
  return kernelSession(objectPath, (pin) => {
    const runs = new Map<string, string>();
    const pids = new Map<string, number>();
    cpus.forEach((cpu, i) => {
      // Run from that CPU: asked for another, the kernel runs the program there in an IPI, on whatever task is current.
      const argv = [...(hasTaskset ? ['taskset', '-c', String(cpu)] : []), 'python3', join(HERE, 'test-run-oracle.py'), join(pin, program), Buffer.from(ctx).toString('hex'), String(cpu)];
      const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
      runs.set(`${program}#${i}`, r.stdout.trim());
      pids.set(`${program}#${i}`, r.pid);
    });
    return { runs, pids, dataOut: new Map() };
  });
}

type Bpftool = (args: string[]) => SpawnSyncReturns<string>;

const FD_MAPS: Record<string, 'prog' | 'map'> = { prog_array: 'prog', array_of_maps: 'map', hash_of_maps: 'map' };

function kernelSession(objectPath: string, runAll: (pin: string, bpftool: Bpftool, dir: string) => Pick<KernelRun, 'runs' | 'pids' | 'dataOut'>): KernelRun {
  const dir = mkdtempSync(join(tmpdir(), 'bpfscope-kernel-'));
  const pin = `/sys/fs/bpf/bpfscope-rt-${process.pid}-${++pins}`;
  const bpftool: Bpftool = (args) => {
    const argv = hasTaskset ? ['taskset', '-c', '0', 'bpftool', ...args] : ['bpftool', ...args];
    return spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  };
  try {
    const loaded = bpftool(['prog', 'loadall', objectPath, pin, 'pinmaps', `${pin}-maps`]);
    if (loaded.status !== 0) throw new Error(`the kernel refused ${objectPath}: ${loaded.stderr}`);
    const { runs, pids, dataOut } = runAll(pin, bpftool, dir);
    const dumps = new Map<string, DumpEntry[]>();
    const slots = new Map<string, SlotEntry[]>();
    const rings = new Map<string, RingState>();
    const mapNames = existsSync(`${pin}-maps`) ? readdirSync(`${pin}-maps`) : [];
    for (const name of mapNames) {
      const path = join(`${pin}-maps`, name);
      const show = JSON.parse(bpftool(['-j', 'map', 'show', 'pinned', path]).stdout) as { type: string; max_entries: number };
      if (show.type === 'ringbuf') {
        const r = spawnSync('python3', [join(HERE, 'ringbuf-oracle.py'), path, String(show.max_entries)], { encoding: 'utf8' });
        const ring = JSON.parse(r.stdout) as { consumer: number; producer: number; data: string };
        rings.set(name, { consumer: ring.consumer, producer: ring.producer, data: [...Buffer.from(ring.data, 'hex')] });
        continue;
      }
      const r = bpftool(['-j', 'map', 'dump', 'pinned', path]);
      if (r.status !== 0) continue;
      const json = JSON.parse(r.stdout) as KernelJsonEntry[];
      // Slots the kernel cannot read back (a devmap's empty ones) come with an error instead of a value.
      const held = json.filter((e) => !(e.value && 'error' in e.value));
      const entries = held.map((e) => ({ key: hex(e.key), value: e.values ? e.values.map((c) => hex(c.value)) : hex((e.value as string[] | undefined) ?? []) }));
      dumps.set(name, entries);
      const holder = FD_MAPS[show.type];
      if (holder) {
        const nameOf = (id: number) => (JSON.parse(bpftool(['-j', holder, 'show', 'id', String(id)]).stdout) as { name: string }).name;
        slots.set(name, entries.map((e) => ({ key: e.key, name: nameOf(Buffer.from(e.value as number[]).readUInt32LE(0)) })));
      }
    }
    // libbpf pins a map under its name with dots made underscores.
    const get = <T>(from: Map<string, T>, name: string, what: string): T => {
      const d = from.get(name.replace(/\./g, '_'));
      if (!d) throw new Error(`the kernel gave no ${what} for map ${name} (${[...from.keys()].join(', ')})`);
      return d;
    };
    return {
      runs,
      pids,
      dataOut,
      dump: (name) => get(dumps, name, 'dump'),
      slots: (name) => get(slots, name, 'slots'),
      ring: (name) => get(rings, name, 'ring buffer'),
    };
  } finally {
    rmSync(pin, { recursive: true, force: true });
    rmSync(`${pin}-maps`, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

let pins = 0;

const TRACING = '/sys/kernel/tracing';

/** Why the kernel's trace records cannot be read here, or undefined. */
export const traceMissing: string | undefined = existsSync(join(TRACING, 'instances')) ? undefined : `${TRACING} is not mounted (tracefs)`;

/**
 * The kernel's bpf_trace_printk records written while `body` runs, from a trace
 * instance of this process's own with the event enabled: other readers of the global
 * buffer (trace_pipe consumes what it reads) or writers clearing it cannot take them.
 */
export function kernelTrace<T>(body: () => T): { result: T; lines: string[] } {
  const dir = join(TRACING, 'instances', `bpfscope-test-${process.pid}-${++instances}`);
  mkdirSync(dir);
  try {
    writeFileSync(join(dir, 'events', 'bpf_trace', 'bpf_trace_printk', 'enable'), '1');
    const result = body();
    const lines = readFileSync(join(dir, 'trace'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    return { result, lines };
  } finally {
    rmdirSync(dir);
  }
}

let instances = 0;
