/**
 * The object layer: a clang-produced BPF object opened as libbpf opens it (sections,
 * programs, maps, externs, CO-RE), and the tables of program, map and attach kinds.
 */
export { openObject, type OpenOptions } from './open.js';
export { loadTarget, type LoadTarget, type LoadTargetOptions, NO_TARGET } from './target.js';
export type {
  ExternReference,
  FuncInfoSpec,
  FunctionSpec,
  LineInfoSpec,
  MapOrigin,
  MapReference,
  MapSpec,
  ObjectSpec,
  ProgramSpec,
} from './spec.js';
export {
  ATTACH_TYPE_NAMES,
  attachTypeId,
  type AttachTypeName,
  bpftoolMapTypeName,
  MAP_FLAG,
  MAP_TYPE,
  mapTypeId,
  mapTypeName,
  progTypeId,
  progTypeName,
  type ProgTypeName,
} from './kinds.js';
export { programKindForSection, type SectionProgramKind, supportedSectionNames } from './section-defs.js';
export { isLoadable } from './program-kinds.js';
export { programTag, subprogramTag } from './tag.js';
export { POISON_HELPER_ID } from './core/patch.js';
