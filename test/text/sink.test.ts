import { describe, expect, it } from 'vitest';
import { TextSink } from '../../src/text/sink.js';

describe('TextSink', () => {
  it('gives back nothing when nothing was put', () => {
    expect(new TextSink().text()).toBe('');
  });

  it('gives back its pieces in order, whole, across the chunks it seals every 64 KiB', () => {
    const sink = new TextSink();
    const pieces: string[] = [];
    // Pieces of 1 to 1000 characters, about 1.5 MB in all: many seals, some falling inside a piece.
    for (let i = 0; i < 3000; i++) {
      const piece = String.fromCharCode(0x41 + (i % 26), 0xe9, 0x20ac).repeat(1 + ((i * 7919) % 333));
      pieces.push(piece);
      sink.put(piece);
    }
    const expected = pieces.join('');
    expect(expected.length).toBeGreaterThan(16 * 0x10000);
    expect(sink.text()).toBe(expected);
  });

  it('takes a single piece larger than a chunk as it is', () => {
    const sink = new TextSink();
    const big = 'x'.repeat(0x30000);
    sink.put('a');
    sink.put(big);
    sink.put('b');
    expect(sink.text()).toBe(`a${big}b`);
  });
});
