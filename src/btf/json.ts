import { TextSink } from './text-sink.js';

/**
 * The part of bpftool's JSON writer the BTF dumps use, with its exact layout: a comma
 * before each next element, in pretty mode a newline and four spaces per level before
 * each property name and before a closing bracket that has contents, none before
 * array elements (hence `[{` and `},{`). Strings get bpftool 7.1's escaping, which
 * only knows C escapes and writes a backslash as `\n` (a slip in bpftool that every
 * consumer of its JSON sees, so it is kept).
 *
 * src/render has the general writer; this one lives here because the BTF layer sits
 * below render, and it is tuned for vmlinux's million fields.
 */
export class BtfJsonWriter {
  private readonly out = new TextSink();
  private depth = 0;
  /** Whether the current container has an element, so the next needs a comma. */
  private filled = false;
  private readonly indents: string[] = [];

  constructor(private readonly pretty: boolean) {}

  private eol(): void {
    if (this.pretty) this.out.put(this.indent());
  }

  private indent(): string {
    let s = this.indents[this.depth];
    if (s === undefined) {
      s = '\n' + '    '.repeat(this.depth);
      this.indents[this.depth] = s;
    }
    return s;
  }

  private open(bracket: string): this {
    if (this.filled) this.out.put(',');
    this.out.put(bracket);
    this.depth++;
    this.filled = false;
    return this;
  }

  private close(bracket: string): this {
    this.depth--;
    if (this.filled) this.eol();
    this.out.put(bracket);
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

  /** A property name; its value (a container) follows. */
  name(key: string): this {
    this.out.put(this.keyText(key));
    this.filled = false;
    return this;
  }

  string(key: string, value: string): this {
    this.out.put(this.keyText(key) + quote(value));
    this.filled = true;
    return this;
  }

  /** A numeric property (bpftool's jsonw_uint_field / jsonw_int_field). */
  number(key: string, value: number | bigint): this {
    this.out.put(this.keyText(key) + value);
    this.filled = true;
    return this;
  }

  /** Comma, indent and quoted key as one piece, so a field is one put. */
  private keyText(key: string): string {
    const comma = this.filled ? ',' : '';
    return this.pretty ? `${comma}${this.indent()}"${key}": ` : `${comma}"${key}":`;
  }

  /** The text, with the newline bpftool ends its JSON with. */
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
  return NEEDS_ESCAPE.test(s) ? '"' + s.replace(/[\t\n\r\f\b\\"]/g, (c) => ESCAPES[c]!) + '"' : `"${s}"`;
}
