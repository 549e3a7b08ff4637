import type { Btf } from './btf.js';

/**
 * C names for BTF types as libbpf's dumper assigns them. C has one namespace for
 * struct/union/enum tags and another for typedefs and enumerators; BTF (vmlinux in
 * particular) can hold several types with the same name, so the second and later
 * ones become `name___2`, `name___3`... A type's name is fixed the first time it is
 * printed, so the numbering follows printing order.
 */
export class CNames {
  /** struct, union, enum (and, oddly but faithfully, int) names. */
  private readonly tags = new Map<string, number>();
  /** typedef names and enumerators. */
  private readonly idents = new Map<string, number>();
  private readonly resolved = new Map<number, string>();

  constructor(private readonly btf: Btf) {}

  /** Name of a struct, union, enum, forward declaration or int. */
  tagName(id: number): string {
    return this.resolve(id, this.tags);
  }

  /** Name of a typedef. */
  identName(id: number): string {
    return this.resolve(id, this.idents);
  }

  /** An enumerator's name, counted anew at each printing, as libbpf counts it. */
  enumerator(name: string): string {
    const n = this.count(this.idents, name);
    return n > 1 ? `${name}___${n}` : name;
  }

  private resolve(id: number, names: Map<string, number>): string {
    const t = this.btf.type(id);
    if (t.nameOff === 0) return '';
    let name = this.resolved.get(id);
    if (name === undefined) {
      // Forward declarations and empty enums may repeat freely: they define nothing.
      const free = t.kind === 'FWD' || (t.kind === 'ENUM' && t.values.length === 0);
      const n = free ? 1 : this.count(names, t.name);
      name = n > 1 ? `${t.name}___${n}` : t.name;
      this.resolved.set(id, name);
    }
    return name;
  }

  private count(names: Map<string, number>, name: string): number {
    const n = (names.get(name) ?? 0) + 1;
    names.set(name, n);
    return n;
  }
}
