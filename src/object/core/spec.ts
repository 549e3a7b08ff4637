import { RelocationError } from '../../errors.js';
import { CORE_RELO_KINDS, type Btf, type BtfType, type CoreReloKindName } from '../../btf/index.js';
import { sizeOf, typeAt, resolvedId } from './btf-walk.js';

/**
 * A CO-RE accessor spec (libbpf's bpf_core_spec): the access string of a relocation
 * turned into steps through one BTF. The raw spec is the access string itself, one
 * index per step, anonymous members included; the accessors keep only the steps that
 * mean something across kernels (named fields and array indexes), which is what is
 * matched against a target type.
 */
export interface CoreAccessor {
  /** The struct or union holding a named field (its id, qualifiers skipped), or an array element's type. */
  typeId: number;
  /** Member index, enumerator index, or array index. */
  idx: number;
  /** The field's or enumerator's name; undefined for an array index. */
  name: string | undefined;
}

export interface CoreSpec {
  btf: Btf;
  /** The root type as the relocation names it (qualifiers and typedefs kept). */
  rootTypeId: number;
  kind: CoreReloKindName;
  accessors: CoreAccessor[];
  raw: number[];
  /** Bit offset of the field from the start of the root. */
  bitOffset: number;
}

/** libbpf's BPF_CORE_SPEC_MAX_LEN: the deepest nesting a spec may have. */
export const SPEC_MAX_LEN = 64;

/** The field kinds are the table's FIELD_ rows. */
const FIELD_KINDS: ReadonlySet<CoreReloKindName> = new Set(CORE_RELO_KINDS.filter((k) => k.startsWith('FIELD_')));
const TYPE_KINDS: ReadonlySet<CoreReloKindName> = new Set(['TYPE_ID_LOCAL', 'TYPE_ID_TARGET', 'TYPE_EXISTS', 'TYPE_MATCHES', 'TYPE_SIZE']);

export const isFieldKind = (k: CoreReloKindName): boolean => FIELD_KINDS.has(k);
export const isTypeKind = (k: CoreReloKindName): boolean => TYPE_KINDS.has(k);
export const isEnumvalKind = (k: CoreReloKindName): boolean => k === 'ENUMVAL_EXISTS' || k === 'ENUMVAL_VALUE';

/**
 * The access string's indexes, read as libbpf's sscanf loop reads them: integers,
 * each optionally after one ':' (and C's leading white space), none negative.
 */
function rawIndexes(access: string): number[] | undefined {
  if (access === '' || access.startsWith(':')) return undefined;
  const out: number[] = [];
  const number = /\s*([+-]?\d+)/y;
  for (let at = 0; at < access.length; ) {
    if (access[at] === ':') at++;
    number.lastIndex = at;
    const m = number.exec(access);
    if (!m) return undefined;
    const value = Number(m[1]);
    if (value < 0 || value > 0x7fffffff) return undefined;
    if (out.length === SPEC_MAX_LEN) throw new RelocationError(`access string '${access}' is deeper than ${SPEC_MAX_LEN} steps`);
    out.push(value);
    at = number.lastIndex;
  }
  return out;
}

/** libbpf's is_flex_arr: a zero-length array that is the last member of the struct the previous accessor named. */
export function isFlexArray(btf: Btf, previous: CoreAccessor | undefined, nelems: number): boolean {
  if (!previous?.name || nelems > 0) return false;
  const holder = btf.type(previous.typeId);
  return holder.kind === 'STRUCT' || holder.kind === 'UNION' ? previous.idx === holder.members.length - 1 : false;
}

/** libbpf's bpf_core_parse_spec, for the object's own BTF. */
export function parseSpec(btf: Btf, rootTypeId: number, access: string, kind: CoreReloKindName): CoreSpec {
  const root = typeAt(btf, rootTypeId);
  const bad = (why: string): RelocationError =>
    new RelocationError(`bad CO-RE access string '${access}' for [${rootTypeId}] ${describe(root)}: ${why}`);
  const spec: CoreSpec = { btf, rootTypeId, kind, accessors: [], raw: [], bitOffset: 0 };
  const raw = rawIndexes(access);
  if (!raw) throw bad('not a list of indexes such as 0:1:2');
  // Type-based relocations carry no field path: their access string is "0".
  if (isTypeKind(kind)) {
    if (access !== '0') throw bad(`a ${kind} relocation takes "0"`);
    return spec;
  }
  spec.raw = raw;
  let id = resolvedId(btf, rootTypeId);
  let t = typeAt(btf, id);
  const first = raw[0]!;
  if (isEnumvalKind(kind)) {
    if ((t.kind !== 'ENUM' && t.kind !== 'ENUM64') || raw.length > 1 || first >= t.values.length) {
      throw bad('an enumerator relocation takes one index of an enum value');
    }
    spec.accessors.push({ typeId: id, idx: first, name: t.values[first]!.name });
    return spec;
  }
  if (!isFieldKind(kind)) throw bad(`${kind} is not a field, type or enumerator relocation`);

  spec.accessors.push({ typeId: id, idx: first, name: undefined });
  spec.bitOffset = first * sizeOrThrow(btf, id, bad) * 8;
  for (let i = 1; i < raw.length; i++) {
    id = resolvedId(btf, id);
    t = typeAt(btf, id);
    const idx = raw[i]!;
    if (t.kind === 'STRUCT' || t.kind === 'UNION') {
      const member = t.members[idx];
      if (!member) throw bad(`member ${idx} of [${id}] ${describe(t)}, which has ${t.members.length}`);
      spec.bitOffset += member.bitOffset;
      if (member.nameOff !== 0) {
        if (member.name === '') throw bad(`member ${idx} of [${id}] has an empty name`);
        spec.accessors.push({ typeId: id, idx, name: member.name });
      }
      id = member.type;
    } else if (t.kind === 'ARRAY') {
      const flex = isFlexArray(btf, spec.accessors[spec.accessors.length - 1], t.nelems);
      id = resolvedId(btf, t.type);
      if (!flex && idx >= t.nelems) throw bad(`index ${idx} of an array of ${t.nelems}`);
      spec.accessors.push({ typeId: id, idx, name: undefined });
      spec.bitOffset += idx * sizeOrThrow(btf, id, bad) * 8;
    } else {
      throw bad(`step ${i} reaches [${id}] ${describe(t)}, which is neither a struct, a union nor an array`);
    }
  }
  return spec;
}

function sizeOrThrow(btf: Btf, id: number, bad: (why: string) => RelocationError): number {
  const size = sizeOf(btf, id);
  if (size === undefined) throw bad(`type [${id}] has no size`);
  return size;
}

/** `STRUCT task_struct`, `TYPEDEF u32`, `UNION <anon>`: how libbpf names a type in its messages. */
export function describe(t: BtfType): string {
  return `${t.kind === 'VOID' ? 'UNKN' : t.kind} ${t.name === '' ? '<anon>' : t.name}`;
}
