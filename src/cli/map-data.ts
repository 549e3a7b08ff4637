import { UsageError } from '../errors.js';
import { isPrefix, strtoul } from './common.js';

/**
 * DATA := { [hex] BYTES }, read as bpftool 7.1 reads it: each byte with C's strtoul in
 * base 0 (decimal, 0x hex, leading-0 octal) or base 16 after `hex`, stored in an
 * unsigned char (so 256 is 0 and -1 is 0xff), exactly as many words as the size asks
 * for, whatever those words are.
 */
export function parseBytes(words: readonly string[], at: number, name: string, size: number): { bytes: Uint8Array; next: number } {
  let base: 0 | 16 = 0;
  if (words[at] !== undefined && isPrefix(words[at]!, 'hex')) {
    base = 16;
    at++;
  }
  const bytes = new Uint8Array(size);
  let i = 0;
  while (i < size && words[at + i] !== undefined) {
    const value = strtoul(words[at + i]!, base);
    if (value === undefined) throw new UsageError(`error parsing byte: ${words[at + i]}`);
    bytes[i] = Number(value & 0xffn);
    i++;
  }
  if (i !== size) throw new UsageError(`${name} expected ${size} bytes got ${i}`);
  return { bytes, next: at + i };
}

export type UpdateFlag = 0 | 1 | 2;
const UPDATE_FLAG_WORDS: readonly [string, UpdateFlag][] = [
  ['any', 0],
  ['noexist', 1],
  ['exist', 2],
];

/** What `parse_elem` reads after MAP: key, value (bytes, or the word pair naming a PROG or MAP) and update flags. */
export interface Element {
  key?: Uint8Array;
  value?: Uint8Array;
  flags: UpdateFlag;
}

export interface ElementShape {
  keySize: number;
  valueSize: number;
  /** Whether the value names a program (prog array) or a map (map-in-map) rather than bytes. */
  valueNames?: 'prog' | 'map';
  /** Reads the PROG or MAP a value names from the words at `at`: its id as the value, and where the words go on. */
  valueRef?: (at: number) => { value: Uint8Array; next: number };
  wantKey: boolean;
  wantValue: boolean;
  wantFlags: boolean;
}

/**
 * bpftool's parse_elem: `key DATA`, `value VALUE` and one of any/noexist/exist in any
 * order, each at most once, with bpftool's messages for what is missing or extra.
 */
export function parseElement(words: readonly string[], at: number, shape: ElementShape): Element {
  const out: Element = { flags: 0 };
  let needKey = shape.wantKey && shape.keySize > 0;
  let needValue = shape.wantValue && shape.valueSize > 0;
  let needFlags = shape.wantFlags;
  for (;;) {
    const w = words[at];
    if (w === undefined) {
      if (!needKey && !needValue) return out;
      throw new UsageError(`did not find ${needKey ? 'key' : 'value'}`);
    }
    if (isPrefix(w, 'key')) {
      if (!needKey) throw new UsageError(shape.keySize ? 'duplicate key' : 'unnecessary key');
      const r = parseBytes(words, at + 1, 'key', shape.keySize);
      out.key = r.bytes;
      at = r.next;
      needKey = false;
    } else if (isPrefix(w, 'value')) {
      if (!needValue) throw new UsageError(shape.valueSize ? 'duplicate value' : 'unnecessary value');
      at++;
      if (shape.valueNames) {
        const what = shape.valueNames === 'map' ? 'map in map' : 'map of progs';
        if (shape.valueSize !== 4) throw new UsageError(`value smaller than 4B for ${what}?`);
        if (words[at] === undefined || words[at + 1] === undefined) throw new UsageError(`not enough value arguments for ${what}`);
        const r = shape.valueRef!(at);
        out.value = r.value;
        at = r.next;
      } else {
        const r = parseBytes(words, at, 'value', shape.valueSize);
        out.value = r.bytes;
        at = r.next;
      }
      needValue = false;
    } else if (UPDATE_FLAG_WORDS.some(([f]) => isPrefix(w, f))) {
      if (!needFlags) throw new UsageError(`flags specified multiple times: ${w}`);
      out.flags = UPDATE_FLAG_WORDS.find(([f]) => isPrefix(w, f))![1];
      needFlags = false;
      at++;
    } else {
      throw new UsageError(`expected key or value, got: ${w}`);
    }
  }
}
