import { RelocationError } from '../../errors.js';
import { essentialName, BTF_KIND, type Btf, type BtfType } from '../../btf/index.js';

/** A target type a local type may correspond to. */
export interface Candidate {
  btf: Btf;
  id: number;
}

/** The target BTFs candidates are searched in, in libbpf's order. */
export interface CandidateSource {
  /** vmlinux's BTF (the running kernel's or `--btf-target`'s). */
  vmlinux(): Btf;
  /** Module BTFs, searched only when vmlinux has no candidate (none for an overridden vmlinux). */
  modules(): readonly { name: string; btf: Btf }[];
}

/**
 * libbpf's candidate cache (bpf_core_find_cands and its per-object hashmap): for each
 * local root type, the target types whose essential name is the same and whose kind is
 * compatible, from vmlinux, or from the module BTFs when vmlinux has none. The list is
 * the object's for its whole relocation: each relocation that matches some candidates
 * prunes it to those (bpf_core_calc_relo_insn), so later relocations of the same type
 * see only what matched before, as in libbpf.
 *
 * libbpf scans the target's types once per local type; here each target BTF's name
 * index (Btf.idsWithEssentialName) answers.
 */
export class CandidateCache {
  private readonly lists = new Map<number, Candidate[]>();

  constructor(private readonly source: CandidateSource) {}

  candidates(local: Btf, localId: number): Candidate[] {
    let list = this.lists.get(localId);
    if (!list) {
      list = this.find(local.type(localId));
      this.lists.set(localId, list);
    }
    return list;
  }

  private find(localType: BtfType): Candidate[] {
    if (localType.name === '') throw new RelocationError(`target candidate search failed: [${localType.id}] ${localType.kind} is anonymous`);
    const found = this.ofKind(this.source.vmlinux(), localType);
    if (found.length > 0) return found;
    return this.source.modules().flatMap((m) => this.ofKind(m.btf, localType));
  }

  /** libbpf's bpf_core_add_cands over one BTF's own types (a module's, past vmlinux's ids), in id order. */
  private ofKind(btf: Btf, localType: BtfType): Candidate[] {
    const localKind = BTF_KIND[localType.kind];
    const { words, offsets } = btf.records;
    return btf
      .idsWithEssentialName(essentialName(localType.name))
      .filter((id) => {
        const kind = (words[offsets[id - btf.startId]! + 1]! >>> 24) & 0x1f;
        return kind === localKind || (ENUM_KINDS.has(kind) && ENUM_KINDS.has(localKind));
      })
      .map((id) => ({ btf, id }));
  }
}

const ENUM_KINDS = new Set<number>([BTF_KIND.ENUM, BTF_KIND.ENUM64]);
