import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BTF_USAGE } from '../../src/cli/usage.js';
import { bpfscope } from '../helpers/cli.js';
import { missing, skipReason } from '../helpers/env.js';
import { bpftool } from './btf-helpers.js';

/**
 * The `btf` grammar and every way it fails, as bpftool 7.1 prints it: the error text,
 * where it goes (stderr, or stdout as JSON, unescaped, values joined by commas), usage
 * after argument errors, and bpftool's exit status (the low byte of -errno). The
 * expectations are bpftool's own output on this machine; where bpftool is installed,
 * the commands that do not depend on what the kernel holds are also run through it.
 */
const dir = mkdtempSync(join(tmpdir(), 'bpfscope-btf-cli-'));
mkdirSync(join(dir, 'a-directory'));
const xdp = readFileSync('objects/xdp.o');
const files = {
  empty: join(dir, 'empty.btf'),
  oneByte: join(dir, 'one.btf'),
  truncated: join(dir, 'truncated.btf'),
  noBtf: join(dir, 'no-btf.o'),
  bigEndianHdr: join(dir, 'big-endian-hdr.o'),
  dir: join(dir, 'a-directory'),
};
writeFileSync(files.empty, '');
writeFileSync(files.oneByte, 'x');
// A .BTF cut short: the magic says BTF, the header promises more than there is.
writeFileSync(files.truncated, btfSection(xdp).subarray(0, 60));
// An ELF file whose .BTF section is named .BTX: libbpf finds no BTF in it.
writeFileSync(files.noBtf, renameSection(xdp, '.BTF', '.BTX'));
// Big-endian BTF with a header longer than 24 bytes, which libbpf cannot byte-swap.
const bigEndian = Buffer.from(readFileSync('objects/xdp.bpfeb.o'));
bigEndian.writeUInt32BE(27, bigEndian.indexOf(Buffer.from([0xeb, 0x9f, 1, 0, 0, 0, 0, 24])) + 4);
writeFileSync(files.bigEndianHdr, bigEndian);

function btfSection(elf: Buffer): Buffer {
  const shoff = Number(elf.readBigUInt64LE(40));
  const shnum = elf.readUInt16LE(60);
  const names = shoff + elf.readUInt16LE(62) * 64;
  const namesOff = Number(elf.readBigUInt64LE(names + 24));
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * 64;
    const name = elf.toString('latin1', namesOff + elf.readUInt32LE(h), elf.indexOf(0, namesOff + elf.readUInt32LE(h)));
    if (name === '.BTF') return elf.subarray(Number(elf.readBigUInt64LE(h + 24)), Number(elf.readBigUInt64LE(h + 24)) + Number(elf.readBigUInt64LE(h + 32)));
  }
  throw new Error('no .BTF');
}

function renameSection(elf: Buffer, from: string, to: string): Buffer {
  const copy = Buffer.from(elf);
  const needle = Buffer.from(`${from}\0`, 'latin1');
  for (let at = copy.indexOf(needle); at >= 0; at = copy.indexOf(needle, at + 1)) copy.write(`${to}\0`, at, 'latin1');
  return copy;
}

interface Case {
  args: string[];
  status: number;
  /** Plain mode: stderr; `usage` appends the btf usage after the error lines. */
  stderr: string;
  usage?: boolean;
  /** JSON mode (-j): stdout. */
  json: string;
  /** Also compared with the live bpftool (no loaded objects involved). */
  live?: boolean;
}

const usageError = (msg: string): Pick<Case, 'status' | 'stderr' | 'usage' | 'json'> => ({
  status: 255,
  stderr: `Error: ${msg}\n`,
  usage: true,
  json: `{"error":"${msg}"},null\n`,
});
const error = (msg: string, status = 255): Pick<Case, 'status' | 'stderr' | 'json'> => ({ status, stderr: `Error: ${msg}\n`, json: `{"error":"${msg}"}\n` });

