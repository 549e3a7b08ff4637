import { readFileSync } from 'node:fs';
import { parseBtf, type Btf, BTF_KIND } from '../btf/index.js';
import { EINVAL, EIO, ENOENT, EOPNOTSUPP, errnoOfName, strerror } from '../errno.js';
import { BpfscopeError } from '../errors.js';
import { findElfSection, hasElfHeader } from '../elf/index.js';

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
    throw new BtfLoadError(errnoOfName(code) ?? EIO);
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
    if (!(e instanceof BpfscopeError)) throw e;
    // How libbpf refuses the blob, for bpftool's words; where libbpf 1.1 would take it
    // (it checks neither names nor type ids), EINVAL all the same. The reason is kept
    // for BPFSCOPE_DEBUG: libbpf's own are debug messages bpftool does not print.
    const libbpf = libbpfRefusal(bytes, base);
    throw new BtfLoadError(libbpf?.errno ?? EINVAL, libbpf?.warnings ?? [], e.message);
  }
}

const HEADER = 24;
const MAX_STR_OFFSET = 0x7fffffff;

/**
 * The structural checks libbpf 1.1 makes when it reads BTF (btf_new: header, string
 * section, the size of every type record), and what it says when one fails: an errno,
 * and the few messages it prints as warnings rather than debug output. Undefined when
 * all of them pass.
 */
export function libbpfRefusal(bytes: Uint8Array, base?: Btf): { errno: number; warnings: string[] } | undefined {
  const inval = (...warnings: string[]): { errno: number; warnings: string[] } => ({ errno: EINVAL, warnings });
  if (bytes.length < HEADER) return inval();
  const swapped = bytes[0] === 0xeb && bytes[1] === 0x9f;
  if (!swapped && !(bytes[0] === 0x9f && bytes[1] === 0xeb)) return inval();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (o: number): number => view.getUint32(o, !swapped);
  const hdrLen = u32(4);
  if (swapped && hdrLen !== HEADER) {
    return { errno: EOPNOTSUPP, warnings: [`Can't load BTF with non-native endianness due to unsupported header length ${hdrLen}`] };
  }
  if (bytes.length < hdrLen) return inval();
  const [typeOff, typeLen, strOff, strLen] = [u32(8), u32(12), u32(16), u32(20)];
  if (bytes.length - hdrLen < strOff + strLen) return inval();
  if (typeOff + typeLen > strOff || typeOff % 4) return inval();
  const strEnd = hdrLen + strOff + strLen;
  if (!(base && strLen === 0)) {
    if (strLen === 0 || strLen - 1 > MAX_STR_OFFSET || bytes[strEnd - 1] !== 0) return inval();
    if (!base && bytes[hdrLen + strOff] !== 0) return inval();
  }
  const startId = base ? base.typeCount : 1;
  const end = hdrLen + typeOff + typeLen;
  let off = hdrLen + typeOff;
  let count = 0;
  for (; off + 12 <= end; count++) {
    const size = recordSize(u32(off + 4));
    if (size === undefined) return inval();
    if (off + size > end) return inval(`BTF type [${startId + count}] is malformed`);
    off += size;
  }
  if (off !== end) return inval('BTF types data is malformed');
  return undefined;
}

/** A type record's size from its info word (libbpf's btf_type_size); undefined for kinds libbpf 1.1 does not know. */
function recordSize(info: number): number | undefined {
  const kind = (info >>> 24) & 0x1f;
  const vlen = info & 0xffff;
  const K = BTF_KIND;
  if ([K.PTR, K.FWD, K.TYPEDEF, K.VOLATILE, K.CONST, K.RESTRICT, K.FUNC, K.FLOAT, K.TYPE_TAG].includes(kind as never)) return 12;
  if (kind === K.INT || kind === K.VAR || kind === K.DECL_TAG) return 16;
  if (kind === K.ARRAY) return 24;
  if (kind === K.ENUM || kind === K.FUNC_PROTO) return 12 + 8 * vlen;
  if (kind === K.STRUCT || kind === K.UNION || kind === K.DATASEC || kind === K.ENUM64) return 12 + 12 * vlen;
  return undefined;
}
