import { readFileSync } from 'node:fs';
import { parseBtf } from '../btf/parse.js';
import type { Btf } from '../btf/btf.js';
import { BpfscopeError } from '../errors.js';
import { findElfSection, hasElfHeader } from '../elf/find-section.js';

/** Where `btf dump file` looks for a base when none is given for a module's BTF. */
export const SYSFS_VMLINUX = '/sys/kernel/btf/vmlinux';
export const SYSFS_BTF_DIR = '/sys/kernel/btf/';

/** libbpf's LIBBPF_ERRNO__FORMAT: the file is not an ELF file it can read. */
const ERRNO_FORMAT = 4001;

/** Why a BTF file could not be read, as libbpf reports it: an errno, and warnings it printed. */
export class BtfLoadError extends Error {
  constructor(
    readonly errno: number,
    /** Lines libbpf prints (without its `libbpf: ` prefix) before giving up. */
    readonly warnings: string[] = [],
    /** What bpfscope found wrong, for BPFSCOPE_DEBUG: libbpf says only "Invalid argument". */
    readonly detail?: string,
  ) {
    super(strerror(errno));
  }
}

/** The errno values file access can end in, with glibc's strerror text. */
const ERRNOS: Record<string, [number, string]> = {
  EPERM: [1, 'Operation not permitted'],
  ENOENT: [2, 'No such file or directory'],
  EIO: [5, 'Input/output error'],
  ENXIO: [6, 'No such device or address'],
  ENOMEM: [12, 'Cannot allocate memory'],
  EACCES: [13, 'Permission denied'],
  ENOTDIR: [20, 'Not a directory'],
  EISDIR: [21, 'Is a directory'],
  EINVAL: [22, 'Invalid argument'],
  EMFILE: [24, 'Too many open files'],
  EFBIG: [27, 'File too large'],
  ENAMETOOLONG: [36, 'File name too long'],
  ELOOP: [40, 'Too many levels of symbolic links'],
};

export function strerror(errno: number): string {
  for (const [n, text] of Object.values(ERRNOS)) if (n === errno) return text;
  return `Unknown error ${errno}`;
}

const EIO = 5;
const EINVAL = 22;
const ENOENT = 2;

/**
 * libbpf's btf__parse_split(path, base), as bpftool 7.1 calls it: a file that starts
 * with the BTF magic (either byte order) is raw BTF (a .BTF section's contents, or
 * /sys/kernel/btf/*); anything else is read as ELF and its `.BTF` section taken as it
 * is, without the DATASEC fixups libbpf applies when it loads an object. Throws
 * BtfLoadError with the errno libbpf would return.
 */
export function loadBtfFile(path: string, base?: Btf): Btf {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    // libbpf opens with fopen, which succeeds on a directory; the read then fails: EIO.
    if (code === 'EISDIR') throw new BtfLoadError(EIO);
    throw new BtfLoadError(ERRNOS[code]?.[0] ?? EIO);
  }
  // Too short for the magic: the two-byte read fails.
  if (bytes.length < 2) throw new BtfLoadError(EIO);
  const magic = (bytes[0]! << 8) | bytes[1]!;
  if (magic === 0x9feb || magic === 0xeb9f) return parse(bytes, base);

  if (!hasElfHeader(bytes)) throw new BtfLoadError(ERRNO_FORMAT, [`failed to get EHDR from ${path}`]);
  let section: Uint8Array | undefined;
  try {
    section = findElfSection(bytes, '.BTF', path);
  } catch (e) {
    if (e instanceof BpfscopeError) throw new BtfLoadError(ERRNO_FORMAT, [], e.message);
    throw e;
  }
  if (section === undefined) throw new BtfLoadError(ENOENT);
  return parse(section, base);
}

function parse(bytes: Uint8Array, base: Btf | undefined): Btf {
  try {
    return parseBtf(bytes, base ? { base } : {});
  } catch (e) {
    // libbpf checks BTF as we do but says only EINVAL; the reason is kept for debugging.
    if (e instanceof BpfscopeError) throw new BtfLoadError(EINVAL, [], e.message);
    throw e;
  }
}
