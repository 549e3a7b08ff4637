import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonWriter } from '../../src/text/json-writer.js';
import { BtfBuilder } from '../btf/builder.js';
import { GOLDEN, missing, OBJECTS, skipReason } from '../helpers/env.js';

/** One string as the writer quotes it. */
function quoted(s: string): string {
  return new JsonWriter(false).string(s).finish().slice(0, -1);
}

/** bpftool's stdout for `args`, or undefined (the reason printed) when bpftool is missing. */
function bpftool(args: string[], what: string): string | undefined {
  if (skipReason(missing({ bpftool: true }), what)) return undefined;
  const r = spawnSync('bpftool', args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`bpftool ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

type Token = { kind: '{' | '}' | '[' | ']' | ':' | ','; text: string } | { kind: 'string' | 'scalar'; text: string };

/** bpftool's JSON as tokens, with the white space between them dropped. */
function tokens(json: string): Token[] {
  const out: Token[] = [];
  for (const m of json.matchAll(/\s*(?:("(?:[^"\\]|\\.)*")|([{}[\]:,])|([^\s{}[\]:,"]+))/gy)) {
    if (m[1] !== undefined) out.push({ kind: 'string', text: m[1] });
    else if (m[2] !== undefined) out.push({ kind: m[2] as '{', text: m[2] });
    else if (m[3] !== undefined) out.push({ kind: 'scalar', text: m[3] });
  }
  return out;
}

/** A string token read back by bpftool's escapes: `\n` stands for a newline or a backslash, and either quotes back the same. */
function unquote(token: string): string {
  const back: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f', b: '\b', '"': '"' };
  return token.slice(1, -1).replace(/\\(.)/g, (_, c: string) => back[c] ?? c);
}

/** Writes the document `json` (bpftool's output) again through a JsonWriter, call by call as bpftool makes them. */
function replay(json: string, pretty: boolean): string {
  const w = new JsonWriter(pretty);
  const list = tokens(json);
  for (let i = 0; i < list.length; i++) {
    const t = list[i]!;
    if (t.kind === '{') w.startObject();
    else if (t.kind === '}') w.endObject();
    else if (t.kind === '[') w.startArray();
    else if (t.kind === ']') w.endArray();
    else if (t.kind === 'string' && list[i + 1]?.kind === ':') w.name(unquote(t.text));
    else if (t.kind === 'string') w.string(unquote(t.text));
    else if (t.kind === 'scalar') w.raw(t.text);
  }
  return w.finish();
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('JsonWriter: string escapes (bpftool 7.1 json_writer.c, jsonw_puts)', () => {
  it('escapes tab, newline, carriage return, form feed, backspace and the double quote with C escapes', () => {
    expect(quoted('a\tb')).toBe('"a\\tb"');
    expect(quoted('a\nb')).toBe('"a\\nb"');
    expect(quoted('a\rb')).toBe('"a\\rb"');
    expect(quoted('a\fb')).toBe('"a\\fb"');
    expect(quoted('a\bb')).toBe('"a\\bb"');
    expect(quoted('a"b')).toBe('"a\\"b"');
  });

  it('writes a backslash as \\n, as jsonw_puts does', () => {
    expect(quoted('a\\b')).toBe('"a\\nb"');
  });

  it('passes everything else through: other control bytes, the slash, the single quote, non-ASCII (no \\u escapes)', () => {
    expect(quoted("\x01/'é")).toBe('"\x01/\'é"');
    expect(quoted('')).toBe('""');
  });

  it('escapes property names by the same rules', () => {
    expect(new JsonWriter(false).startObject().name('k"\\').number(1).endObject().finish()).toBe('{"k\\"\\n":1}\n');
  });

  it('quotes C source lines as bpftool does in golden xlated JSON (line info with quotes and backslashes)', () => {
    let compared = 0;
    for (const dir of readdirSync(GOLDEN).filter((d) => !d.includes('@'))) {
      const source = join(OBJECTS, `${dir}.c`);
      if (!existsSync(source)) continue;
      // bpftool prints a line info's source line from its first non-space character.
      const lines = new Set(readFileSync(source, 'utf8').split('\n').map((l) => quoted(l.replace(/^[ \t\v\f\r]+/, ''))));
      for (const file of readdirSync(join(GOLDEN, dir)).filter((f) => f.endsWith('.xlated.json'))) {
        const json = readFileSync(join(GOLDEN, dir, file), 'utf8');
        for (const m of json.matchAll(/"src":("(?:[^"\\]|\\.)*")/g)) {
          if (!m[1]!.includes('\\')) continue;
          expect(lines.has(m[1]!), `${dir}/${file}: ${m[1]}`).toBe(true);
          compared++;
        }
      }
    }
    // globals.c's bpf_trace_printk("big packet\n", ...) and hello.c's bpf_printk("...") at least.
    expect(compared).toBeGreaterThanOrEqual(2);
  });

  it('quotes a BTF name with every special character as the installed bpftool does', (ctx) => {
    const name = "q'u\\o\"t\te\nr\rf\fb\bx/y\x01é";
    const b = new BtfBuilder();
    b.int(name, 4, 0);
    const dir = mkdtempSync(join(tmpdir(), 'json-writer-'));
    dirs.push(dir);
    const file = join(dir, 'names.btf');
    writeFileSync(file, b.build());
    const out = bpftool(['-j', 'btf', 'dump', 'file', file], 'bpftool name-escape comparison');
    if (out === undefined) return ctx.skip();
    const field = /"name":("(?:[^"\\]|\\.)*")/.exec(out);
    expect(field?.[1]).toBe(quoted(name));
  });
});

describe('JsonWriter: layout (bpftool 7.1 json_writer.c: jsonw_begin, jsonw_end, jsonw_name)', () => {
  it('compact: commas before elements, no white space, a newline at the end', () => {
    const w = new JsonWriter(false).startArray().startObject().numberField('a', 1).stringField('b', 'x').endObject();
    w.startObject().boolField('c', true).name('d').null().endObject().number(-1n).endArray();
    expect(w.finish()).toBe('[{"a":1,"b":"x"},{"c":true,"d":null},-1]\n');
  });

  it('pretty: each property on its own line at four spaces a level, array elements not, empty containers closed in place', () => {
    const w = new JsonWriter(true).startObject().name('a').startArray().endArray().name('b').startObject().endObject();
    w.name('c').startArray().startObject().numberField('x', 1).endObject().startObject().numberField('x', 2).endObject().endArray();
    w.name('d').startArray().number(1).number(2).endArray().endObject();
    expect(w.finish()).toBe(
      '{\n    "a": [],\n    "b": {},\n    "c": [{\n            "x": 1\n        },{\n            "x": 2\n        }\n    ],\n    "d": [1,2\n    ]\n}\n',
    );
  });

  it('verbatim text goes out between the writer\'s calls without touching where commas go', () => {
    const w = new JsonWriter(false).startArray().number(1).verbatim('\n').number(2).endArray();
    expect(w.finish()).toBe('[1\n,2]\n');
  });

  it('lays out the golden `bpftool -j btf dump file` documents byte for byte when replayed', () => {
    let compared = 0;
    for (const dir of readdirSync(GOLDEN)) {
      const file = join(GOLDEN, dir, 'btf.raw.json');
      if (!existsSync(file)) continue;
      const json = readFileSync(file, 'utf8');
      expect(replay(json, false), file).toBe(json);
      compared++;
    }
    expect(compared).toBeGreaterThan(5);
  });

  it('lays out the installed bpftool\'s pretty (-p) BTF dump byte for byte when replayed', (ctx) => {
    const json = bpftool(['-p', 'btf', 'dump', 'file', join(OBJECTS, 'maps.o')], 'bpftool pretty layout comparison');
    if (json === undefined) return ctx.skip();
    expect(replay(json, true)).toBe(json);
  });
});
