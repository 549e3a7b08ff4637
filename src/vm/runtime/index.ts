export { Runtime, type RuntimeOptions } from './runtime.js';
export { MapMemory } from './map-memory.js';
export { RecordMemory } from './records.js';
export { seededRandom } from './random.js';
