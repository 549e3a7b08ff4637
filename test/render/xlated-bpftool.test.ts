import { describe, expect, it } from 'vitest';
import { xlatedJson } from '../../src/render/xlated.js';
import { skipReason } from '../helpers/env.js';
import { DUMPED_PROGRAMS, bpftoolDumps, dumpsMissing } from './bpftool-dumps.js';
import { replay } from './golden-replay.js';

const JSON_FORMS = [
  { suffix: 'j.json', pretty: false, opcodes: false, linum: false },
  { suffix: 'j-opcodes.json', pretty: false, opcodes: true, linum: false },
  { suffix: 'j-linum.json', pretty: false, opcodes: false, linum: true },
  { suffix: 'p.json', pretty: true, opcodes: false, linum: false },
  { suffix: 'p-opcodes.json', pretty: true, opcodes: true, linum: false },
  { suffix: 'p-linum.json', pretty: true, opcodes: false, linum: true },
];

describe('-j and -p prog dump xlated against bpftool', () => {
  const reason = dumpsMissing();
  it.for(DUMPED_PROGRAMS.flatMap((program) => JSON_FORMS.map((form) => ({ program, ...form }))))(
    '$program $suffix',
    ({ program, suffix, ...options }, ctx) => {
      if (skipReason(reason, 'bpftool JSON comparison')) return ctx.skip();
      const { prog, names, golden } = replay(bpftoolDumps(), program);
      expect(xlatedJson(prog, { names, ...options })).toBe(golden(suffix));
    },
  );
});
