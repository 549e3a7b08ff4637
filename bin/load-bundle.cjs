'use strict';
// Loads the CLI bundle (dist/bundle/, built by `npm run build`): an entry and the chunks
// that each command imports when it runs, so that `btf dump` compiles the BTF code and
// not the loader, the VM and the store. Each chunk is loaded as Node loads a CommonJS
// module, but through vm.Script so that V8 can start from the code it compiled for that
// chunk before (CHUNK.cache beside it, written by the build): compiling afresh costs a
// command tens of milliseconds, and Node 20 has no compile cache of its own. V8 checks a
// cache's version and flags itself but knows the source only by its length, so each
// cache starts with its chunk's size and time stamp, checked here.
// CommonJS, as bin/bpfscope: starting from an ES module costs Node 10-20 ms more.
const { readFileSync, statSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { Script } = require('node:vm');

const BUNDLE_DIR = join(__dirname, '..', 'dist', 'bundle');
const ENTRY = 'bpfscope.cjs';

/** A chunk's identity as its cache records it. */
function chunkStamp(file) {
  const { size, mtimeMs } = statSync(file);
  return `${size} ${mtimeMs}\n`;
}

function cacheFile(file) {
  return `${file}.cache`;
}

/** The cache's code when it was made from this chunk, else undefined. */
function cachedCode(file) {
  let cache;
  try {
    cache = readFileSync(cacheFile(file));
  } catch {
    return undefined;
  }
  const stamp = Buffer.from(chunkStamp(file));
  return cache.subarray(0, stamp.length).equals(stamp) ? cache.subarray(stamp.length) : undefined;
}

/**
 * Runs the bundle's entry; returns its exports (main) and `scripts`, each loaded chunk's
 * file and Script, whose createCachedData() the build saves.
 */
function loadBundle({ useCache = true } = {}) {
  const nodeRequire = createRequire(join(BUNDLE_DIR, ENTRY));
  const modules = new Map();
  const scripts = [];
  // Chunks require each other as "./NAME.cjs"; everything else is Node's.
  const chunkRequire = (spec) => (spec.startsWith('./') ? load(spec.slice(2)) : nodeRequire(spec));
  function load(name) {
    const known = modules.get(name);
    if (known) return known.exports;
    const file = join(BUNDLE_DIR, name);
    const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`;
    const cachedData = useCache ? cachedCode(file) : undefined;
    const script = new Script(source, { filename: file, ...(cachedData ? { cachedData } : {}) });
    scripts.push({ file, script });
    const module = { exports: {} };
    // Registered before it runs: chunks that require each other get the exports so far, as in Node.
    modules.set(name, module);
    script.runInThisContext()(module.exports, chunkRequire, module, file, BUNDLE_DIR);
    return module.exports;
  }
  return { main: load(ENTRY).main, scripts };
}

exports.BUNDLE_DIR = BUNDLE_DIR;
exports.ENTRY = ENTRY;
exports.cacheFile = cacheFile;
exports.chunkStamp = chunkStamp;
exports.loadBundle = loadBundle;
