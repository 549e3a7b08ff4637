import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { xlatedVisual } from '../../src/render/dot-visual.js';
import { skipReason } from '../helpers/env.js';
import { ORACLE_PROGRAMS } from '../isa/oracle-programs.js';
import { oracleMissing, runOracle } from '../isa/oracle.js';
import { replay } from './golden-replay.js';

describe('prog dump xlated visual on hand-made programs, against bpftool', () => {
  it.for(ORACLE_PROGRAMS.filter((p) => p.section === undefined))('$name', (program, ctx) => {
    if (skipReason(oracleMissing(), 'bpftool visual comparison')) return ctx.skip();
    const { prog, names, golden } = replay(join(runOracle(ORACLE_PROGRAMS).dir, 'out'), program.name);
    expect(xlatedVisual(prog, names)).toBe(golden('visual.dot'));
  });
});