const CASES: Case[] = [
  { args: ['btf', 'dump'], ...usageError("'dump' needs at least 2 arguments, 0 found"), live: true },
  { args: ['btf', 'd', 'file'], ...usageError("'d' needs at least 2 arguments, 1 found"), live: true },
  { args: ['btf', 'dump', 'map'], ...usageError("'dump' needs at least 2 arguments, 1 found"), live: true },
  { args: ['btf', 'dump', 'map', 'id'], ...usageError("'map' needs at least 2 arguments, 1 found"), live: true },
  { args: ['btf', 'dump', 'p', 'id'], ...usageError("'p' needs at least 2 arguments, 1 found"), live: true },
  {
    args: ['btf', 'dump', 'file', 'objects/xdp.o', 'format'],
    status: 234,
    stderr: "Error: expecting value for 'format' option\n\n",
    json: `{"error":"expecting value for 'format' option\n"}\n`,
    live: true,
  },
  { args: ['btf', 'dump', 'file', 'objects/xdp.o', 'format', 'x'], ...error("unrecognized format specifier: 'x', possible values: raw, c", 234), live: true },
  { args: ['btf', 'dump', 'file', 'objects/xdp.o', 'format', 'C'], ...error("unrecognized format specifier: 'C', possible values: raw, c", 234), live: true },
  // root_id came after bpftool 7.1.
  { args: ['btf', 'dump', 'file', 'objects/xdp.o', 'root_id', '1'], ...error("unrecognized option: 'root_id'", 234), live: true },
  { args: ['btf', 'dump', 'file', 'objects/xdp.o', 'format', 'c', 'extra'], ...error("unrecognized option: 'extra'", 234), live: true },
  { args: ['btf', 'dump', 'file', '/nonexistent'], ...error('failed to load BTF from /nonexistent: No such file or directory', 254), live: true },
  {
    args: ['btf', 'dump', 'file', 'objects/xdp.c'],
    status: 95,
    stderr: 'libbpf: failed to get EHDR from objects/xdp.c\nError: failed to load BTF from objects/xdp.c: Unknown error 4001\n',
    json: '{"error":"failed to load BTF from objects/xdp.c: Unknown error 4001"}\n',
    live: true,
  },
  { args: ['btf', 'dump', 'file', files.empty], ...error(`failed to load BTF from ${files.empty}: Input/output error`, 251), live: true },
  { args: ['btf', 'dump', 'file', files.oneByte], ...error(`failed to load BTF from ${files.oneByte}: Input/output error`, 251), live: true },
  { args: ['btf', 'dump', 'file', files.dir], ...error(`failed to load BTF from ${files.dir}: Input/output error`, 251), live: true },
  { args: ['btf', 'dump', 'file', files.truncated], ...error(`failed to load BTF from ${files.truncated}: Invalid argument`, 234), live: true },
  { args: ['btf', 'dump', 'file', files.noBtf], ...error(`failed to load BTF from ${files.noBtf}: No such file or directory`, 254), live: true },
  {
    args: ['btf', 'dump', 'file', files.bigEndianHdr],
    status: 161,
    stderr: `libbpf: Can't load BTF with non-native endianness due to unsupported header length 27\nError: failed to load BTF from ${files.bigEndianHdr}: Operation not supported\n`,
    json: `{"error":"failed to load BTF from ${files.bigEndianHdr}: Operation not supported"}\n`,
    live: true,
  },
  { args: ['btf', 'dump', 'foo', 'bar'], ...error("unrecognized BTF source specifier: 'foo'"), live: true },
  { args: ['btf', 'dump', 'id', 'abc'], ...error("can't parse abc as ID"), live: true },
  { args: ['btf', 'dump', 'id', '0x'], ...error("can't parse 0x as ID"), live: true },
  {
    args: ['btf', 'dump', 'id', '0', 'format', 'c'],
    status: 254,
    stderr: "Error: can't get BTF object by id (0): No such file or directory\nError: get btf by id (0): No such file or directory\n",
    json: `{"error":"can't get BTF object by id (0): No such file or directory"},{"error":"get btf by id (0): No such file or directory"}\n`,
    live: true,
  },
  // The format is read before BTF is looked up.
  { args: ['btf', 'dump', 'id', '0', 'format', 'zz'], ...error("unrecognized format specifier: 'zz', possible values: raw, c", 234), live: true },
  { args: ['btf', 'show', 'id'], ...error("what is 'id'?"), live: true },
  { args: ['btf', 'show', 'id', '1', 'x'], ...error("what is 'id'?"), live: true },
  { args: ['btf', 'list', 'foo'], ...error("what is 'foo'?"), live: true },
  { args: ['btf', 'show', 'foo', '1'], ...error("expected 'id', got: 'foo'?"), live: true },
  { args: ['btf', 'show', 'id', 'x'], ...error("can't parse x as ID"), live: true },
  { args: ['btf', 'show', 'id', '4000000000'], ...error("can't get BTF object by id (4000000000): No such file or directory"), live: true },
  { args: ['btf', 'dump', 'map', 'name', 'aaaaaaaaaaaaaaaaaaaa'], ...error("can't parse name"), live: true },
  { args: ['btf', 'dump', 'map', 'id', '4000000000'], ...error('get map by id (4000000000): No such file or directory'), live: true },
  { args: ['btf', 'dump', 'prog', 'id', '4000000000'], ...error('get by id (4000000000): No such file or directory'), live: true },
  { args: ['btf', 'dump', 'prog', 'tag', 'zz'], ...error("can't parse tag"), live: true },
  { args: ['btf', 'dump', 'prog', 'pinned', '/nonexistent'], ...error('bpf obj get (/nonexistent): No such file or directory'), live: true },
  { args: ['btf', 'dump', 'map', 'pinned', '/nonexistent'], ...error('bpf obj get (/nonexistent): No such file or directory'), live: true },
  { args: ['btf', 'dump', 'map', 'foo', 'bar'], ...error("expected 'id', 'name' or 'pinned', got: 'foo'?"), live: true },
  { args: ['btf', 'dump', 'prog', 'foo', 'bar'], ...error("expected 'id', 'tag', 'name' or 'pinned', got: 'foo'?"), live: true },
  // No match by name: bpftool fails without a word (and JSON mode closes its writer: a newline).
  { args: ['btf', 'dump', 'map', 'name', 'no_such_map'], status: 255, stderr: '', json: '\n', live: true },
  { args: ['btf', 'dump', 'prog', 'name', 'no_such_prog'], status: 255, stderr: '', json: '\n', live: true },
  // bpftool reads -B with its options and returns before closing its JSON writer.
  {
    args: ['-B', '/nonexistent', 'btf', 'dump', 'file', 'objects/xdp.o'],
    status: 255,
    stderr: "Error: failed to parse base BTF at '/nonexistent': -2\n\n",
    json: `{"error":"failed to parse base BTF at '/nonexistent': -2\n"}`,
    live: true,
  },
  {
    args: ['-B', 'objects/xdp.c', 'btf', 'dump', 'file', 'objects/xdp.o'],
    status: 255,
    stderr: "libbpf: failed to get EHDR from objects/xdp.c\nError: failed to parse base BTF at 'objects/xdp.c': -4001\n\n",
    json: `{"error":"failed to parse base BTF at 'objects/xdp.c': -4001\n"}`,
    live: true,
  },
  // With a base, bpftool does not ask whether the id is a module's: one error, not two.
  {
    args: ['-B', 'objects/xdp.o', 'btf', 'dump', 'id', '0'],
    ...error('get btf by id (0): No such file or directory', 254),
    live: true,
  },
];

