/** The CLI layer: bpftool's command line over a store (bin/bpfscope runs its bundle). */
export { main, type Io } from './main.js';
