import { BpfscopeError, RelocationError } from '../../errors.js';
import type { Btf, BtfType } from '../../btf/index.js';

/**
 * The few BTF steps every part of CO-RE takes, with libbpf's answers for bad BTF: a
 * type id that is not there, or a chain of qualifiers that never ends, is an error of
 * the relocation (libbpf's -EINVAL), not of the BTF.
 */

export function typeAt(btf: Btf, id: number): BtfType {
  if (!btf.has(id)) throw new RelocationError(`type id ${id} does not exist (the BTF has ${btf.typeCount} types)`);
  return btf.type(id);
}

/** libbpf's skip_mods_and_typedefs: the id past const, volatile, restrict, type tags and typedefs. */
export function resolvedId(btf: Btf, id: number): number {
  typeAt(btf, id);
  try {
    return btf.resolve(id);
  } catch (e) {
    if (e instanceof BpfscopeError) throw new RelocationError(e.reason);
    throw e;
  }
}

export function resolvedType(btf: Btf, id: number): { id: number; type: BtfType } {
  const to = resolvedId(btf, id);
  return { id: to, type: btf.type(to) };
}

/** libbpf's btf__resolve_size; undefined where it fails (void, functions, forward declarations). */
export function sizeOf(btf: Btf, id: number): number | undefined {
  try {
    return btf.size(id);
  } catch (e) {
    if (e instanceof BpfscopeError) return undefined;
    throw e;
  }
}

export function isAnyEnum(t: BtfType): boolean {
  return t.kind === 'ENUM' || t.kind === 'ENUM64';
}

export function isComposite(t: BtfType): boolean {
  return t.kind === 'STRUCT' || t.kind === 'UNION';
}

/** libbpf's btf_kind_core_compat: the same kind, or both enums (32 or 64 bits). */
export function kindsCompat(a: BtfType, b: BtfType): boolean {
  return a.kind === b.kind || (isAnyEnum(a) && isAnyEnum(b));
}

