import type { Words } from './words.js';

/**
 * The arguments after a `btf` command, read the way bpftool's C reads its argv: by
 * index, with its own prefix rule (any prefix of a keyword matches it, the empty
 * word included) so that every message can be bpftool's.
 */
export class Args {
  private index = 0;

  constructor(private readonly argv: readonly string[]) {}

  /** Everything `words` has left. */
  static rest(words: Words): Args {
    const argv: string[] = [];
    while (!words.done) argv.push(words.take('an argument'));
    return new Args(argv);
  }

  /** bpftool's argc. */
  get count(): number {
    return this.argv.length - this.index;
  }

  /** bpftool's *argv: the next word. */
  get current(): string | undefined {
    return this.argv[this.index];
  }

  /** Moves past the next word and returns it. */
  next(): string {
    return this.argv[this.index++]!;
  }

  /** Whether the next word is a prefix of `keyword` (bpftool's is_prefix). */
  is(keyword: string): boolean {
    const w = this.current;
    return w !== undefined && keyword.startsWith(w);
  }

  /** Takes the next word when it is a prefix of `keyword`. */
  accept(keyword: string): boolean {
    if (!this.is(keyword)) return false;
    this.index++;
    return true;
  }
}

/**
 * C's strtoul(text, &end, 0) stored in a __u32, as bpftool reads ids; undefined where
 * bpftool says "can't parse": when anything follows the number. As in C, leading
 * spaces and a sign are allowed, 0x means hex and a leading 0 octal, a word with no
 * digits at all (the empty word) reads as 0 without complaint, and a value past 64
 * bits saturates before it is cut to 32.
 */
export function strtoulU32(text: string): number | undefined {
  let i = 0;
  while (i < text.length && ' \t\n\v\f\r'.includes(text[i]!)) i++;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') negative = text[i++] === '-';
  let base = 10;
  if (text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && isDigit(text[i + 2], 16)) {
    base = 16;
    i += 2;
  } else if (text[i] === '0') {
    base = 8;
  }
  const start = i;
  let value = 0n;
  while (i < text.length && isDigit(text[i], base)) value = value * BigInt(base) + BigInt(parseInt(text[i++]!, base));
  // No digits: strtoul points `end` back at the start of the text.
  if (i === start) return text.length === 0 ? 0 : undefined;
  if (i !== text.length) return undefined;
  const max = (1n << 64n) - 1n;
  if (value > max) value = max;
  else if (negative) value = (1n << 64n) - value;
  return Number(value & 0xffffffffn);
}

function isDigit(c: string | undefined, base: number): boolean {
  if (c === undefined) return false;
  const d = parseInt(c, 36);
  return !Number.isNaN(d) && d < base;
}
