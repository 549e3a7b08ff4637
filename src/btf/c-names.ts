import type { TypeTable } from './type-table.js';
import { BTF_KIND } from './types.js';

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
  /** Names fixed so far, by id. */
  private readonly resolved: (string | undefined)[];

  constructor(private readonly table: TypeTable) {
    this.resolved = new Array<string | undefined>(table.count);
  }

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
    let name = this.resolved[id];
    if (name === undefined) {
      const table = this.table;
      if (table.nameOff(id) === 0) return '';
      const own = table.name(id);
      const kind = table.kind(id);
      // Forward declarations and empty enums may repeat freely: they define nothing.
      const free = kind === BTF_KIND.FWD || (kind === BTF_KIND.ENUM && table.vlen(id) === 0);
      const n = free ? 1 : this.count(names, own);
      name = n > 1 ? `${own}___${n}` : own;
      this.resolved[id] = name;
    }
    return name;
  }

  private count(names: Map<string, number>, name: string): number {
    const n = (names.get(name) ?? 0) + 1;
    names.set(name, n);
    return n;
  }
}
