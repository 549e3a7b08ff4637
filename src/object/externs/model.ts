/**
 * Externs as libbpf models them: `__kconfig` variables, which live in the internal
 * `.kconfig` map, and `__ksym` kernel symbols (variables by address or BTF id, kfuncs
 * by BTF id). Filled in as they are collected, then resolved against a load target.
 */

export const KCONFIG_SEC = '.kconfig';
export const KSYMS_SEC = '.ksyms';

/** libbpf's kcfg_type: what a `.kconfig` value may be written as. */
export type KconfigType = 'bool' | 'tristate' | 'char' | 'int' | 'chars';

interface ExternBase {
  /** The name, as its BTF VAR or FUNC has it. */
  name: string;
  /** Its ELF symbol's index, which relocations name. */
  symIndex: number;
  weak: boolean;
  /** Its VAR or FUNC in the object's BTF. */
  btfId: number;
}

export interface KconfigExtern extends ExternBase {
  kind: 'kconfig';
  size: number;
  align: number;
  type: KconfigType;
  signed: boolean;
  /** Where its value sits in the `.kconfig` map. */
  offset: number;
}

export interface KsymExtern extends ExternBase {
  kind: 'ksym';
  /** A kfunc (a BTF FUNC) rather than a variable. */
  func: boolean;
  /** The type past qualifiers and typedefs (a FUNC_PROTO for kfuncs); 0 for a typeless ksym (`extern void x __ksym`). */
  typeId: number;
}

export type Extern = KconfigExtern | KsymExtern;

/** How a kernel symbol was resolved; absent for an unresolved weak one. */
export interface KsymResolution {
  /** Its id in the target BTF (vmlinux's or a module's); 0 for a typeless ksym. */
  btfId: number;
  /** The module whose BTF has it; undefined for vmlinux. */
  module?: string;
  /** The module's slot in the object's BTF fd array (libbpf's fd_array index, from 1); 0 for vmlinux. */
  moduleIndex: number;
  /** Its address in the target's kallsyms; null when they have no such symbol, absent when the target has no kallsyms. */
  address?: bigint | null;
}
