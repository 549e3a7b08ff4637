import type { Btf } from './btf.js';
import { BTF_KIND, type BtfKindName } from './types.js';

/**
 * The id of the first of this blob's own types (not its base's) with that name and
 * kind, libbpf's btf__find_by_name_kind_own, read from the type records without decoding
 * them: a load looks up a few kernel functions among vmlinux's hundred thousand types.
 * Names are compared as ASCII, as C identifiers are.
 */
export function findOwnType(btf: Btf, name: string, kind: BtfKindName): number | undefined {
  const { words, offsets } = btf.records;
  const want = BTF_KIND[kind];
  for (let i = 0; i < offsets.length; i++) {
    const at = offsets[i]!;
    if (((words[at + 1]! >>> 24) & 0x1f) === want && btf.strings.is(words[at]!, name)) return btf.startId + i;
  }
  return undefined;
}
