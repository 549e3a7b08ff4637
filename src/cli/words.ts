import { UsageError } from '../errors.js';

/**
 * The words after the object and command, read as bpftool reads them: a keyword matches
 * when the word is a prefix of it (`bpfscope p s` is `prog show`).
 */
export class Words {
  private index = 0;

  constructor(private readonly words: readonly string[]) {}

  get done(): boolean {
    return this.index >= this.words.length;
  }

  get remaining(): number {
    return this.words.length - this.index;
  }

  peek(): string | undefined {
    return this.words[this.index];
  }

  /** The word `ahead` words after the next one, without taking any. */
  peekAhead(ahead: number): string | undefined {
    return this.words[this.index + ahead];
  }

  /** The word just taken, as typed (bpftool's `argv[-1]`, which some of its messages quote). */
  previous(): string | undefined {
    return this.words[this.index - 1];
  }

  /** True (and consumes the word) when the next word is a prefix of `keyword`. */
  accept(keyword: string): boolean {
    const w = this.peek();
    if (w === undefined || !isPrefix(w, keyword)) return false;
    this.index++;
    return true;
  }

  /** The next word, or a usage error saying what was expected. */
  take(what: string): string {
    const w = this.peek();
    if (w === undefined) throw new UsageError(`expected ${what}`);
    this.index++;
    return w;
  }

  /** Fails when words are left over: bpftool prints its usage then. */
  end(): void {
    const w = this.peek();
    if (w !== undefined) throw new UsageError(`unexpected argument: '${w}'`);
  }
}

export function isPrefix(word: string, keyword: string): boolean {
  return word.length > 0 && keyword.startsWith(word);
}
