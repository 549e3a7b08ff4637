import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bpfscope } from '../helpers/cli.js';
import { compileBpf, missing, REPO, skipReason } from '../helpers/env.js';
import { normaliseXlated } from './xlated-compare.js';

/**
 * Inspection never depends on the VM: an object whose programs call helpers the VM does
 * not run (bpf_get_current_task, bpf_get_stackid, bpf_skb_vlan_push) and whose maps the
 * VM only creates (stack_trace, sk_storage, sockhash) loads for every command, and only
 * `prog run` says, in one line, what it would need. Built from test/cli/progs/*.c; where
 * root and bpftool are present, the kernel loads the same object and its bpftool must
 * print the same `prog show`, `prog dump xlated` (up to helper addresses and the lookups
 * it inlines, which these programs have none of), `map show` and `map dump`.
 */
const SRC = join(REPO, 'test', 'cli', 'progs');
const noClang = missing({ clang: true, file: '/usr/include/bpf/bpf_helpers.h' });
const live = missing({ root: true, bpftool: true, file: '/sys/fs/bpf' });

const tmp = mkdtempSync(join(tmpdir(), 'bpfscope-unmodelled-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const obj = (name: string) => join(tmp, `${name}.o`);
const on = (name: string, args: string[]) => bpfscope(['--object', obj(name), ...args]);

const bpftool = (args: string[]) => {
  const r = spawnSync('bpftool', args, { encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
};

/** The object loaded into the kernel, its programs and maps pinned under directories of this test's own. */
function withKernel<T>(object: string, body: (prog: (name: string) => string, map: (name: string) => string) => T): T {
  const pin = `/sys/fs/bpf/bpfscope-unmodelled-${process.pid}`;
  const loaded = spawnSync('bpftool', ['prog', 'loadall', object, pin, 'pinmaps', `${pin}-maps`], { encoding: 'utf8' });
  if (loaded.status !== 0) throw new Error(`the kernel refused ${object}: ${loaded.stderr}`);
  try {
    return body((name) => join(pin, name), (name) => join(`${pin}-maps`, name));
  } finally {
    rmSync(pin, { recursive: true, force: true });
    rmSync(`${pin}-maps`, { recursive: true, force: true });
  }
}

/** Ids differ between the kernel and a fresh load, and so do the load time and uid; only a kernel JITs. */
const noIds = (json: string) =>
  JSON.stringify(JSON.parse(json), (k, v: unknown) => (['jited', 'bytes_jited'].includes(k) ? undefined : ['id', 'btf_id', 'map_ids', 'loaded_at', 'uid'].includes(k) ? typeof v : v));

describe.skipIf(skipReason(noClang, 'objects with helpers and maps the VM does not model'))('what the VM does not model', () => {
  beforeAll(() => {
    for (const name of ['unmodelled', 'unknown_helper']) compileBpf(join(SRC, `${name}.c`), obj(name));
    compileBpf(join(REPO, 'test', 'object', 'legacy', 'tcp_cc.c'), obj('tcp_cc'));
    writeFileSync(join(tmp, 'ctx.bin'), new Uint8Array(64));
  });

  it('prog show, dump xlated (plain, opcodes, linum, visual), callgraph, map show and btf dump all work', () => {
    const commands = [
      ['prog', 'show'], ['-j', 'prog', 'show'], ['prog', 'dump', 'xlated', 'name', 'on_exec'], ['prog', 'dump', 'xlated', 'name', 'on_exec', 'opcodes'],
      ['prog', 'dump', 'xlated', 'name', 'to_socket', 'linum'], ['prog', 'dump', 'xlated', 'name', 'to_socket', 'visual'], ['prog', 'callgraph'],
      ['map', 'show'], ['-j', 'map', 'show'], ['btf', 'dump', 'file', obj('unmodelled')],
    ];
    for (const args of commands) {
      const r = on('unmodelled', args);
      expect({ status: r.status, stderr: r.stderr }, args.join(' ')).toEqual({ status: 0, stderr: '' });
      expect(r.stdout.length, args.join(' ')).toBeGreaterThan(0);
    }
    expect(on('unknown_helper', ['prog', 'dump', 'xlated', 'name', 'tc_vlan']).stdout).toContain('call bpf_skb_vlan_push#18');
  });

  it('prog run names the first thing the run would need, in one line, status 255; nothing runs', () => {
    const ctx = join(tmp, 'ctx.bin');
    const r = on('unmodelled', ['prog', 'run', 'name', 'on_exec', 'ctx_in', ctx]);
    const where = `${obj('unmodelled')}: section tp/sched/sched_process_exec: program on_exec: insn 4`;
    expect(r).toEqual({ status: 255, stdout: '', stderr: `Error: prog run: ${where}: helper bpf_get_current_task#35 is not modelled by bpfscope's VM\n` });
    const j = on('unmodelled', ['-j', 'prog', 'run', 'name', 'on_exec', 'ctx_in', ctx]);
    expect(j).toEqual({ status: 255, stderr: '', stdout: `{"error":"prog run: ${where}: helper bpf_get_current_task#35 is not modelled by bpfscope's VM"}\n` });
    const vlan = on('unknown_helper', ['prog', 'run', 'name', 'tc_vlan', 'data_in', join(REPO, 'test', 'packets', 'ipv4-udp.bin')]);
    expect(vlan.stderr).toBe(`Error: prog run: ${obj('unknown_helper')}: section tc: program tc_vlan: insn 2: helper bpf_skb_vlan_push#18 is not modelled by bpfscope's VM\n`);
    expect(vlan.status).toBe(255);
  });

  it('a map command the kernel would answer from an empty map answers so; one that needs a socket fd says it is not modelled', () => {
    expect(on('unmodelled', ['map', 'dump', 'name', 'stacks'])).toEqual({ status: 0, stdout: 'Found 0 elements\n', stderr: '' });
    const update = on('unmodelled', ['map', 'update', 'name', 'socks', 'key', '1', '0', '0', '0', 'value', '3', '0', '0', '0', '0', '0', '0', '0']);
    expect(update).toEqual({ status: 255, stdout: '', stderr: "Error: BPF_MAP_UPDATE_ELEM of sockhash map socks is not modelled by bpfscope's VM\n" });
  });

  describe.skipIf(skipReason(live, 'objects the VM does not model, against the live kernel'))('against the kernel’s bpftool', () => {
    it('prog show and dump xlated: the kernel’s types, tags, sizes and instructions, the helpers it calls named as it names them', () => {
      withKernel(obj('unmodelled'), (prog) => {
        for (const name of ['on_exec', 'to_socket']) {
          expect(noIds(on('unmodelled', ['-j', 'prog', 'show', 'name', name]).stdout), name).toBe(noIds(bpftool(['-j', 'prog', 'show', 'pinned', prog(name)]).stdout));
          const ours = on('unmodelled', ['prog', 'dump', 'xlated', 'name', name]).stdout;
          const kernel = bpftool(['prog', 'dump', 'xlated', 'pinned', prog(name)]).stdout;
          // Map ids are renumbered by first appearance on both sides.
          const byAppearance = (text: string) => {
            const ids = [...new Set([...text.matchAll(/map\[id:(\d+)\]/g)].map((m) => Number(m[1])))];
            return new Map(ids.map((id, i) => [id, `m${i}`] as const));
          };
          expect(normaliseXlated(ours, byAppearance(ours)), name).toBe(normaliseXlated(kernel, byAppearance(kernel)));
        }
      });
    });

    it('a struct_ops map: show, getnext and freeze as the kernel answers them; its value is not modelled', () => {
      withKernel(obj('tcp_cc'), (_prog, map) => {
        for (const args of [['map', 'show'], ['-j', 'map', 'show'], ['map', 'getnext'], ['map', 'freeze']]) {
          const kernel = bpftool([...args, 'pinned', map('scope_cc')]);
          const ours = on('tcp_cc', [...args, 'name', 'scope_cc']);
          const same = (s: string) => (args[0] === '-j' ? noIds(s) : s.replace(/^\d+:/, 'ID:').replace(/btf_id \d+/, 'btf_id N'));
          expect({ ...ours, stdout: same(ours.stdout) }, args.join(' ')).toEqual({ ...kernel, stdout: same(kernel.stdout) });
        }
        expect(on('tcp_cc', ['map', 'dump', 'name', 'scope_cc']).stderr).toBe("Error: BPF_MAP_LOOKUP_ELEM of struct_ops map scope_cc is not modelled by bpfscope's VM\n");
      });
    });

    it('map show and map dump of every map equal the kernel’s, memlock included', () => {
      withKernel(obj('unmodelled'), (_prog, map) => {
        for (const name of ['stacks', 'events', 'seen', 'sk_data', 'socks', 'xsks', 'task_data', 'inode_data', 'cgrp_data', 'cg_data', 'cg_counts', 'from_user', 'reuse', 'cgroups']) {
          for (const json of [[], ['-j']]) {
            const kernelShow = bpftool([...json, 'map', 'show', 'pinned', map(name)]);
            const ourShow = on('unmodelled', [...json, 'map', 'show', 'name', name]);
            if (json.length) expect(noIds(ourShow.stdout), name).toBe(noIds(kernelShow.stdout));
            else expect(ourShow.stdout.replace(/^\d+:/, 'ID:').replace(/btf_id \d+/, 'btf_id N'), name).toBe(kernelShow.stdout.replace(/^\d+:/, 'ID:').replace(/btf_id \d+/, 'btf_id N'));
            const kernelDump = bpftool([...json, 'map', 'dump', 'pinned', map(name)]);
            const ourDump = on('unmodelled', [...json, 'map', 'dump', 'name', name]);
            expect(ourDump, `${json.join('')} map dump ${name}`).toEqual(kernelDump);
          }
        }
      });
    });
  });
});

describe.skipIf(skipReason(live ?? noClang, 'map types the VM does not model, created against the live kernel'))('map create of types the VM does not model, as bpftool on this kernel', () => {
  const state = mkdtempSync(join(tmpdir(), 'bpfscope-unmodelled-maps-'));
  afterAll(() => rmSync(state, { recursive: true, force: true }));
  const pin = (type: string) => `/sys/fs/bpf/bpfscope-unmodelled-${process.pid}-${type}`;
  const key = (size: number) => ['key', ...Array.from({ length: size }, (_, i) => String(i === 0 ? 1 : 0))];
  /** Per type: its create arguments and key size; each script shows, dumps, looks up, deletes and walks. */
  const TYPES: [string, string[], number][] = [
    ['stack_trace', ['key', '4', 'value', '16', 'entries', '100'], 4],
    ['sockmap', ['key', '4', 'value', '4', 'entries', '10'], 4],
    ['sockmap', ['key', '4', 'value', '8', 'entries', '3'], 4],
    ['sockhash', ['key', '12', 'value', '8', 'entries', '17'], 12],
    ['reuseport_sockarray', ['key', '4', 'value', '8', 'entries', '3'], 4],
    ['user_ringbuf', ['key', '0', 'value', '0', 'entries', '4096'], 0],
    ['cgroup_array', ['key', '4', 'value', '4', 'entries', '3'], 4],
    ['cgroup_storage', ['key', '16', 'value', '8', 'entries', '0'], 16],
    ['percpu_cgroup_storage', ['key', '8', 'value', '4', 'entries', '0'], 8],
  ];
  const noId = (s: string) => s.replace(/^\d+: /gm, 'ID: ').replace(/"id":\d+/g, '"id":N');

  it.each(TYPES.map(([type, args, size], i) => [`${type} ${args.join(' ')}`, type, args, size, i] as const))('%s', (_title, type, args, size, i) => {
    const path = pin(`${type}-${i}`);
    const script: string[][] = [
      ['map', 'create', path, 'type', type, ...args, 'name', 'm'],
      ['map', 'show', 'pinned', path], ['-j', 'map', 'show', 'pinned', path],
      ['map', 'dump', 'pinned', path], ['-j', 'map', 'dump', 'pinned', path],
      ...(size ? [['map', 'lookup', 'pinned', path, ...key(size)], ['map', 'delete', 'pinned', path, ...key(size)], ['map', 'getnext', 'pinned', path]] : [['map', 'lookup', 'pinned', path]]),
      ['map', 'pop', 'pinned', path],
    ];
    if (type === 'stack_trace') script.push(['map', 'update', 'pinned', path, ...key(4), 'value', ...Array<string>(16).fill('0')], ['map', 'delete', 'pinned', path, 'key', '200', '0', '0', '0']);
    if (type.endsWith('cgroup_storage')) for (const flag of ['any', 'exist', 'noexist']) script.push(['map', 'update', 'pinned', path, ...key(size), 'value', '0', '0', '0', '0', ...(type === 'cgroup_storage' ? ['0', '0', '0', '0'] : []), flag]);
    try {
      for (const command of script) {
        const k = bpftool(command);
        const ours = bpfscope(['--state', state, ...command]);
        const what = command.join(' ');
        expect(noId(ours.stdout), what).toBe(noId(k.stdout));
        expect(ours.stderr, what).toBe(k.stderr);
        expect(ours.status, what).toBe(k.status);
      }
    } finally {
      rmSync(path, { force: true });
      bpfscope(['--state', state, 'unpin', path]);
    }
  });

  it('sk_storage without BTF is refused by both', () => {
    const command = ['map', 'create', pin('sk'), 'type', 'sk_storage', 'key', '4', 'value', '8', 'entries', '0', 'name', 'm', 'flags', '1'];
    const k = bpftool(command);
    expect(bpfscope(['--state', state, ...command])).toEqual(k);
    expect(k.status).toBe(255);
  });

  it('a stack trace map whose sizes are left to user space (bcc capable) fails the load as libbpf fails it', () => {
    const source = join(tmp, 'stackmap.c');
    writeFileSync(
      source,
      readFileSync(join(SRC, 'unknown_helper.c'), 'utf8') + 'struct { __uint(type, BPF_MAP_TYPE_STACK_TRACE); __uint(key_size, sizeof(__u32)); } stackmap SEC(".maps");\n',
    );
    compileBpf(source, obj('stackmap'));
    const kernel = spawnSync('bpftool', ['-d', 'prog', 'loadall', obj('stackmap'), `/sys/fs/bpf/bpfscope-unmodelled-${process.pid}-sm`], { encoding: 'utf8' });
    expect(kernel.status).not.toBe(0);
    expect(kernel.stderr).toContain("libbpf: map 'stackmap': failed to create: Invalid argument(-22)");
    const ours = on('stackmap', ['map', 'show']);
    expect(ours.status).toBe(255);
    expect(ours.stderr).toMatch(new RegExp(`^Error: ${obj('stackmap')}: map 'stackmap': failed to create: Invalid argument \\(.*\\)\\n$`));
  });
});
