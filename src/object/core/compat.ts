import { RelocationError } from '../../errors.js';
import { essentialName, type Btf } from '../../btf/index.js';
import { isComposite, kindsCompat, resolvedType, typeAt } from './btf-walk.js';

/** libbpf's recursion limit for type comparisons (its `depth` and `level`). */
const MAX_DEPTH = 32;

const tooDeep = (): RelocationError => new RelocationError(`types nest more than ${MAX_DEPTH} deep`);

/**
 * libbpf's bpf_core_types_are_compat, for type-based relocations (the caller has
 * matched the roots' names): qualifiers and typedefs skipped, kinds equal (enums of
 * either width alike), integers compatible unless bitfield-like, pointers and arrays
 * by what they hold, prototypes by arity and by every parameter and the return type.
 */
export function typesAreCompat(local: Btf, localId: number, target: Btf, targetId: number, level = MAX_DEPTH): boolean {
  if (!kindsCompat(typeAt(local, localId), typeAt(target, targetId))) return false;
  let lid = localId;
  let tid = targetId;
  for (let depth = MAX_DEPTH; ; ) {
    if (--depth < 0) throw tooDeep();
    const l = resolvedType(local, lid);
    const t = resolvedType(target, tid);
    const lt = l.type;
    const tt = t.type;
    if (!kindsCompat(lt, tt)) return false;
    switch (lt.kind) {
      case 'VOID':
      case 'STRUCT':
      case 'UNION':
      case 'ENUM':
      case 'FWD':
      case 'ENUM64':
        return true;
      case 'INT':
        return lt.bitsOffset === 0 && tt.kind === 'INT' && tt.bitsOffset === 0;
      case 'PTR':
      case 'ARRAY':
        lid = lt.type;
        tid = (tt as typeof lt).type;
        break;
      case 'FUNC_PROTO': {
        if (tt.kind !== 'FUNC_PROTO' || lt.params.length !== tt.params.length) return false;
        for (let i = 0; i < lt.params.length; i++) {
          if (level <= 0) throw tooDeep();
          const lp = resolvedType(local, lt.params[i]!.type).id;
          const tp = resolvedType(target, tt.params[i]!.type).id;
          if (!typesAreCompat(local, lp, target, tp, level - 1)) return false;
        }
        lid = resolvedType(local, lt.returnType).id;
        tid = resolvedType(target, tt.returnType).id;
        break;
      }
      default:
        return false;
    }
  }
}

/**
 * libbpf's bpf_core_fields_are_compat, for a field found by name in the target: any
 * two structs or unions, any two pointers or floats, enums and forward declarations
 * of the same essential name (or one anonymous), integers unless bitfield-like, arrays
 * by their elements.
 */
export function fieldsAreCompat(local: Btf, localId: number, target: Btf, targetId: number): boolean {
  let lid = localId;
  let tid = targetId;
  for (let steps = 0; ; steps++) {
    if (steps > local.typeCount) throw new RelocationError(`type [${localId}]: reference loop`);
    const lt = resolvedType(local, lid).type;
    const tt = resolvedType(target, tid).type;
    if (isComposite(lt) && isComposite(tt)) return true;
    if (!kindsCompat(lt, tt)) return false;
    switch (lt.kind) {
      case 'PTR':
      case 'FLOAT':
        return true;
      case 'FWD':
      case 'ENUM':
      case 'ENUM64': {
        const ln = essentialName(lt.name);
        const tn = essentialName(tt.name);
        return ln === '' || tn === '' || ln === tn;
      }
      case 'INT':
        return lt.bitsOffset === 0 && tt.kind === 'INT' && tt.bitsOffset === 0;
      case 'ARRAY':
        lid = lt.type;
        tid = (tt as typeof lt).type;
        break;
      default:
        return false;
    }
  }
}
