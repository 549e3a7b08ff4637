/**
 * The BTF type model: one interface per kind, joined in the `BtfType` discriminated
 * union on `kind`. Kind names are the upper-case ones bpftool prints, so a dumper can
 * write `t.kind` as it is. Every type keeps its `nameOff` next to the resolved `name`
 * because bpftool tells an absent name (offset 0, printed `(anon)`) from an empty one.
 */

/** Kind numbers as stored in bits 24..28 of `info`, indexed by name. */
export const BTF_KIND = {
  VOID: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

export type BtfKindName = keyof typeof BTF_KIND;

/** Kind names by number; index 0 is the void type (libbpf's UNKN). */
export const BTF_KIND_NAMES: readonly BtfKindName[] = Object.keys(BTF_KIND) as BtfKindName[];

/** INT encoding bits (BTF_INT_SIGNED, BTF_INT_CHAR, BTF_INT_BOOL). */
export const BTF_INT_ENCODING = { SIGNED: 1, CHAR: 2, BOOL: 4 } as const;

/** Linkage of a FUNC (stored in its vlen) and of a VAR (its trailing word). */
export const BTF_LINKAGE = { STATIC: 0, GLOBAL: 1, EXTERN: 2 } as const;

interface Named {
  /** Type id: 1.. for real types, 0 for void. */
  readonly id: number;
  /** The name, or '' when the type has none. */
  readonly name: string;
  /** Offset of the name in the string table; 0 means anonymous. */
  readonly nameOff: number;
}

/** Type id 0: `void`, not stored in the blob. */
export interface BtfVoid extends Named {
  readonly kind: 'VOID';
}

export interface BtfInt extends Named {
  readonly kind: 'INT';
  readonly size: number;
  /** Raw encoding bits; see BTF_INT_ENCODING. Unknown combinations are kept. */
  readonly encoding: number;
  readonly signed: boolean;
  /** Offset in bits of the value within `size` bytes (always 0 from modern compilers). */
  readonly bitsOffset: number;
  readonly bits: number;
}

/** Kinds that only point at another type. */
export interface BtfRef<K extends 'PTR' | 'TYPEDEF' | 'VOLATILE' | 'CONST' | 'RESTRICT' | 'TYPE_TAG'> extends Named {
  readonly kind: K;
  readonly type: number;
}

export type BtfPtr = BtfRef<'PTR'>;
export type BtfTypedef = BtfRef<'TYPEDEF'>;
export type BtfVolatile = BtfRef<'VOLATILE'>;
export type BtfConst = BtfRef<'CONST'>;
export type BtfRestrict = BtfRef<'RESTRICT'>;
export type BtfTypeTag = BtfRef<'TYPE_TAG'>;

export interface BtfArray extends Named {
  readonly kind: 'ARRAY';
  readonly type: number;
  readonly indexType: number;
  readonly nelems: number;
}

export interface BtfMember {
  readonly name: string;
  readonly nameOff: number;
  readonly type: number;
  /** Offset from the start of the struct, in bits. */
  readonly bitOffset: number;
  /** Width of a bitfield in bits; 0 for an ordinary member. */
  readonly bitfieldSize: number;
}

export interface BtfComposite<K extends 'STRUCT' | 'UNION'> extends Named {
  readonly kind: K;
  readonly size: number;
  /**
   * Set when member offsets are stored as bitfield size (high 8 bits) and bit offset
   * (low 24); `members` are already decoded either way.
   */
  readonly kindFlag: boolean;
  readonly members: readonly BtfMember[];
}

export type BtfStruct = BtfComposite<'STRUCT'>;
export type BtfUnion = BtfComposite<'UNION'>;

export interface BtfEnumValue {
  readonly name: string;
  readonly nameOff: number;
  /** Read as signed 32-bit when the enum is signed, unsigned otherwise. */
  readonly value: number;
}

export interface BtfEnum extends Named {
  readonly kind: 'ENUM';
  readonly size: number;
  /** From kind_flag. */
  readonly signed: boolean;
  readonly values: readonly BtfEnumValue[];
}

export interface BtfEnum64Value {
  readonly name: string;
  readonly nameOff: number;
  /** Read as signed 64-bit when the enum is signed, unsigned otherwise. */
  readonly value: bigint;
}

export interface BtfEnum64 extends Named {
  readonly kind: 'ENUM64';
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly BtfEnum64Value[];
}

export interface BtfFwd extends Named {
  readonly kind: 'FWD';
  readonly fwdKind: 'struct' | 'union';
}

export interface BtfFunc extends Named {
  readonly kind: 'FUNC';
  /** The FUNC_PROTO's id. */
  readonly type: number;
  /** See BTF_LINKAGE; values outside it are kept as stored. */
  readonly linkage: number;
}

export interface BtfParam {
  readonly name: string;
  readonly nameOff: number;
  /** 0 for the `...` of a variadic prototype (always the last parameter). */
  readonly type: number;
}

export interface BtfFuncProto extends Named {
  readonly kind: 'FUNC_PROTO';
  readonly returnType: number;
  readonly params: readonly BtfParam[];
}

export interface BtfVar extends Named {
  readonly kind: 'VAR';
  readonly type: number;
  /** See BTF_LINKAGE; values outside it are kept as stored. */
  readonly linkage: number;
}

export interface BtfVarSecinfo {
  /** The VAR (or FUNC, for .ksyms) this entry describes. */
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}

export interface BtfDatasec extends Named {
  readonly kind: 'DATASEC';
  readonly size: number;
  readonly vars: readonly BtfVarSecinfo[];
}

export interface BtfFloat extends Named {
  readonly kind: 'FLOAT';
  readonly size: number;
}

export interface BtfDeclTag extends Named {
  readonly kind: 'DECL_TAG';
  readonly type: number;
  /** Member or parameter index the tag applies to; -1 for the type itself. */
  readonly componentIdx: number;
}

export type BtfType =
  | BtfVoid
  | BtfInt
  | BtfPtr
  | BtfArray
  | BtfStruct
  | BtfUnion
  | BtfEnum
  | BtfFwd
  | BtfTypedef
  | BtfVolatile
  | BtfConst
  | BtfRestrict
  | BtfFunc
  | BtfFuncProto
  | BtfVar
  | BtfDatasec
  | BtfFloat
  | BtfDeclTag
  | BtfTypeTag
  | BtfEnum64;

/** The type of the given kind, e.g. `BtfOfKind<'STRUCT'>` is `BtfStruct`. */
export type BtfOfKind<K extends BtfKindName> = Extract<BtfType, { kind: K }>;

export type ByteOrder = 'little' | 'big';

export interface BtfHeader {
  readonly magic: number;
  readonly version: number;
  readonly flags: number;
  readonly hdrLen: number;
  /** Offsets are from the end of the header, as stored. */
  readonly typeOff: number;
  readonly typeLen: number;
  readonly strOff: number;
  readonly strLen: number;
}
