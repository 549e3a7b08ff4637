import type { Btf, BtfType } from '../../btf/index.js';

/** libbpf's recursion limit for type comparisons. */
const MAX_DEPTH = 32;

/** The same kind, or both enums (32 or 64 bits): libbpf's btf_kind_core_compat. */
function kindsCompat(a: BtfType, b: BtfType): boolean {
  const isEnum = (t: BtfType): boolean => t.kind === 'ENUM' || t.kind === 'ENUM64';
  return a.kind === b.kind || (isEnum(a) && isEnum(b));
}

/**
 * libbpf 1.1's bpf_core_types_are_compat, which it checks a typed ksym's and a kfunc's
 * local type against the kernel's with: past qualifiers and typedefs the kinds must be
 * equal (enums of either width alike); structs, unions, enums and forward declarations
 * then match whatever their members, integers unless bitfield-like, pointers and arrays
 * by what they hold, prototypes by arity, every parameter and the return type. A
 * nesting deeper than libbpf follows counts as incompatible.
 */
export function typesAreCompat(local: Btf, localId: number, target: Btf, targetId: number, level = MAX_DEPTH): boolean {
  if (!kindsCompat(local.type(localId), target.type(targetId))) return false;
  let lid = localId;
  let tid = targetId;
  for (let depth = MAX_DEPTH; depth > 0; depth--) {
    lid = local.resolve(lid);
    tid = target.resolve(tid);
    const l = local.type(lid);
    const t = target.type(tid);
    if (!kindsCompat(l, t)) return false;
    switch (l.kind) {
      case 'VOID':
      case 'STRUCT':
      case 'UNION':
      case 'ENUM':
      case 'ENUM64':
      case 'FWD':
        return true;
      case 'INT':
        return l.bitsOffset === 0 && t.kind === 'INT' && t.bitsOffset === 0;
      case 'PTR':
      case 'ARRAY':
        lid = l.type;
        tid = (t as typeof l).type;
        break;
      case 'FUNC_PROTO': {
        if (t.kind !== 'FUNC_PROTO' || l.params.length !== t.params.length) return false;
        if (l.params.length > 0 && level <= 0) return false;
        for (let i = 0; i < l.params.length; i++) {
          if (!typesAreCompat(local, local.resolve(l.params[i]!.type), target, target.resolve(t.params[i]!.type), level - 1)) return false;
        }
        lid = l.returnType;
        tid = t.returnType;
        break;
      }
      default:
        return false;
    }
  }
  return false;
}
