/**
 * The store layer: where loaded objects, maps and pins live between commands, in the
 * process (SessionStore, for --object) or in a state directory (PersistentStore).
 */
export { SessionStore } from './session-store.js';
export { PersistentStore } from './persistent-store.js';
export { stateDirectory } from './state-dir.js';
export { StoreError } from './errors.js';
