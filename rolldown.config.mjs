// The CLI as a bundle (npm run build, after tsc): bin/bpfscope starts from it, so that a
// command loads a few scripts instead of a few dozen modules. Each object's commands
// (src/cli/main.ts imports them when used) become chunks of their own, so that a command
// compiles only what it runs: `btf dump` a fifth of the CLI. dist/ keeps tsc's modules
// for the library and for the tests and benches that import them.
//
// CommonJS, so that bin/load-bundle.cjs can compile each chunk with vm.Script and V8's
// code cache (Node 20 has no module.enableCompileCache): after writing the bundle this
// runs a few commands through it in-process and saves, for every chunk they loaded, the
// code V8 compiled for it. A chunk's cache is read only when the chunk is loaded, so
// warming more commands costs the others nothing.
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'rolldown';
import { BUNDLE_DIR, ENTRY, cacheFile, chunkStamp, loadBundle } from './bin/load-bundle.cjs';

const objects = fileURLToPath(new URL('objects/', import.meta.url));
const packets = fileURLToPath(new URL('test/packets/', import.meta.url));

/** Command lines whose code the caches hold: the BTF dumps and the commands on an object. */
const WARM_UP = [
  ['btf', 'dump', 'file', `${objects}xdp.o`],
  ['btf', 'dump', 'file', `${objects}xdp.o`, 'format', 'c'],
  ['-j', 'btf', 'dump', 'file', `${objects}xdp.o`],
  ['--object', `${objects}xdp.o`, 'prog', 'show'],
  ['--object', `${objects}xdp.o`, 'prog', 'dump', 'xlated', 'name', 'xdp_parse', 'linum'],
  ['--object', `${objects}xdp.o`, 'map', 'show'],
  ['--object', `${objects}xdp.o`, 'prog', 'run', 'name', 'xdp_parse', 'data_in', `${packets}ipv4-udp.bin`],
  ['--object', `${objects}xdp.o`, 'map', 'dump', 'name', 'proto_count'],
];

// Chunks are named by hash-free module names: a stale one must not outlive a rename.
rmSync(BUNDLE_DIR, { recursive: true, force: true });

export default defineConfig({
  input: 'dist/cli/index.js',
  platform: 'node',
  output: {
    dir: BUNDLE_DIR,
    format: 'cjs',
    entryFileNames: ENTRY,
    chunkFileNames: '[name].cjs',
    // The BTF layer in one chunk: a constant read across chunks (BTF_KIND.STRUCT) goes
    // through a getter, which the dumpers' hot switches would pay millions of times.
    codeSplitting: { groups: [{ name: 'btf', test: /dist[\\/]btf[\\/]/ }] },
  },
  plugins: [{ name: 'code-cache', writeBundle: writeCodeCaches }],
});

async function writeCodeCaches() {
  const { main, scripts } = loadBundle({ useCache: false });
  const quiet = { out() {}, err() {}, outBytes() {} };
  for (const argv of WARM_UP) await main(argv, quiet);
  for (const { file, script } of scripts) {
    writeFileSync(cacheFile(file), Buffer.concat([Buffer.from(chunkStamp(file)), script.createCachedData()]));
  }
}
