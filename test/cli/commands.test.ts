import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeInsns } from '../../src/isa/encode.js';
import { openObject } from '../../src/object/open.js';
import { MAIN_USAGE } from '../../src/cli/usage.js';
import { SessionStore } from '../../src/store/session-store.js';
import { bpfscope } from '../helpers/cli.js';
import { missing, REPO, skipReason } from '../helpers/env.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfscope-cli-'));

describe('help and usage', () => {
  it.each([[['help']], [['-h']], [[]]])('bpfscope %j prints the main usage on stderr', (args) => {
    const r = bpfscope(args);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^Usage: bpfscope \[OPTIONS\] OBJECT \{ COMMAND \| help \}/);
  });

  it('an object with no command runs its first, as bpftool does (prog is prog show)', () => {
    const r = bpfscope(['--object', 'objects/xdp.o', 'prog']);
    expect(r.stdout.match(/^\d+: xdp {2}name \w+/gm)).toEqual(['1: xdp  name xdp_pass', '2: xdp  name xdp_drop', '3: xdp  name xdp_parse']);
  });

  it.each([[['prog', 'help']], [['p', '-h']]])('bpfscope %j prints prog usage', (args) => {
    const r = bpfscope(args);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^Usage: bpfscope prog \{ show \| list \} \[PROG\]/);
  });

  it('help in JSON mode is null, as bpftool prints it', () => {
    expect(bpfscope(['-j', 'prog', 'help']).stdout).toBe('null\n');
  });

  it('an unknown command prints the usage alone, exit 255, as bpftool', () => {
    const r = bpfscope(['prog', 'frobnicate']);
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/^Usage: bpfscope prog/);
    expect(r.stderr).not.toMatch(/Error/);
  });

  it('a word starting with - is an option wherever it is, as getopt takes it for bpftool: value -1 is refused, not a byte', () => {
    const state = join(dir, 'options');
    expect(bpfscope(['--state', state, 'map', 'create', '/sys/fs/bpf/o', 'type', 'array', 'key', '4', 'value', '4', 'entries', '1', 'name', 'o']).status).toBe(0);
    const update = (...value: string[]) => bpfscope(['--state', state, 'map', 'update', 'name', 'o', 'key', '0', '0', '0', '0', 'value', ...value]);
    expect(update('-1', '0', '0', '0')).toEqual({ status: 255, stdout: '', stderr: `Error: unrecognized option '-1'\n${MAIN_USAGE}` });
    // getopt names the word before an unknown letter that is not the last of its cluster.
    expect(update('-0x1', '0', '0', '0').stderr.split('\n')[0]).toBe("Error: unrecognized option 'value'");
    expect(bpfscope(['--state', state, '-j', 'map', 'update', 'name', 'o', 'key', '0', '0', '0', '0', 'value', '-1', '0', '0', '0'])).toEqual({ status: 255, stdout: `{"error":"unrecognized option '-1'"}\n`, stderr: '' });
    expect(bpfscope(['--state', state, 'map', 'show', '--nosuch']).stderr.split('\n')[0]).toBe("Error: unrecognized option '--nosuch'");
    // After --, words are words: -1 is strtoul's 0xff, as bpftool takes it (and as batch files always do).
    expect(update('--', '-1', '0', '0', '0').status).toBe(0);
    expect(bpfscope(['--state', state, 'map', 'lookup', 'name', 'o', 'key', '0', '0', '0', '0']).stdout).toBe('key: 00 00 00 00  value: ff 00 00 00\n');
  });

  it('version, plain and JSON', () => {
    expect(bpfscope(['version']).stdout).toMatch(/^bpfscope v\d+\.\d+\.\d+\n$/);
    expect(JSON.parse(bpfscope(['-j', 'version']).stdout)).toHaveProperty('version');
  });
});

