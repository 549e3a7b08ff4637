// Loads the CLI bundle (dist/bpfscope.cjs, built by `npm run build`) as Node loads a
// CommonJS module, but through vm.Script so that V8 can start from the code it compiled
// for the bundle before (dist/bpfscope.cache, written by the build). Compiling the
// bundle anew costs a command about 40 ms; Node 20 has no compile cache of its own.
// V8 checks the cache's version and flags itself but knows the source only by its
// length, so the cache starts with the bundle's size and time stamp, checked here.
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

export const BUNDLE = fileURLToPath(new URL('../dist/bpfscope.cjs', import.meta.url));
export const CODE_CACHE = BUNDLE.replace(/\.cjs$/, '.cache');

/** The bundle's identity as the cache records it. */
export function bundleStamp() {
  const { size, mtimeMs } = statSync(BUNDLE);
  return `${size} ${mtimeMs}\n`;
}

/** The cache's code when it was made from this bundle, else undefined. */
function cachedCode() {
  let cache;
  try {
    cache = readFileSync(CODE_CACHE);
  } catch {
    return undefined;
  }
  const stamp = Buffer.from(bundleStamp());
  return cache.subarray(0, stamp.length).equals(stamp) ? cache.subarray(stamp.length) : undefined;
}

/** Runs the bundle; returns its exports (main) and the script, whose code createCachedData() saves. */
export function loadBundle({ useCache = true } = {}) {
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(BUNDLE, 'utf8')}\n})`;
  const cachedData = useCache ? cachedCode() : undefined;
  const script = new Script(source, { filename: BUNDLE, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  return { main: module.exports.main, script };
}
