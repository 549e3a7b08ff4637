import { describe, expect, it } from 'vitest';
import { runProgram } from '../../../src/vm/run.js';
import { Runtime } from '../../../src/vm/runtime/index.js';
import { skipReason } from '../../helpers/env.js';
import { kernelRunCtx, load, oracleMissing, ourDump, possibleCpus } from '../runtime/util.js';
import { buildProg, clangMissing } from './util.js';

describe('task helpers', () => {
  it.skipIf(skipReason(clangMissing ?? oracleMissing, 'task helpers against the kernel'))('see the task and CPU of the run as the kernel shows them', () => {
    const path = buildProg('task');
    const cpu = possibleCpus() > 1 ? 1 : 0;
    const kernel = kernelRunCtx(path, 'task', new Uint8Array(16), [cpu]);
    expect(kernel.runs.get('task#0')).toBe('{"retval": 0}');
    // The kernel's run was the oracle's python3 process, as root.
    const pid = kernel.pids.get('task#0')!;
    const rt = new Runtime(load(path), { cpus: possibleCpus(), cpu, task: { pid, tgid: pid, uid: 0, gid: 0, comm: 'python3' } });
    expect(runProgram(rt, rt.object.programs[0]!, { ctx: new Uint8Array(16) }).retval).toBe(0);
    const seen = rt.map(rt.object.maps.find((m) => m.name === 'seen')!.id);
    expect(ourDump(seen)).toEqual(kernel.dump('seen'));
  });
});
