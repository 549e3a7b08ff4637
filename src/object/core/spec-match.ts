import { RelocationError } from '../../errors.js';
import { essentialName, type Btf } from '../../btf/index.js';
import { resolvedType, sizeOf, typeAt } from './btf-walk.js';
import { fieldsAreCompat, typesAreCompat } from './compat.js';
import { typesMatch } from './match.js';
import { isEnumvalKind, isFlexArray, isTypeKind, SPEC_MAX_LEN, type CoreAccessor, type CoreSpec } from './spec.js';

const tooDeep = (): RelocationError => new RelocationError(`target type nests more than ${SPEC_MAX_LEN} deep`);

/**
 * libbpf's bpf_core_spec_match: the local spec followed through one candidate target
 * type. Named fields are found by name, anonymous structs and unions searched on the
 * way, array indexes must be in bounds; the result is the target's spec (its own
 * accessors, raw path and bit offset), or undefined when the candidate does not fit.
 */
export function matchSpec(local: CoreSpec, target: Btf, targetId: number): CoreSpec | undefined {
  const spec: CoreSpec = { btf: target, rootTypeId: targetId, kind: local.kind, accessors: [], raw: [], bitOffset: 0 };
  if (isTypeKind(local.kind)) {
    const fits = local.kind === 'TYPE_MATCHES' ? typesMatch(local.btf, local.rootTypeId, target, targetId) : typesAreCompat(local.btf, local.rootTypeId, target, targetId);
    return fits ? spec : undefined;
  }
  if (isEnumvalKind(local.kind)) return matchEnumerator(local.accessors[0]!, spec);

  let id = targetId;
  for (let i = 0; i < local.accessors.length; i++) {
    const acc = local.accessors[i]!;
    const resolved = resolvedType(target, id);
    id = resolved.id;
    if (acc.name !== undefined) {
      const next = matchMember(local.btf, acc, target, id, spec);
      if (next === undefined) return undefined;
      id = next;
      continue;
    }
    // The first accessor indexes the root itself (s[0] of `&s->f`); later ones, an array.
    if (i > 0) {
      const t = resolved.type;
      if (t.kind !== 'ARRAY') return undefined;
      const flex = isFlexArray(target, spec.accessors[i - 1], t.nelems);
      if (!flex && acc.idx >= t.nelems) return undefined;
      id = resolvedType(target, t.type).id;
    }
    if (spec.raw.length === SPEC_MAX_LEN) throw tooDeep();
    spec.accessors.push({ typeId: id, idx: acc.idx, name: undefined });
    spec.raw.push(acc.idx);
    const size = sizeOf(target, id);
    if (size === undefined) throw new RelocationError(`target type [${id}] has no size`);
    spec.bitOffset += acc.idx * size * 8;
  }
  return spec;
}

/** An enumerator of the same essential name in the target enum. */
function matchEnumerator(acc: CoreAccessor, spec: CoreSpec): CoreSpec | undefined {
  const { id, type } = resolvedType(spec.btf, spec.rootTypeId);
  if (type.kind !== 'ENUM' && type.kind !== 'ENUM64') return undefined;
  const wanted = essentialName(acc.name ?? '');
  const idx = type.values.findIndex((v) => essentialName(v.name) === wanted);
  if (idx < 0) return undefined;
  spec.accessors.push({ typeId: id, idx, name: type.values[idx]!.name });
  spec.raw.push(idx);
  return spec;
}

/**
 * libbpf's bpf_core_match_member: the target member named as the local accessor's
 * field, searched depth first through anonymous members, the raw path and bit offset
 * extended on the way. Returns the member's type, or undefined when there is no such
 * member or it is not compatible. As in libbpf, a same-named member found incompatible
 * inside an anonymous one ends the search without taking back its step.
 */
function matchMember(local: Btf, acc: CoreAccessor, target: Btf, targetId: number, spec: CoreSpec): number | undefined {
  const { id, type } = resolvedType(target, targetId);
  if (type.kind !== 'STRUCT' && type.kind !== 'UNION') return undefined;
  const holder = typeAt(local, acc.typeId);
  if (holder.kind !== 'STRUCT' && holder.kind !== 'UNION') return undefined;
  const localMember = holder.members[acc.idx]!;
  for (let i = 0; i < type.members.length; i++) {
    const m = type.members[i]!;
    if (spec.raw.length === SPEC_MAX_LEN) throw tooDeep();
    spec.bitOffset += m.bitOffset;
    spec.raw.push(i);
    if (m.name === '') {
      const found = matchMember(local, acc, target, m.type, spec);
      if (found !== undefined) return found;
    } else if (m.name === localMember.name) {
      spec.accessors.push({ typeId: id, idx: i, name: m.name });
      if (fieldsAreCompat(local, localMember.type, target, m.type)) return m.type;
      spec.accessors.pop();
      return undefined;
    }
    spec.bitOffset -= m.bitOffset;
    spec.raw.pop();
  }
  return undefined;
}