describe('btf: errors and statuses as bpftool 7.1', () => {
  it.each(CASES.map((c) => [c.args.join(' '), c] as const))('%s', (_name, c) => {
    const plain = bpfscope(c.args);
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toBe(c.stderr + (c.usage ? BTF_USAGE : ''));
    expect(plain.status).toBe(c.status);
    const json = bpfscope(['-j', ...c.args]);
    expect(json.stdout).toBe(c.json);
    expect(json.status).toBe(c.status);
  });

  it.each(CASES.filter((c) => c.live).map((c) => [c.args.join(' '), c] as const))('live bpftool agrees: %s', (_name, c, ctx) => {
    if (skipReason(missing({ bpftool: true }), 'live bpftool comparison')) return ctx.skip();
    for (const flags of [[], ['-j'], ['-p']]) {
      const theirs = bpftool([...flags, ...c.args]);
      const ours = bpfscope([...flags, ...c.args]);
      const withoutUsage = (s: string): string => s.replace(/^Usage: [\s\S]*$/m, '');
      expect({ stdout: ours.stdout, stderr: withoutUsage(ours.stderr), status: ours.status }).toEqual({
        stdout: theirs.stdout,
        stderr: withoutUsage(theirs.stderr),
        status: theirs.status,
      });
      expect(/^Usage: /m.test(ours.stderr)).toBe(/^Usage: /m.test(theirs.stderr));
    }
  });

  it('-j with format c is refused after the file is read, as in bpftool', () => {
    expect(bpfscope(['-j', 'btf', 'dump', 'file', 'objects/xdp.o', 'format', 'c'])).toEqual({
      status: 161,
      stdout: '{"error":"JSON output for C-syntax dump is not supported"}\n',
      stderr: '',
    });
    expect(bpfscope(['-j', 'btf', 'dump', 'file', '/nonexistent', 'format', 'c']).stdout).toMatch(/failed to load BTF/);
  });

  it('-p lays errors and their sequence out as bpftool does', () => {
    expect(bpfscope(['-p', 'btf', 'dump']).stdout).toBe(`{\n    "error": "'dump' needs at least 2 arguments, 0 found"\n},null\n`);
    expect(bpfscope(['-p', 'btf', 'dump', 'id', '7']).stdout).toBe(
      `{\n    "error": "can't get BTF object by id (7): No such file or directory"\n},{\n    "error": "get btf by id (7): No such file or directory"\n}\n`,
    );
  });

  it('help, -h and an unknown command print the btf usage', () => {
    expect(bpfscope(['btf', 'help']).stderr).toBe(BTF_USAGE);
    expect(bpfscope(['btf', '-h']).stderr).toBe(BTF_USAGE);
    expect(bpfscope(['-j', 'btf', 'help']).stdout).toBe('null\n');
    expect(bpfscope(['btf', 'frobnicate']).stderr).toMatch(/^Usage: bpfscope btf/);
  });
});

