import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openObject } from '../../src/object/open.js';
import { loadTarget } from '../../src/object/target.js';
import { bpfscope } from '../helpers/cli.js';
import { compileBpf, missing, REPO, skipReason } from '../helpers/env.js';

/**
 * Attach BTF ids against what bpftool reads from the running kernel's BTF
 * (`bpftool btf dump file /sys/kernel/btf/vmlinux`), and a struct_ops map and its
 * programs against what the real kernel and bpftool showed for test/object/legacy/tcp_cc.c
 * (test/object/legacy/kernel/, see its README).
 */
const VMLINUX = '/sys/kernel/btf/vmlinux';
const reason = missing({ clang: true, bpftool: true, file: VMLINUX });
const dir = mkdtempSync(join(tmpdir(), 'bpfscope-attach-'));

let vmlinuxDump: string | undefined;
/** The id bpftool gives a named type of a kind in vmlinux, and the members of a struct. */
function bpftoolType(kind: string, name: string): { id: number; members: string[] } {
  vmlinuxDump ??= execFileSync('bpftool', ['btf', 'dump', 'file', VMLINUX], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const at = vmlinuxDump.indexOf(`] ${kind} '${name}'`);
  if (at < 0) throw new Error(`bpftool shows no ${kind} '${name}' in ${VMLINUX}`);
  const start = vmlinuxDump.lastIndexOf('[', at);
  const lines = vmlinuxDump.slice(start).split('\n');
  const members: string[] = [];
  for (const line of lines.slice(1)) {
    const m = /^\t'([^']*)' type_id=/.exec(line);
    if (!m) break;
    members.push(m[1]!);
  }
  return { id: Number(lines[0]!.slice(1, lines[0]!.indexOf(']'))), members };
}

const SOURCE = `
#define SEC(n) __attribute__((section(n), used))
SEC("fentry/do_unlinkat") int on_entry(void *ctx) { return 0; }
SEC("fexit/do_unlinkat") int on_exit(void *ctx) { return 0; }
SEC("lsm/bpf") int on_bpf(void *ctx) { return 0; }
SEC("iter/task") int on_task(void *ctx) { return 0; }
SEC("tp_btf/sched_switch") int on_switch(void *ctx) { return 0; }
SEC("fentry/vmlinux:do_unlinkat") int on_entry_vmlinux(void *ctx) { return 0; }
SEC("fentry/bpfscope_no_such_function") int on_nothing(void *ctx) { return 0; }
SEC("freplace/handler") int replacement(void *ctx) { return 0; }
char _license[] SEC("license") = "GPL";
`;

describe.skipIf(skipReason(reason, 'attach BTF id tests'))('attach BTF ids from the target BTF', () => {
  it('fentry, fexit, lsm, iter, tp_btf get the ids bpftool shows for FUNC NAME, bpf_lsm_NAME, bpf_iter_NAME, btf_trace_NAME', () => {
    const src = join(dir, 'attach.c');
    execFileSync('sh', ['-c', `cat > ${src}`], { input: SOURCE });
    const obj = join(dir, 'attach.o');
    compileBpf(src, obj);
    const spec = openObject(obj, undefined, { target: loadTarget() });
    const by = (name: string) => spec.programs.find((p) => p.name === name)!;
    expect(by('on_entry').attachBtfId).toBe(bpftoolType('FUNC', 'do_unlinkat').id);
    expect(by('on_exit').attachBtfId).toBe(bpftoolType('FUNC', 'do_unlinkat').id);
    expect(by('on_entry_vmlinux').attachBtfId).toBe(bpftoolType('FUNC', 'do_unlinkat').id);
    expect(by('on_bpf').attachBtfId).toBe(bpftoolType('FUNC', 'bpf_lsm_bpf').id);
    expect(by('on_task').attachBtfId).toBe(bpftoolType('FUNC', 'bpf_iter_task').id);
    expect(by('on_switch').attachBtfId).toBe(bpftoolType('TYPEDEF', 'btf_trace_sched_switch').id);
    expect(by('on_entry').attachBtfObject).toBe('vmlinux');
    // What libbpf says before the kernel sees them (bpftool prog loadall prints the same).
    expect(by('on_nothing').loadError).toEqual({ message: "failed to find kernel BTF type ID of 'bpfscope_no_such_function': -3", errno: 3 });
    expect(by('replacement').loadError).toEqual({ message: 'attach program FD is not set', errno: 22 });
    const untargeted = openObject(obj, undefined, { target: loadTarget({ btf: 'none' }) });
    const plain = untargeted.programs.find((p) => p.name === 'on_entry')!;
    expect([plain.attachBtfId, plain.loadError]).toEqual([undefined, undefined]);
    expect(untargeted.notes).toContain("prog 'on_entry': no target BTF, so its attach target 'do_unlinkat' has no BTF id");
    const r = bpfscope(['--state', join(dir, 'state'), 'prog', 'loadall', obj, '/sys/fs/bpf/attach']);
    expect(r.status).toBe(255);
    expect(r.stderr).toContain(
      "libbpf: prog 'on_nothing': failed to find kernel BTF type ID of 'bpfscope_no_such_function': -3\n" +
        "libbpf: prog 'on_nothing': failed to prepare load attributes: -3\nlibbpf: prog 'on_nothing': failed to load: -3\n" +
        `libbpf: failed to load object '${obj}'\nError: failed to load object file\n`,
    );
  });

  it('a struct_ops map and its programs, as the kernel and bpftool showed them', () => {
    const obj = join(dir, 'tcp_cc.o');
    compileBpf(join(REPO, 'test', 'object', 'legacy', 'tcp_cc.c'), obj);
    const kernel = join(REPO, 'test', 'object', 'legacy', 'kernel');
    const map = JSON.parse(readFileSync(join(kernel, 'tcp_cc.map.json'), 'utf8')) as Record<string, unknown>;
    const progs = JSON.parse(readFileSync(join(kernel, 'tcp_cc.progs.json'), 'utf8')) as Record<string, unknown>[];
    const shown = bpfscope(['--object', obj, '-j', 'map', 'show']);
    const ours = (JSON.parse(shown.stdout) as Record<string, unknown>[])[0]!;
    // memlock is the VM's reckoning for a map type it does not run; ids are the store's.
    for (const key of ['type', 'name', 'flags', 'bytes_key', 'bytes_value', 'max_entries', 'frozen']) expect(ours[key], key).toEqual(map[key]);
    expect('btf_id' in ours).toBe('btf_id' in map);
    const ourProgs = JSON.parse(bpfscope(['--object', obj, '-j', 'prog', 'show']).stdout) as Record<string, unknown>[];
    const tags = (list: Record<string, unknown>[]) => Object.fromEntries(list.map((p) => [p.name, `${p.type} ${p.tag}`]));
    expect(tags(ourProgs)).toEqual(tags(progs));
    const ops = bpftoolType('STRUCT', 'tcp_congestion_ops');
    const spec = openObject(obj, undefined, { target: loadTarget() });
    expect(spec.maps[0]!.btfVmlinuxValueTypeId).toBe(bpftoolType('STRUCT', 'bpf_struct_ops_tcp_congestion_ops').id);
    for (const [prog, member] of [['scope_ssthresh', 'ssthresh'], ['scope_cong_avoid', 'cong_avoid'], ['scope_undo_cwnd', 'undo_cwnd']] as const) {
      const p = spec.programs.find((q) => q.name === prog)!;
      expect(p.attachBtfId, prog).toBe(ops.id);
      expect(p.kind.expectedAttachType, prog).toBe(ops.members.indexOf(member));
    }
  });
});

