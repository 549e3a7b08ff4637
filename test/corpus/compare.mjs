// Compares bpfscope with the kernel's reference (kernel-reference.sh) for corpus objects.
//   node test/corpus/compare.mjs OBJDIR REFDIR [NAME-FILTER]
// For every object with a reference: `bpfscope --object OBJ -j prog show` and `prog dump
// xlated` of each program the kernel loaded, compared after normalize() (what only the
// kernel knows: ids, helper addresses). One line per program that differs, then
// "N passed, N failed". BPFSCOPE overrides the binary.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareProgram, loadedPrograms } from './normalize.mjs';

const [objDir, refDir, filter] = process.argv.slice(2);
const bin = process.env.BPFSCOPE ?? join(dirname(fileURLToPath(import.meta.url)), '../../bin/bpfscope');
let passed = 0;
let failed = 0;
for (const name of readdirSync(refDir).sort()) {
  if (filter && !name.includes(filter)) continue;
  const obj = join(objDir, `${name}.o`);
  if (!existsSync(obj)) continue;
  const ref = join(refDir, name);
  const progs = loadedPrograms(ref);
  if (!progs.length) continue;
  const run = (args) => {
    try {
      return { out: execFileSync(bin, ['--object', obj, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
    } catch (e) {
      return { error: String(e.stderr || e.message).split('\n')[0] };
    }
  };
  const show = run(['-j', 'prog', 'show']);
  for (const prog of progs) {
    const kernelShow = JSON.parse(readFileSync(join(ref, `${prog}.show.json`), 'utf8'));
    const kernelXlated = readFileSync(join(ref, `${prog}.xlated.txt`), 'utf8');
    let why;
    if (show.error) why = `open: ${show.error}`;
    else {
      const ours = JSON.parse(show.out).find((p) => p.name === kernelShow.name);
      if (!ours) why = 'not loaded by bpfscope';
      else {
        const xlated = run(['prog', 'dump', 'xlated', 'id', String(ours.id)]);
        why = xlated.error ? `dump: ${xlated.error}` : compareProgram(kernelShow, kernelXlated, ours, xlated.out);
      }
    }
    if (why) {
      failed++;
      console.log(`FAIL ${name} ${prog}: ${why}`);
    } else passed++;
  }
}
console.log(`${passed} passed, ${failed} failed`);
