import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { missing } from '../../helpers/env.js';
import { errnoOfText } from '../../../src/errno.js';

/**
 * The real kernel as an oracle for map semantics, through bpftool 7.1: maps created
 * and pinned under /sys/fs/bpf, operated on one bpftool process per call, removed
 * after. Every call is pinned to CPU 0 (taskset), since LRU maps keep per-CPU lists.
 * Errors come back as negative errnos: bpftool exits with -errno & 0xff, or with 255
 * and the errno's text.
 */

function bpffsMissing(): string | undefined {
  try {
    const mounts = readFileSync('/proc/mounts', 'utf8');
    return mounts.split('\n').some((l) => l.split(' ')[1] === '/sys/fs/bpf' && l.split(' ')[2] === 'bpf') ? undefined : 'no bpffs at /sys/fs/bpf';
  } catch {
    return '/proc/mounts is unreadable';
  }
}

/** Why the kernel cannot be asked here, or undefined. */
export const kernelMissing: string | undefined = missing({ bpftool: true, root: true }) ?? bpffsMissing();

const hasTaskset = spawnSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' }).status === 0;

/** The host's possible CPUs, as the kernel counts them for per-CPU values. */
export function possibleCpus(): number {
  const text = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
  return Math.max(...text.split(',').map((r) => Number(r.split('-').at(-1)) + 1));
}

interface Run {
  errno: number;
  json: unknown;
}

/** CPUs taskset can run bpftool on (the online ones), none without taskset. */
export function onlineCpus(): number {
  if (!hasTaskset) return 0;
  try {
    const text = readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
    return Math.max(...text.split(',').map((r) => Number(r.split('-').at(-1)) + 1));
  } catch {
    return 0;
  }
}

function bpftool(args: string[], cpu = 0): Run {
  const argv = ['bpftool', '-j', ...args];
  const r = hasTaskset ? spawnSync('taskset', ['-c', String(cpu), ...argv], { encoding: 'utf8' }) : spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  let json: unknown = null;
  try {
    json = r.stdout.trim() ? (JSON.parse(r.stdout) as unknown) : null;
  } catch {
    json = null;
  }
  if (r.status === 0) return { errno: 0, json };
  const text = json && typeof json === 'object' && 'error' in json ? String((json as { error: unknown }).error) : '';
  // The text first: the exit status keeps only the low byte (-524 exits as 244, like -12).
  const fromText = errnoOfText(text.slice(text.lastIndexOf(': ') + 2));
  if (fromText !== undefined) return { errno: -fromText, json };
  return { errno: r.status === 255 || r.status === null ? -1 : r.status - 256, json };
}

function hexArgs(bytes: Uint8Array): string[] {
  return ['hex', ...[...bytes].map((b) => b.toString(16).padStart(2, '0'))];
}

function bytesOf(list: unknown): Uint8Array {
  return Uint8Array.from((list as string[]).map((s) => parseInt(s, 16)));
}

let seq = 0;

export interface KernelMapAttrs {
  type: string;
  key: number;
  value: number;
  entries: number;
  flags?: number;
  inner?: KernelMap;
}

const FD_MAPS = new Set(['prog_array', 'perf_event_array', 'array_of_maps', 'hash_of_maps', 'cgroup_array']);

export class KernelMap {
  private constructor(
    readonly path: string,
    private readonly type: string,
  ) {}

  /** A new pinned map, or the errno of its creation. */
  static create(a: KernelMapAttrs): KernelMap | number {
    const path = `/sys/fs/bpf/bpfscope-maps-${process.pid}-${seq++}`;
    const args = ['map', 'create', path, 'type', a.type, 'key', String(a.key), 'value', String(a.value), 'entries', String(a.entries), 'name', 'bpfscope_t'];
    if (a.flags) args.push('flags', `0x${a.flags.toString(16)}`);
    if (a.inner) args.push('inner_map', 'pinned', a.inner.path);
    const r = bpftool(args);
    return r.errno ? r.errno : new KernelMap(path, a.type);
  }

  private get pin(): string[] {
    return ['pinned', this.path];
  }

  /** BPF_MAP_UPDATE_ELEM, from a bpftool running on `cpu`. */
  update(key: Uint8Array | undefined, value: Uint8Array | KernelMap, flag: 'any' | 'exist' | 'noexist' = 'any', cpu = 0): number {
    const v = value instanceof KernelMap ? ['pinned', value.path] : hexArgs(value);
    return bpftool(['map', 'update', ...this.pin, ...(key ? ['key', ...hexArgs(key)] : []), 'value', ...v, flag], cpu).errno;
  }

  /** The value, or its per-CPU values, or -errno. */
  lookup(key: Uint8Array | undefined): Uint8Array | Uint8Array[] | number {
    const r = bpftool(['map', 'lookup', ...this.pin, ...(key ? ['key', ...hexArgs(key)] : [])]);
    if (r.errno) return r.errno;
    const j = r.json as { value?: unknown; values?: { value: unknown }[] };
    return j.values ? j.values.map((v) => bytesOf(v.value)) : bytesOf(j.value);
  }

  delete(key: Uint8Array | undefined): number {
    return bpftool(['map', 'delete', ...this.pin, ...(key ? ['key', ...hexArgs(key)] : [])]).errno;
  }

  getnext(key: Uint8Array | undefined): Uint8Array | number {
    const r = bpftool(['map', 'getnext', ...this.pin, ...(key ? ['key', ...hexArgs(key)] : [])]);
    return r.errno ? r.errno : bytesOf((r.json as { next_key: unknown }).next_key);
  }

  push(value: Uint8Array): number {
    return bpftool(['map', 'push', ...this.pin, 'value', ...hexArgs(value)]).errno;
  }

  pop(): Uint8Array | number {
    const r = bpftool(['map', 'pop', ...this.pin]);
    return r.errno ? r.errno : bytesOf((r.json as { value: unknown }).value);
  }

  peek(): Uint8Array | number {
    const r = bpftool(['map', 'peek', ...this.pin]);
    return r.errno ? r.errno : bytesOf((r.json as { value: unknown }).value);
  }

  freeze(): number {
    return bpftool(['map', 'freeze', ...this.pin]).errno;
  }

  /**
   * Every key get_next_key walks, from none to the end, in the kernel's order. For maps
   * whose every key has a value, one `map dump`, which walks the same way (its lookups
   * are the syscall's, which leave LRU reference bits alone), rather than a bpftool per
   * key; fd arrays' dumps leave out empty slots, so they are walked key by key.
   */
  keys(): Uint8Array[] {
    if (FD_MAPS.has(this.type)) {
      const out: Uint8Array[] = [];
      for (let k = this.getnext(undefined); typeof k !== 'number'; k = this.getnext(k)) out.push(k);
      return out;
    }
    const r = bpftool(['map', 'dump', ...this.pin]);
    if (r.errno) throw new Error(`bpftool map dump failed: ${r.errno}`);
    return (r.json as { key: unknown }[]).map((e) => bytesOf(e.key));
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}

/** Runs `body` with maps it creates through `make`, removing every pin afterwards. */
export function withKernelMaps<T>(body: (make: (a: KernelMapAttrs) => KernelMap) => T): T {
  const made: KernelMap[] = [];
  try {
    return body((a) => {
      const m = KernelMap.create(a);
      if (typeof m === 'number') throw new Error(`bpftool map create ${a.type} failed: ${m}`);
      made.push(m);
      return m;
    });
  } finally {
    for (const m of made) m.remove();
  }
}
