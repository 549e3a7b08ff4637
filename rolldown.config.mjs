// The CLI as one file (npm run build, after tsc): bin/bpfscope starts from it, so that a
// command loads one script instead of a few dozen modules. dist/ keeps tsc's modules for
// the library and for the tests and benches that import them.
//
// CommonJS, so that bin/load-bundle.cjs can compile it with vm.Script and V8's code
// cache (Node 20 has no module.enableCompileCache): after writing the bundle this runs a
// few commands through it in-process and saves the code V8 compiled for them.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'rolldown';
import { BUNDLE, CODE_CACHE, bundleStamp, loadBundle } from './bin/load-bundle.cjs';

const objects = fileURLToPath(new URL('objects/', import.meta.url));

/**
 * Command lines whose code the cache holds: the start-up path and the BTF dumps. V8
 * reads the whole cache at every start, so it holds no more: other commands (the
 * object loader, the VM) compile their code as they run, as without a cache. With
 * `prog show` here too the cache grows by a third and every start by about 10 ms.
 */
const WARM_UP = [
  ['btf', 'dump', 'file', `${objects}xdp.o`],
  ['btf', 'dump', 'file', `${objects}xdp.o`, 'format', 'c'],
];

export default defineConfig({
  input: 'dist/cli/main.js',
  platform: 'node',
  output: { file: BUNDLE, format: 'cjs', codeSplitting: false },
  plugins: [{ name: 'code-cache', writeBundle: writeCodeCache }],
});

async function writeCodeCache() {
  const { main, script } = loadBundle({ useCache: false });
  const quiet = { out() {}, err() {}, outBytes() {} };
  for (const argv of WARM_UP) await main(argv, quiet);
  writeFileSync(CODE_CACHE, Buffer.concat([Buffer.from(bundleStamp()), script.createCachedData()]));
}
