import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, skipReason } from '../../helpers/env.js';
import { runProgram } from '../../../src/vm/run.js';
import { Runtime } from '../../../src/vm/runtime/index.js';
import { kernelRun, kernelRunCtx, kernelTrace, load, oracleMissing, ourDump, traceMissing } from '../runtime/util.js';
import { buildProg, clangMissing, results, runAll } from './util.js';

const packet = readFileSync(join(REPO, 'test', 'packets', 'ipv4-udp.bin'));

/** printk.c's messages, in order (a message ending in \n leaves an empty line). */
const MESSAGES = [
  'plain\n',
  '-1 4294967295 ff',
  '-1 18446744073709551615 deadbeefcafe',
  '|   42|42   |-0042',
  '+7  7 ABC',
  'okstr',
  '10.0.1.2 010.000.001.002',
  '2001:0db8:0000:0000:0000:0000:00ab:0001 20010db8000000000000000000ab0001',
  '%d |str   |   str',
  'str, null .',
  '5%',
  '1 -2 3 4 ffffffffffffffff',
];

/**
 * What each call returns: bstr_printf's count for the messages; -EINVAL for an unknown
 * conversion, more conversions than arguments, a letter after %s, a precision, h, a
 * control character, a lone %, %pT, a format without its NUL, vprintk data sizes that
 * are not multiples of 8 or miss a conversion's argument; snprintf the length with the NUL.
 */
const RESULTS = [6, 16, 36, 18, 9, 5, 24, 72, 17, 11, 2, -22, -22, -22, -22, -22, -22, -22, -22, -22, 25, -22, -22, 8, 8].map(BigInt);

function bssText(bytes: number[] | Uint8Array, from: number, to: number): string {
  const s = [...bytes].slice(from, to);
  return String.fromCharCode(...s.slice(0, s.indexOf(0) < 0 ? s.length : s.indexOf(0)));
}

describe('trace_printk, trace_vprintk, snprintf', () => {
  it.skipIf(skipReason(clangMissing, 'printk programs'))('format as the kernel does and refuse what it refuses', () => {
    const records: string[] = [];
    const { rt } = runAll(buildProg('printk'), packet, { trace: (r) => records.push(r), task: { comm: 'xdp-test', pid: 12 }, clock: () => 5_000_123_456n });
    expect(results(rt).slice(0, RESULTS.length)).toEqual(RESULTS);
    expect(records).toEqual(MESSAGES.map((m) => `        xdp-test-12      [000] b..11     5.000123: bpf_trace_printk: ${m}\n`));
    const bss = rt.map(rt.object.maps.find((m) => m.name === 'printk.bss')!.id).sysLookup(new Uint8Array(4)) as Uint8Array;
    expect(bssText(bss, 0, 32)).toBe('77-str!');
    // Cut to 5 bytes and the NUL, the length of the whole still returned.
    expect(bssText(bss, 32, 38)).toBe('77-st');
  });

  it.skipIf(skipReason(clangMissing ?? oracleMissing ?? traceMissing, 'printk against the kernel'))(
    'return, write and trace what the kernel does',
    () => {
      const path = buildProg('printk');
      const records: string[] = [];
      const { rt } = runAll(path, packet, { trace: (r) => records.push(r) });
      const { result: kernel, lines } = kernelTrace(() => kernelRun(path, packet));
      for (const name of ['results', 'printk.bss']) {
        expect({ name, entries: ourDump(rt.map(rt.object.maps.find((m) => m.name === name)!.id)) }).toEqual({ name, entries: kernel.dump(name) });
      }
      // The kernel's records of that run (its bpftool's pid), message part only.
      const pid = kernel.pids.get('printk');
      const theirs = lines
        .filter((l) => l.includes(`-${pid} `) && l.includes('bpf_trace_printk: '))
        .map((l) => l.slice(l.indexOf('bpf_trace_printk: ')));
      const ours = records.map((r) => r.slice(r.indexOf('bpf_trace_printk: ')).split('\n')[0]);
      expect(ours).toEqual(theirs);
    },
  );

  it.skipIf(skipReason(clangMissing ?? oracleMissing ?? traceMissing, 'raw tracepoint printk against the kernel'))(
    'write a raw tracepoint’s records with the flags and CPU of the kernel’s test run',
    () => {
      const path = buildProg('printk_raw');
      const args = new Uint8Array(16);
      args[8] = 0xab;
      const { result: kernel, lines } = kernelTrace(() => kernelRunCtx(path, 'printk_raw', args, [0]));
      const pid = kernel.pids.get('printk_raw#0');
      const theirs = lines
        .filter((l) => l.includes(`-${pid} `))
        .map((l) => l.replace(/^.*?\[/, '[').replace(/\] (\S+) +[\d.]+:/, '] $1 TIME:'));
      const records: string[] = [];
      const rt = new Runtime(load(path), { trace: (r) => records.push(r) });
      runProgram(rt, rt.object.programs[0]!, { ctx: args });
      expect(records.map((r) => r.replace(/^.*?\[/, '[').replace(/\] (\S+) +[\d.]+:/, '] $1 TIME:').trimEnd())).toEqual(theirs);
      expect(theirs).toEqual(['[000] ...2. TIME: bpf_trace_printk: raw ab on 0']);
    },
  );
});
