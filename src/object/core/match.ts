import { RelocationError } from '../../errors.js';
import { essentialName, type Btf, type BtfEnum, type BtfEnum64, type BtfComposite } from '../../btf/index.js';
import { isAnyEnum, resolvedType } from './btf-walk.js';

const MAX_DEPTH = 32;
const tooDeep = (): RelocationError => new RelocationError(`types nest more than ${MAX_DEPTH} deep`);

/**
 * libbpf's bpf_core_types_match (TYPE_MATCHES, bpf_core_type_matches()): stricter than
 * compatibility. Names match after typedefs and qualifiers (flavors ignored); integers
 * by size and signedness; enums by size, each local enumerator's name being in the
 * target; structs and unions by each local member having a same-named matching member
 * (behind a pointer only the kind counts, and a forward declaration of that kind will
 * do); arrays by length and element; prototypes by arity, parameters and return type.
 */
export function typesMatch(local: Btf, localId: number, target: Btf, targetId: number): boolean {
  return matchInner(local, localId, target, targetId, false, MAX_DEPTH);
}

/** libbpf's bpf_core_names_match: an anonymous target matches only an anonymous local. */
function namesMatch(local: string, target: string): boolean {
  if (target === '') return local === '';
  return essentialName(local) === essentialName(target);
}

function enumsMatch(l: BtfEnum | BtfEnum64, t: BtfEnum | BtfEnum64): boolean {
  if (l.size !== t.size || l.values.length > t.values.length) return false;
  return l.values.every((lv) => t.values.some((tv) => namesMatch(lv.name, tv.name)));
}

function compositesMatch<K extends 'STRUCT' | 'UNION'>(local: Btf, l: BtfComposite<K>, target: Btf, t: BtfComposite<K>, behindPtr: boolean, level: number): boolean {
  if (l.members.length > t.members.length) return false;
  return l.members.every((lm) =>
    t.members.some((tm) => namesMatch(lm.name, tm.name) && matchInner(local, lm.type, target, tm.type, behindPtr, level - 1)),
  );
}

function matchInner(local: Btf, localId: number, target: Btf, targetId: number, behindPtr: boolean, level: number): boolean {
  if (level <= 0) throw tooDeep();
  let lid = localId;
  let tid = targetId;
  let behind = behindPtr;
  for (let depth = MAX_DEPTH; ; ) {
    if (--depth < 0) throw tooDeep();
    const l = resolvedType(local, lid).type;
    const t = resolvedType(target, tid).type;
    if (!namesMatch(l.name, t.name)) return false;
    switch (l.kind) {
      case 'VOID':
        return t.kind === 'VOID';
      case 'FWD': {
        const union = l.fwdKind === 'union';
        if (t.kind === 'FWD') return union === (t.fwdKind === 'union');
        return behind && ((t.kind === 'STRUCT' && !union) || (t.kind === 'UNION' && union));
      }
      case 'ENUM':
      case 'ENUM64':
        return isAnyEnum(t) && enumsMatch(l, t as BtfEnum | BtfEnum64);
      case 'STRUCT':
      case 'UNION':
        if (behind) {
          if (t.kind === l.kind) return true;
          return t.kind === 'FWD' && (l.kind === 'UNION') === (t.fwdKind === 'union');
        }
        return t.kind === l.kind && compositesMatch(local, l, target, t as typeof l, behind, level);
      case 'INT':
        return t.kind === 'INT' && l.size === t.size && (l.encoding & 1) === (t.encoding & 1);
      case 'PTR':
        if (t.kind !== 'PTR') return false;
        behind = true;
        lid = l.type;
        tid = t.type;
        break;
      case 'ARRAY':
        if (t.kind !== 'ARRAY' || l.nelems !== t.nelems) return false;
        lid = l.type;
        tid = t.type;
        break;
      case 'FUNC_PROTO':
        if (t.kind !== 'FUNC_PROTO' || l.params.length !== t.params.length) return false;
        for (let i = 0; i < l.params.length; i++) {
          if (!matchInner(local, l.params[i]!.type, target, t.params[i]!.type, behind, level - 1)) return false;
        }
        lid = l.returnType;
        tid = t.returnType;
        break;
      default:
        return false;
    }
  }
}