describe('btf on objects loaded with --object', () => {
  const globals = ['--object', 'objects/globals.o'];

  it('btf with no command is btf show; show and list agree, plain and JSON', () => {
    const line = '1: name <anon>  size 1081B  prog_ids 1  map_ids 3,2,1\n';
    expect(bpfscope([...globals, 'btf']).stdout).toBe(line);
    expect(bpfscope([...globals, 'btf', 'list']).stdout).toBe(line);
    expect(bpfscope([...globals, 'btf', 's', 'i', '1']).stdout).toBe(line);
    expect(bpfscope([...globals, '-j', 'btf', 'show']).stdout).toBe('[{"id":1,"size":1081,"prog_ids":[1],"map_ids":[3,2,1],"kernel":false}]\n');
    expect(bpfscope([...globals, '-p', 'btf', 'show', 'id', '1']).stdout).toBe(
      '{\n    "id": 1,\n    "size": 1081,\n    "prog_ids": [1\n    ],\n    "map_ids": [3,2,1\n    ],\n    "kernel": false\n}\n',
    );
  });

  it('btf show with no objects shows nothing (JSON: an empty array)', () => {
    expect(bpfscope(['btf', 'show'])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(bpfscope(['-j', 'btf', 'show']).stdout).toBe('[]\n');
  });

  it('numbers BTF objects in object order; an object without BTF has none', () => {
    const r = bpfscope(['--object', 'objects/xdp.o', '--object', 'objects/hello.o', 'btf', 'show']);
    expect(r.stdout.split('\n').filter(Boolean).map((l) => l.replace(/ {2}size \d+B/, ''))).toEqual([
      // Adding program 4 grows bpftool's table, which reverses the chain 3,2,1.
      '1: name <anon>  prog_ids 1,2,3  map_ids 1',
      '2: name <anon>  prog_ids 4  map_ids 2',
    ]);
  });

  it('dump id, prog and map give the BTF the kernel holds: DATASECs fixed up', () => {
    const file = bpfscope(['btf', 'dump', 'file', 'objects/globals.o']).stdout;
    const byId = bpfscope([...globals, 'btf', 'dump', 'id', '1']).stdout;
    expect(file).toMatch(/DATASEC '\.bss' size=0 vlen=2/);
    expect(byId).toMatch(/DATASEC '\.bss' size=12 vlen=2/);
    expect(bpfscope([...globals, 'btf', 'dump', 'prog', 'name', 'xdp_globals']).stdout).toBe(byId);
    expect(bpfscope([...globals, 'btf', 'dump', 'map', 'name', 'globals.bss', 'all']).stdout).toBe(byId);
  });

  it('dump map picks key and value types: [0] for a global-data map without a key type', () => {
    const data = [...globals, 'btf', 'dump', 'map', 'name', 'globals.data'];
    const kv = "[0] UNKNOWN '(anon)'\n[26] DATASEC '.data' size=4 vlen=1\n\ttype_id=12 offset=0 size=4 (VAR 'runs')\n";
    expect(bpfscope(data).stdout).toBe(kv);
    expect(bpfscope([...data, 'kv']).stdout).toBe(kv);
    expect(bpfscope([...data, 'k']).stdout).toBe("[0] UNKNOWN '(anon)'\n");
    expect(bpfscope([...data, 'value', 'format', 'raw']).stdout).toBe(kv.slice(kv.indexOf('[26]')));
    expect(bpfscope(['-j', ...data, 'key']).stdout).toBe('{"types":[{"id":0,"kind":"UNKNOWN","name":"(anon)"}]}\n');
    const c = bpfscope([...data, 'format', 'c']).stdout;
    expect(c).toMatch(/^#ifndef __VMLINUX_H__\n/);
    expect(c).toMatch(/#endif \/\* __VMLINUX_H__ \*\/\n$/);
  });

  it('a map without BTF fails twice, as its BTF id 0 does in bpftool', () => {
    const r = bpfscope([...globals, 'btf', 'dump', 'map', 'name', '.rodata.str1.1']);
    expect(r.status).toBe(254);
    expect(r.stderr).toBe("Error: can't get BTF object by id (0): No such file or directory\nError: get btf by id (0): No such file or directory\n");
  });

  it('a name several programs share is refused', () => {
    const r = bpfscope(['--object', 'objects/xdp.o', '--object', 'objects/xdp.o', 'btf', 'dump', 'prog', 'name', 'xdp_pass']);
    expect(r).toEqual({ status: 255, stdout: '', stderr: 'Error: several programs match this handle\n' });
    const m = bpfscope(['--object', 'objects/xdp.o', '--object', 'objects/xdp.o', 'btf', 'dump', 'map', 'name', 'proto_count']);
    expect(m.stderr).toBe('Error: several maps match this handle\n');
  });

  it('ids are read as C reads them: hex, octal, and the empty word as 0', () => {
    const one = bpfscope([...globals, 'btf', 'dump', 'id', '1']).stdout;
    expect(bpfscope([...globals, 'btf', 'dump', 'id', '0x1']).stdout).toBe(one);
    expect(bpfscope([...globals, 'btf', 'dump', 'id', '01']).stdout).toBe(one);
    expect(bpfscope([...globals, 'btf', 'dump', 'prog', 'id', ' +1']).stdout).toBe(one);
    expect(bpfscope([...globals, 'btf', 'dump', 'id', '']).stderr).toMatch(/by id \(0\)/);
    expect(bpfscope([...globals, 'btf', 'dump', 'id', '08']).stderr).toBe("Error: can't parse 08 as ID\n");
  });
});
