import { RelocationError } from '../../errors.js';
import { BTF_KIND, type Btf, type BtfType } from '../../btf/index.js';
import { essentialName } from './btf-walk.js';

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
    const essential = essentialName(localType.name);
    const found = typesNamed(this.source.vmlinux(), essential, localType);
    if (found.length > 0) return found;
    return this.source.modules().flatMap((m) => typesNamed(m.btf, essential, localType));
  }
}

const ENUM_KINDS = new Set<number>([BTF_KIND.ENUM, BTF_KIND.ENUM64]);

/**
 * libbpf's bpf_core_add_cands over one BTF's own types (a module's, past vmlinux's ids):
 * named types whose essential name is `essential` and whose kind suits the local type.
 * The names are found in the string table first; only records naming one are looked at.
 */
function typesNamed(btf: Btf, essential: string, localType: BtfType): Candidate[] {
  const offsets = new Set(btf.strings.occurrences(essential).filter((off) => essentialName(btf.strings.at(off)) === essential));
  if (offsets.size === 0) return [];
  const localKind = BTF_KIND[localType.kind];
  const { words, offsets: records } = btf.records;
  const out: Candidate[] = [];
  for (let i = 0; i < records.length; i++) {
    const w = records[i]!;
    if (!offsets.has(words[w]!)) continue;
    const kind = (words[w + 1]! >>> 24) & 0x1f;
    if (kind === localKind || (ENUM_KINDS.has(kind) && ENUM_KINDS.has(localKind))) out.push({ btf, id: btf.startId + i });
  }
  return out;
}
