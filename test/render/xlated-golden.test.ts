import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { xlatedJson, xlatedText } from '../../src/render/xlated.js';
import { GOLDEN, skipReason } from '../helpers/env.js';
import { goldenPrograms, replay } from './golden-replay.js';

const programs = goldenPrograms();

describe('prog dump xlated layout, replayed from the golden files', () => {
  it('has golden programs to replay', (ctx) => {
    if (skipReason(programs.length ? undefined : `no golden files under ${GOLDEN}`, 'golden xlated replay')) return ctx.skip();
    expect(programs.length).toBeGreaterThan(5);
  });

  it.for(programs)('$object/$program: plain, opcodes, linum and -j', ({ object, program }) => {
    const { prog, names, golden } = replay(join(GOLDEN, object), program);
    expect(xlatedText(prog, { names })).toBe(golden('xlated.txt'));
    expect(xlatedText(prog, { names, opcodes: true })).toBe(golden('opcodes.txt'));
    expect(xlatedText(prog, { names, linum: true })).toBe(golden('linum.txt'));
    expect(xlatedJson(prog, { names })).toBe(golden('xlated.json'));
  });
});