describe('prog show and list', () => {
  it('keywords are prefixes, as in bpftool', () => {
    const full = bpfscope(['--object', 'objects/xdp.o', 'prog', 'show', 'name', 'xdp_pass']);
    const short = bpfscope(['--object', 'objects/xdp.o', 'p', 'l', 'n', 'xdp_pass']);
    const sameSecond = (s: string): string => s.replace(/loaded_at \S+/, 'loaded_at TIME');
    expect(sameSecond(short.stdout)).toBe(sameSecond(full.stdout));
    expect(full.stdout).toMatch(/^1: xdp {2}name xdp_pass {2}tag d4f8542f2b42fac5 {2}gpl\n/);
  });

  it('options may follow the command', () => {
    const r = bpfscope(['--object', 'objects/xdp.o', 'prog', 'show', 'id', '2', '-j']);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 2, name: 'xdp_drop', type: 'xdp' });
  });

  it('-p lays JSON out as bpftool does (arrays of numbers stay on the key line)', () => {
    const r = bpfscope(['-p', '--object', 'objects/globals.o', 'prog', 'show', 'id', '1']);
    expect(r.stdout).toMatch(/^\{\n {4}"id": 1,\n {4}"type": "xdp",/);
    expect(r.stdout).toMatch(/\n {4}"map_ids": \[1,2,3,4\n {4}\],\n/);
  });

  it('programs of several objects are numbered on in order', () => {
    const r = bpfscope(['-j', '--object', 'objects/hello.o', '--object', 'objects/xdp.o', 'prog', 'list']);
    expect((JSON.parse(r.stdout) as { id: number; name: string }[]).map((p) => `${p.id}:${p.name}`)).toEqual(['1:hello', '2:xdp_pass', '3:xdp_drop', '4:xdp_parse']);
  });

  it('a tag selects a program', () => {
    const r = bpfscope(['--object', 'objects/xdp.o', 'prog', 'show', 'tag', 'b30cf65b7e0fa9c7']);
    expect(r.stdout).toMatch(/name xdp_drop/);
  });

  it.each([
    [['prog', 'show', 'id', 'x1'], "Error: can't parse x1 as ID"],
    [['prog', 'show', 'id', '99'], 'Error: get by id (99): No such file or directory'],
    [['prog', 'show', 'tag', 'zz'], "Error: can't parse tag"],
    [['prog', 'show', 'bogus', '1'], "Error: expected 'id', 'tag', 'name' or 'pinned', got: 'bogus'?"],
    // bpftool's BAD_ARG: show takes no word or a handle's two.
    [['prog', 'show', 'id'], "Error: what is 'id'?"],
  ])('bad selector %j: one error line', (args, message) => {
    const r = bpfscope(['--object', 'objects/xdp.o', ...args]);
    expect(r.status).toBe(255);
    expect(r.stderr).toBe(`${message}\n`);
  });

  it('a handle that names nothing prints nothing, status 255, as bpftool (with -j, the empty line its writer ends with)', () => {
    expect(bpfscope(['--object', 'objects/xdp.o', 'prog', 'show', 'name', 'nope'])).toEqual({ status: 255, stdout: '', stderr: '' });
    expect(bpfscope(['--object', 'objects/xdp.o', '-j', 'prog', 'show', 'name', 'nope'])).toEqual({ status: 255, stdout: '\n', stderr: '' });
  });
});

