/**
 * The BTF layer: bytes in, types out. Knows nothing of ELF; the object loader hands
 * it the .BTF and .BTF.ext section contents and, for fixups, plain section sizes and
 * symbol offsets.
 */
export * from './types.js';
export { Btf, type MemberLocation } from './btf.js';
export { MAX_RESOLVE_DEPTH, POINTER_SIZE, resolveSize, type TypeRecords } from './resolve-size.js';
export type { StringTable } from './strings.js';
export { parseBtf, type ParseBtfOptions } from './parse.js';
export { Layout } from './c-layout.js';
export { fixDatasecs, type DatasecFacts } from './fixup.js';
export { decodeBtf, encodeBtf, type BtfValue } from './value-codec.js';
export { BtfEdit } from './edit.js';
export { findOwnType } from './lookup.js';
export { essentialName } from './essential-name.js';
export {
  CORE_RELO_KINDS,
  parseBtfExt,
  type BtfCoreRelo,
  type BtfExt,
  type BtfExtHeader,
  type BtfExtInfo,
  type BtfExtSection,
  type BtfFuncInfo,
  type BtfLineInfo,
  type CoreReloKindName,
} from './ext.js';
export { SIGNATURE_BUFFER, funcSignature } from './signature.js';
export { dumpBtfRaw, dumpBtfRawJson } from './dump-raw.js';
export { dumpBtfRawBytes, type DumpRawOptions } from './dump-raw-bytes.js';
export { dumpBtfC, dumpBtfCBytes, type DumpCOptions } from './dump-c.js';
export { formatValueJson, formatValuePlain, writeBtfValue, type ValueMode } from './format-value.js';
export {
  dumpMapJson,
  dumpMapPlain,
  formatEntryHex,
  foundElements,
  hexRows,
  writeHexData,
  writeMapElementsBtf,
  writeMapElementsJson,
  writeMapEntryBtf,
  writeMapEntryJson,
  type MapDumpEntry,
  type MapDumpSpec,
} from './format-value-map.js';
