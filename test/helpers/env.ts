import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = join(REPO, '..', 'shared');
export const OBJECTS = join(REPO, 'objects');
export const GOLDEN = join(REPO, 'test', 'golden');
export const BIN = join(REPO, 'bin', 'bpfscope');

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export const hasClang = has('clang');
export const hasBpftool = has('bpftool');
export const hasDot = has('dot');
export const hasObjdump = has('llvm-objdump');
export const isRoot = process.getuid?.() === 0;
export const hasShared = existsSync(join(SHARED, 'README.md'));

/** Why a test that needs these things cannot run here, or undefined when it can. */
export function missing(needs: { clang?: boolean; bpftool?: boolean; root?: boolean; shared?: boolean; dot?: boolean; objdump?: boolean; file?: string }): string | undefined {
  if (needs.clang && !hasClang) return 'clang is not installed (apt-get install clang)';
  if (needs.bpftool && !hasBpftool) return 'bpftool is not installed (apt-get install bpftool)';
  if (needs.dot && !hasDot) return 'graphviz is not installed (apt-get install graphviz)';
  if (needs.objdump && !hasObjdump) return 'llvm-objdump is not installed (apt-get install llvm)';
  if (needs.root && !isRoot) return 'needs root';
  if (needs.shared && !hasShared) return `../shared is missing (${SHARED})`;
  if (needs.file && !existsSync(needs.file)) return `${needs.file} is missing`;
  return undefined;
}

/** Prints the reason a test is skipped, so a skip is never silent. */
export function skipReason(reason: string | undefined, what: string): boolean {
  if (reason) console.log(`skipped ${what}: ${reason}`);
  return reason !== undefined;
}

export function compileBpf(source: string, out: string, extra: string[] = []): void {
  execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-mcpu=v3', `-I/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`, ...extra, '-c', source, '-o', out]);
}
