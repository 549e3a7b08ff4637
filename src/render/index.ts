/**
 * The render layer: bpftool's listings of loaded programs and maps (plain, JSON,
 * table), xlated dumps, and the DOT graphs with their Graphviz rendering.
 */
export { type ProgInfo, progHeaderJson, progHeaderPlain, progJson, progPlain } from './prog-info.js';
export { type MapInfo, mapJson, mapPlain, mapTypeField, typeText } from './map-info.js';
export { dumpTable, mapTable, progTable } from './table.js';
export type { XlatedProgram } from './xlated-model.js';
export { writeXlatedJson, xlatedBytes, xlatedJson, type XlatedListingOptions, xlatedText } from './xlated.js';
export { xlatedVisual } from './dot-visual.js';
export { callGraphDot, type ProgArrayContents, programCalls } from './dot-callgraph.js';
export { isRenderFormat, RENDER_FORMATS, renderDot, type RenderFormat } from './graphviz.js';
