export * from './types.js';
export { readElf } from './read-elf.js';
export { readCString } from './symbols.js';
