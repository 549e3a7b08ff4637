import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileBpf, missing } from '../../helpers/env.js';
import type { RuntimeOptions } from '../../../src/vm/runtime/index.js';
import { Runtime } from '../../../src/vm/runtime/index.js';
import { runProgram } from '../../../src/vm/run.js';
import { load, type DumpEntry } from '../runtime/util.js';

const PROGS = join(dirname(fileURLToPath(import.meta.url)), 'progs');

export const clangMissing = missing({ clang: true, file: '/usr/include/bpf/bpf_helpers.h' });

let outDir: string | undefined;

/** Builds test/vm/helpers/progs/NAME.c as objects/ are built; returns the object's path. */
export function buildProg(name: string): string {
  outDir ??= mkdtempSync(join(tmpdir(), 'bpfscope-helpers-'));
  const out = join(outDir, `${name}.o`);
  compileBpf(join(PROGS, `${name}.c`), out);
  return out;
}

export interface OurRun {
  rt: Runtime;
  /** The return value of each program, by name. */
  r0: Map<string, number>;
}

/** Runs every program of the object once on the packet (BPF_PROG_TEST_RUN), in name order as kernelRun does, on one runtime. */
export function runAll(path: string, packet: Uint8Array, options: RuntimeOptions = {}): OurRun {
  const rt = new Runtime(load(path), options);
  const r0 = new Map<string, number>();
  for (const p of [...rt.object.programs].sort((a, b) => (a.name < b.name ? -1 : 1))) r0.set(p.name, runProgram(rt, p, { data: packet }).retval);
  return { rt, r0 };
}

/** Elements in key order, so that hash maps with the kernel's random seed compare. */
export function byKey(entries: DumpEntry[]): DumpEntry[] {
  const k = (e: DumpEntry) => e.key.map((b) => b.toString(16).padStart(2, '0')).join('');
  return [...entries].sort((a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0));
}

/** results[] of a program as signed 64-bit numbers. */
export function results(rt: Runtime, name = 'results'): bigint[] {
  const m = rt.object.maps.find((x) => x.name === name)!;
  return [...rt.map(m.id).entries()].map((e) => new DataView((e.value as Uint8Array).buffer, (e.value as Uint8Array).byteOffset).getBigInt64(0, true));
}
