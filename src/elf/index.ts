/** The ELF layer: an object file's headers, sections, symbols and relocations, read once. */
export * from './types.js';
export { readElf } from './read-elf.js';
export { readCString } from './symbols.js';
export { hasElfHeader } from './headers.js';
export { findElfSection } from './find-section.js';
