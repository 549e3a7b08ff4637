/**
 * A streaming JSON writer that lays text out exactly as bpftool's does for `-j` and
 * `-p`: commas placed before the next element, a newline and four-space indent before
 * each property name (pretty only) and before a closing bracket that has contents, none
 * before array elements. Its string escaping matches bpftool 7.1's too: only C escapes,
 * and a backslash comes out as `\n` (a long-standing slip in bpftool's writer that
 * every consumer of its JSON sees, so we reproduce it).
 */
export class JsonWriter {
  private out: string[] = [];
  private depth = 0;
  private sep = '';

  constructor(private readonly pretty: boolean) {}

  private eol(): void {
    if (this.pretty) this.out.push('\n' + '    '.repeat(this.depth));
  }

  private eor(): void {
    if (this.sep) this.out.push(this.sep);
    this.sep = ',';
  }

  private begin(c: string): this {
    this.eor();
    this.out.push(c);
    this.depth++;
    this.sep = '';
    return this;
  }

  private end(c: string): this {
    this.depth--;
    if (this.sep) this.eol();
    this.out.push(c);
    this.sep = ',';
    return this;
  }

  startObject(): this {
    return this.begin('{');
  }

  endObject(): this {
    return this.end('}');
  }

  startArray(): this {
    return this.begin('[');
  }

  endArray(): this {
    return this.end(']');
  }

  name(key: string): this {
    this.eor();
    this.eol();
    this.sep = '';
    this.out.push(quote(key), this.pretty ? ': ' : ':');
    return this;
  }

  string(value: string): this {
    this.eor();
    this.out.push(quote(value));
    return this;
  }

  /** A number, boolean or null, or any text to be written as it is. */
  raw(text: string): this {
    this.eor();
    this.out.push(text);
    return this;
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
    return this.out.join('') + '\n';
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

function quote(s: string): string {
  return '"' + s.replace(/[\t\n\r\f\b\\"]/g, (c) => ESCAPES[c]!) + '"';
}
