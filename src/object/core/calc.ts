import { RelocationError } from '../../errors.js';
import { BTF_INT_ENCODING, type Btf } from '../../btf/index.js';
import { resolvedType, sizeOf } from './btf-walk.js';
import { isEnumvalKind, isFieldKind, isTypeKind, type CoreSpec } from './spec.js';

/**
 * What a relocation does to its instruction (libbpf's bpf_core_relo_res): the value
 * the compiler put there for the local type, the value for the target, and what the
 * patcher needs to check and adjust.
 */
export interface CoreResult {
  /** The value the instruction should hold now, checked unless `validate` is false. */
  origVal: bigint;
  newVal: bigint;
  /** Nothing in the target fits: the instruction becomes an invalid call. */
  poison: boolean;
  validate: boolean;
  /** A load or store whose size would have to change in a way that reads the wrong value. */
  failMemszAdjust: boolean;
  /** Field sizes in bytes, for loads and stores of a field whose size changed (0: not such a relocation). */
  origSz: number;
  newSz: number;
  origTypeId: number;
  newTypeId: number;
}

/** What one side (local or target) of a relocation comes to. */
interface SideValue {
  val: bigint;
  fieldSz: number;
  typeId: number;
  validate: boolean;
}

/** A relocation whose target is missing and must be poisoned (libbpf's -EUCLEAN). */
const POISON = 'poison';

const u64 = (n: number | bigint): bigint => BigInt.asUintN(64, BigInt(n));

/** The size of an array's innermost element, or the type's own size: what one load reads. */
function elementSize(btf: Btf, id: number): number {
  let { id: at, type } = resolvedType(btf, id);
  while (type.kind === 'ARRAY') ({ id: at, type } = resolvedType(btf, type.type));
  const size = sizeOf(btf, at);
  if (size === undefined) throw new RelocationError(`type [${at}] has no size`);
  return size;
}

/** libbpf's bpf_core_calc_field_relo for one side; `spec` undefined when the target has no such field. */
function fieldValue(spec: CoreSpec | undefined, kind: CoreSpec['kind'], littleEndian: boolean): SideValue | typeof POISON {
  const side: SideValue = { val: 0n, fieldSz: 0, typeId: 0, validate: true };
  if (kind === 'FIELD_EXISTS') return { ...side, val: spec ? 1n : 0n };
  if (!spec) return POISON;
  const { btf } = spec;
  const acc = spec.accessors[spec.accessors.length - 1]!;

  if (acc.name === undefined) {
    // The spec ends at an array element (`&a[n]`): only its offset and size have a meaning.
    if (kind === 'FIELD_BYTE_OFFSET') {
      return { val: BigInt(Math.floor(spec.bitOffset / 8)), fieldSz: elementSize(btf, acc.typeId), typeId: acc.typeId, validate: true };
    }
    if (kind === 'FIELD_BYTE_SIZE') {
      const size = sizeOf(btf, acc.typeId);
      if (size === undefined) throw new RelocationError(`type [${acc.typeId}] has no size`);
      return { ...side, val: BigInt(size) };
    }
    throw new RelocationError(`${kind} cannot be applied to an array element`);
  }

  const holder = btf.type(acc.typeId);
  if (holder.kind !== 'STRUCT' && holder.kind !== 'UNION') throw new RelocationError(`type [${acc.typeId}] is not a struct or union`);
  const member = holder.members[acc.idx]!;
  const { id: fieldTypeId, type: mt } = resolvedType(btf, member.type);
  const bitOff = spec.bitOffset;
  let bitSz = member.bitfieldSize;
  const bitfield = bitSz > 0;
  let byteSz: number;
  let byteOff: number;
  if (bitfield) {
    byteSz = mt.kind === 'INT' || mt.kind === 'ENUM' || mt.kind === 'ENUM64' ? mt.size : 0;
    if (byteSz === 0) throw new RelocationError(`${kind}: a bitfield of [${fieldTypeId}] ${mt.kind}, which has no size`);
    byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    // The smallest load, at a multiple of its own size, that holds every bit of the field.
    while (bitOff + bitSz - byteOff * 8 > byteSz * 8) {
      if (byteSz >= 8) throw new RelocationError(`${kind}: the bitfield cannot be read with one 64-bit load`);
      byteSz *= 2;
      byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    }
  } else {
    const size = sizeOf(btf, fieldTypeId);
    if (size === undefined) throw new RelocationError(`field type [${fieldTypeId}] has no size`);
    byteSz = size;
    byteOff = Math.floor(bitOff / 8);
    bitSz = byteSz * 8;
  }
  // A bitfield's offset, size and shifts may be computed otherwise by the compiler: not checked.
  side.validate = !bitfield;
  switch (kind) {
    case 'FIELD_BYTE_OFFSET':
      side.val = BigInt(byteOff);
      if (!bitfield) {
        side.fieldSz = elementSize(btf, fieldTypeId);
        side.typeId = fieldTypeId;
      }
      break;
    case 'FIELD_BYTE_SIZE':
      side.val = BigInt(byteSz);
      break;
    case 'FIELD_SIGNED':
      side.val = ((mt.kind === 'ENUM' || mt.kind === 'ENUM64') && mt.signed) || (mt.kind === 'INT' && (mt.encoding & BTF_INT_ENCODING.SIGNED) !== 0) ? 1n : 0n;
      side.validate = true;
      break;
    case 'FIELD_LSHIFT_U64':
      // The shift that puts the field's top bit at bit 63 of the loaded value.
      side.val = u64(littleEndian ? 64 - (bitOff + bitSz - byteOff * 8) : (8 - byteSz) * 8 + (bitOff - byteOff * 8));
      break;
    case 'FIELD_RSHIFT_U64':
      side.val = u64(64 - bitSz);
      side.validate = true;
      break;
    default:
      throw new RelocationError(`unrecognized CO-RE relocation ${kind}`);
  }
  return side;
}

