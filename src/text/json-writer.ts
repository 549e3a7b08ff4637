import { TextSink } from './sink.js';

/**
 * A streaming JSON writer that lays text out exactly as bpftool's does for `-j` and
 * `-p`: commas placed before the next element, a newline and four-space indent before
 * each property name (pretty only) and before a closing bracket that has contents, none
 * before array elements (hence `[{` and `},{`). Its string escaping matches bpftool
 * 7.1's too: only C escapes, and a backslash comes out as `\n` (a long-standing slip in
 * bpftool's writer that every consumer of its JSON sees, so we reproduce it).
 * Built for size as well: vmlinux's BTF is millions of fields.
 */
export class JsonWriter {
  private readonly out = new TextSink();
  private depth = 0;
  /** Whether the current container has an element, so the next needs a comma. */
  private filled = false;
  private readonly indents: string[] = [];

  constructor(private readonly pretty: boolean) {}

  private indent(): string {
    let s = this.indents[this.depth];
    if (s === undefined) this.indents[this.depth] = s = '\n' + '    '.repeat(this.depth);
    return s;
  }

  private open(bracket: string): this {
    this.out.put(this.filled ? ',' + bracket : bracket);
    this.depth++;
    this.filled = false;
    return this;
  }

  private close(bracket: string): this {
    this.depth--;
    this.out.put(this.filled && this.pretty ? this.indent() + bracket : bracket);
    this.filled = true;
    return this;
  }

  startObject(): this {
    return this.open('{');
  }

  endObject(): this {
    return this.close('}');
  }

  startArray(): this {
    return this.open('[');
  }

  endArray(): this {
    return this.close(']');
  }

  /** A property name; its value follows. Comma, indent and key go out as one piece. */
  name(key: string): this {
    const comma = this.filled ? ',' : '';
    this.out.put(this.pretty ? `${comma}${this.indent()}${quote(key)}: ` : `${comma}${quote(key)}:`);
    this.filled = false;
    return this;
  }

  /** Any value text as it is (numbers, booleans, null, pre-quoted strings). */
  raw(text: string): this {
    this.out.put(this.filled ? ',' + text : text);
    this.filled = true;
    return this;
  }

  /** Text printed beside the JSON, as bpftool printf()s between its writer's calls: no comma, the writer's state kept. */
  verbatim(text: string): this {
    this.out.put(text);
    return this;
  }

  string(value: string): this {
    return this.raw(quote(value));
  }

  number(value: number | bigint): this {
    return this.raw(String(value));
  }

  bool(value: boolean): this {
    return this.raw(value ? 'true' : 'false');
  }

  null(): this {
    return this.raw('null');
  }

  stringField(key: string, value: string): this {
    return this.name(key).string(value);
  }

  numberField(key: string, value: number | bigint): this {
    return this.name(key).number(value);
  }

  boolField(key: string, value: boolean): this {
    return this.name(key).bool(value);
  }

  /** What has been written, with the newline bpftool ends its JSON output with. */
  finish(): string {
    this.out.put('\n');
    return this.out.text();
  }
}

const ESCAPES: Record<string, string> = {
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\f': '\\f',
  '\b': '\\b',
  '\\': '\\n',
  '"': '\\"',
};

const NEEDS_ESCAPE = /[\t\n\r\f\b\\"]/;

function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? '"' + s.replace(/[\t\n\r\f\b\\"]/g, (c) => ESCAPES[c]!) + '"' : '"' + s + '"';
}
