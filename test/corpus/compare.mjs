// Compares bpfscope with the kernel's reference (kernel-reference.sh) for corpus objects.
//   node test/corpus/compare.mjs OBJDIR REFDIR [NAME-FILTER]
// One line per program that differs (FAIL) or is equal only up to the kernel's
// post-verification rewrites (pass), then "N passed, N failed". BPFSCOPE overrides the binary.
import { existsSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareObject } from './normalize.mjs';

const [objDir, refDir, filter] = process.argv.slice(2);
const bin = process.env.BPFSCOPE ?? join(dirname(fileURLToPath(import.meta.url)), '../../bin/bpfscope');
let passed = 0;
let failed = 0;
for (const name of readdirSync(refDir).sort()) {
  const obj = join(objDir, `${name}.o`);
  if ((filter && !name.includes(filter)) || !existsSync(obj)) continue;
  for (const o of compareObject(bin, obj, join(refDir, name))) {
    if (o.failure) {
      failed++;
      console.log(`FAIL ${name} ${o.program}: ${o.failure}`);
    } else {
      passed++;
      if (o.rewrites) console.log(`pass ${name} ${o.program}: up to ${o.rewrites.join(', ')}`);
    }
  }
}
console.log(`${passed} passed, ${failed} failed`);
