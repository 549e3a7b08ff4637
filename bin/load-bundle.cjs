'use strict';
// Loads the CLI bundle (dist/bpfscope.cjs, built by `npm run build`) as Node loads a
// CommonJS module, but through vm.Script so that V8 can start from the code it compiled
// for the bundle before (dist/bpfscope.cache, written by the build). Compiling the
// bundle anew costs a command about 40 ms; Node 20 has no compile cache of its own.
// V8 checks the cache's version and flags itself but knows the source only by its
// length, so the cache starts with the bundle's size and time stamp, checked here.
// CommonJS, as bin/bpfscope: starting from an ES module costs Node 10-20 ms more.
const { readFileSync, statSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const BUNDLE = join(__dirname, '..', 'dist', 'bpfscope.cjs');
const CODE_CACHE = join(__dirname, '..', 'dist', 'bpfscope.cache');

/** The bundle's identity as the cache records it. */
function bundleStamp() {
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
function loadBundle({ useCache = true } = {}) {
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(BUNDLE, 'utf8')}\n})`;
  const cachedData = useCache ? cachedCode() : undefined;
  const script = new Script(source, { filename: BUNDLE, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  return { main: module.exports.main, script };
}

exports.BUNDLE = BUNDLE;
exports.CODE_CACHE = CODE_CACHE;
exports.bundleStamp = bundleStamp;
exports.loadBundle = loadBundle;
