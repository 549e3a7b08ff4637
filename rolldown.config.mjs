// The CLI as one file (npm run build, after tsc): bin/bpfscope starts from it, so that a
// command loads one module instead of a few dozen (about 100 ms of start-up before).
// dist/ keeps tsc's modules for the library and for tests and benches that import them.
import { defineConfig } from 'rolldown';

export default defineConfig({
  input: 'dist/cli/main.js',
  platform: 'node',
  output: { file: 'dist/bpfscope.mjs', format: 'esm', codeSplitting: false },
});
