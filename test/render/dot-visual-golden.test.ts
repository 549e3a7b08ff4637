import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { xlatedVisual } from '../../src/render/dot-visual.js';
import { GOLDEN, skipReason } from '../helpers/env.js';
import { DUMPED_PROGRAMS, bpftoolDumps, dumpsMissing } from './bpftool-dumps.js';
import { goldenPrograms, replay } from './golden-replay.js';

describe('prog dump xlated visual, replayed', () => {
  it.for(goldenPrograms())('golden $object/$program', ({ object, program }) => {
    const { prog, names, golden } = replay(join(GOLDEN, object), program);
    expect(xlatedVisual(prog, names)).toBe(golden('visual.dot'));
  });

  it.for(DUMPED_PROGRAMS)('live bpftool %s', (program, ctx) => {
    if (skipReason(dumpsMissing(), 'bpftool visual comparison')) return ctx.skip();
    const { prog, names, golden } = replay(bpftoolDumps(), program);
    expect(xlatedVisual(prog, names)).toBe(golden('visual.dot'));
  });
});