describe('prog dump xlated', () => {
  it('file FILE writes the raw instructions and nothing else', () => {
    const file = join(dir, 'pass.bin');
    const r = bpfscope(['--object', 'objects/subprogs.o', 'prog', 'dump', 'xlated', 'name', 'xdp_sub', 'file', file]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    // The program as loaded (the kernel's context rewrites in), as `opcodes` shows it.
    const loaded = new SessionStore().load(openObject('objects/subprogs.o')).programs.find((p) => p.name === 'xdp_sub')!;
    expect(new Uint8Array(readFileSync(file))).toEqual(encodeInsns(loaded.xlated, true));
    const opcodes = bpfscope(['--object', 'objects/subprogs.o', 'prog', 'dump', 'xlated', 'name', 'xdp_sub', 'opcodes']).stdout;
    const shown = [...opcodes.matchAll(/^ {7}((?:[0-9a-f]{2} )*[0-9a-f]{2})$/gm)].map((m) => m[1]!.replaceAll(' ', '')).join('');
    expect(Buffer.from(readFileSync(file)).toString('hex')).toBe(shown);
  });

  it('jited is refused with the reason', () => {
    const r = bpfscope(['--object', 'objects/xdp.o', 'prog', 'dump', 'jited', 'id', '1']);
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/^Error: bpfscope interprets programs and has no JIT/);
  });

  it('several matches with visual are an error, as in bpftool', () => {
    const r = bpfscope(['--object', 'objects/xdp.o', '--object', 'objects/xdp.o', 'prog', 'dump', 'xlated', 'name', 'xdp_pass', 'visual']);
    expect(r.stderr).toBe('Error: several programs matched\n');
  });

  it('-j with several matches gives an array of programs with their insns', () => {
    const r = bpfscope(['-j', '--object', 'objects/xdp.o', '--object', 'objects/xdp.o', 'prog', 'dump', 'xlated', 'name', 'xdp_pass']);
    const parsed = JSON.parse(r.stdout) as { id: number; name: string; insns: { disasm: string }[] }[];
    expect(parsed.map((p) => [p.id, p.name, p.insns.at(-1)?.disasm])).toEqual([
      [1, 'xdp_pass', '(95) exit'],
      [4, 'xdp_pass', '(95) exit'],
    ]);
  });
});

describe('call graph and rendering', () => {
  it('names programs, subprograms, helpers and tail-call targets', () => {
    const r = bpfscope(['--object', 'objects/maps.o', '--object', 'objects/subprogs.o', 'prog', 'callgraph']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^digraph /);
    for (const name of ['maps_main', 'maps_tail', 'bpf_ringbuf_output', 'jumps', 'tail call [1]', 'xdp_sub', 'mix', 'fold', 'weigh']) {
      expect(r.stdout).toContain(name);
    }
  });

  it.skipIf(skipReason(missing({ dot: true }), 'the Graphviz rendering test'))('--render svg writes an SVG of any dot output', () => {
    const file = join(dir, 'visual.svg');
    const r = bpfscope(['--object', 'objects/subprogs.o', '--render', 'svg', file, 'prog', 'dump', 'xlated', 'name', 'xdp_sub', 'visual']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(existsSync(file) && readFileSync(file, 'utf8')).toMatch(/<svg[\s\S]*ENTRY[\s\S]*<\/svg>/);
  });

  it('--render refuses an unknown format', () => {
    const r = bpfscope(['--object', 'objects/xdp.o', '--render', 'gif', join(dir, 'x.gif'), 'prog', 'callgraph']);
    expect(r.status).toBe(255);
    expect(r.stderr).toBe('Error: --render takes a format (svg or png) and a file\n');
  });
});

describe('map show', () => {
  it('shows the legacy maps section, which libbpf 1.x refuses and we accept', () => {
    const r = bpfscope(['-j', '--object', 'objects/legacy_maps.o', 'map', 'show']);
    expect(r.status).toBe(0);
    const maps = JSON.parse(r.stdout) as { name: string; type: string }[];
    expect(maps.length).toBeGreaterThan(0);
  });

  it('selects by name and id', () => {
    const r = bpfscope(['--object', 'objects/globals.o', 'map', 'show', 'name', 'globals.rodata']);
    expect(r.stdout).toMatch(/^2: array {2}name globals\.rodata {2}flags 0x480\n/);
    expect(bpfscope(['--object', 'objects/globals.o', 'map', 'list', 'id', '4']).stdout).toMatch(/^4: array {2}name \.rodata\.str1\.1 /);
  });
});

// Only a dump larger than a pipe's buffer meets the closed pipe: vmlinux's BTF.
const noVmlinux = missing({ file: '/sys/kernel/btf/vmlinux' });
describe.skipIf(noVmlinux !== undefined)('a reader that stops early', () => {
  if (noVmlinux) console.log(`skipped the closed-pipe test: ${noVmlinux}`);
  it('ends the command quietly with 141, as SIGPIPE ends bpftool', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" bin/bpfscope btf dump file /sys/kernel/btf/vmlinux | head -1; echo "status \${PIPESTATUS[0]}"`], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stdout).toMatch(/^\[1\] \w+ [^\n]*\nstatus 141\n$/);
    expect(r.stderr).toBe('');
  });
});
