import { readCString, type ElfFile } from '../elf/index.js';

/** The licenses the kernel treats as GPL-compatible (license_is_gpl_compatible). */
const GPL_COMPATIBLE = new Set(['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL']);

export function isGplCompatible(license: string): boolean {
  return GPL_COMPATIBLE.has(license);
}

export function readLicense(elf: ElfFile): string {
  const sec = elf.sections.find((s) => s.name === 'license');
  return sec ? (readCString(sec.data, 0) ?? '') : '';
}

/** The `version` section's kernel version (used by old kprobe loaders), 0 if absent. */
export function readKernelVersion(elf: ElfFile): number {
  const sec = elf.sections.find((s) => s.name === 'version');
  if (!sec || sec.data.length < 4) return 0;
  return new DataView(sec.data.buffer, sec.data.byteOffset, 4).getUint32(0, elf.littleEndian);
}