/** libbpf's bpf_core_calc_type_relo: a missing target type gives 0. */
function typeValue(spec: CoreSpec | undefined, kind: CoreSpec['kind']): bigint {
  if (!spec) return 0n;
  switch (kind) {
    case 'TYPE_ID_TARGET':
      return BigInt(spec.rootTypeId);
    case 'TYPE_EXISTS':
    case 'TYPE_MATCHES':
      return 1n;
    case 'TYPE_SIZE': {
      const size = sizeOf(spec.btf, spec.rootTypeId);
      if (size === undefined) throw new RelocationError(`type [${spec.rootTypeId}] has no size`);
      return BigInt(size);
    }
    default:
      throw new RelocationError(`unrecognized CO-RE relocation ${kind}`);
  }
}

/** libbpf's bpf_core_calc_enumval_relo. */
function enumValue(spec: CoreSpec | undefined, kind: CoreSpec['kind']): bigint | typeof POISON {
  if (kind === 'ENUMVAL_EXISTS') return spec ? 1n : 0n;
  if (!spec) return POISON;
  const acc = spec.accessors[0]!;
  const t = spec.btf.type(acc.typeId);
  if (t.kind === 'ENUM') return u64(t.values[acc.idx]!.value | 0); // libbpf reads it as __s32, sign-extended
  if (t.kind === 'ENUM64') return u64(t.values[acc.idx]!.value);
  throw new RelocationError(`type [${acc.typeId}] is not an enum`);
}

/**
 * libbpf's bpf_core_calc_relo: the local and target values of one relocation for one
 * candidate (`target` undefined: no candidate matched), and whether a load or store's
 * size may follow a field whose size changed (pointers and unsigned integers only).
 */
export function calcRelo(local: CoreSpec, target: CoreSpec | undefined, littleEndian: boolean): CoreResult {
  const res: CoreResult = { origVal: 0n, newVal: 0n, poison: false, validate: true, failMemszAdjust: false, origSz: 0, newSz: 0, origTypeId: 0, newTypeId: 0 };
  const { kind } = local;
  if (isFieldKind(kind)) {
    const orig = fieldValue(local, kind, littleEndian);
    if (orig === POISON) return { ...res, poison: true };
    Object.assign(res, { origVal: orig.val, origSz: orig.fieldSz, origTypeId: orig.typeId, validate: orig.validate });
    const next = fieldValue(target, kind, littleEndian);
    if (next === POISON) return { ...res, poison: true };
    Object.assign(res, { newVal: next.val, newSz: next.fieldSz, newTypeId: next.typeId });
    if (res.origSz !== res.newSz && target) {
      const o = local.btf.type(res.origTypeId);
      const n = target.btf.type(res.newTypeId);
      const unsignedInts = o.kind === 'INT' && n.kind === 'INT' && o.encoding !== BTF_INT_ENCODING.SIGNED && n.encoding !== BTF_INT_ENCODING.SIGNED;
      res.failMemszAdjust = !(o.kind === 'PTR' && n.kind === 'PTR') && !unsignedInts;
    }
  } else if (isTypeKind(kind)) {
    res.origVal = typeValue(local, kind);
    res.newVal = typeValue(target, kind);
    // A type id may change when objects are linked: not checked.
    res.validate = kind !== 'TYPE_ID_TARGET';
  } else if (isEnumvalKind(kind)) {
    const orig = enumValue(local, kind);
    const next = orig === POISON ? POISON : enumValue(target, kind);
    if (orig === POISON || next === POISON) return { ...res, ...(orig === POISON ? {} : { origVal: orig }), poison: true };
    res.origVal = orig;
    res.newVal = next;
  } else {
    throw new RelocationError(`unrecognized CO-RE relocation ${kind}`);
  }
  return res;
}
