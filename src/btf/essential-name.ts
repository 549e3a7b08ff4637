const UNDERSCORE = 0x5f;
/** FNV-1a's 32-bit offset basis and prime: the hash of names here and in StringTable.hashAt. */
export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/**
 * A name without its flavor: everything before the last `___` that has a character
 * other than `_` on both sides (`task_struct___old` is `task_struct`), as libbpf's
 * bpf_core_essential_name_len.
 */
export function essentialName(name: string): string {
  for (let i = name.length - 5; i >= 0; i--) {
    if (name[i] !== '_' && name[i + 1] === '_' && name[i + 2] === '_' && name[i + 3] === '_' && name[i + 4] !== '_') {
      return name.slice(0, i + 1);
    }
  }
  return name;
}

/**
 * FNV-1a of the essential part of a NUL-terminated name in `bytes` at `at`: the bytes
 * up to the last flavor separator, or all of them. One forward pass, since the
 * essential name is what both exact and flavor-blind lookups start from.
 */
export function essentialHashOf(bytes: Uint8Array, at: number): number {
  let h = FNV_OFFSET;
  let essential = -1;
  for (let i = at; ; i++) {
    const c = bytes[i];
    if (c === undefined || c === 0) break;
    h = Math.imul(h ^ c, FNV_PRIME);
    if (c !== UNDERSCORE && bytes[i + 1] === UNDERSCORE && bytes[i + 2] === UNDERSCORE && bytes[i + 3] === UNDERSCORE) {
      const next = bytes[i + 4];
      if (next !== undefined && next !== 0 && next !== UNDERSCORE) essential = h;
    }
  }
  return (essential === -1 ? h : essential) >>> 0;
}

/** FNV-1a of all of `bytes`: the hash essentialHashOf gives a name whose essential part they are. */
export function hashBytes(bytes: Uint8Array): number {
  let h = FNV_OFFSET;
  for (const c of bytes) h = Math.imul(h ^ c, FNV_PRIME);
  return h >>> 0;
}
