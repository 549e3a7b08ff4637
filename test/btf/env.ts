import { spawnSync } from 'node:child_process';
import { missing } from '../helpers/env.js';

const hasObjcopy = spawnSync('sh', ['-c', 'command -v llvm-objcopy'], { stdio: 'ignore' }).status === 0;

/** Why a test that compiles BPF C and extracts its BTF cannot run here. */
export function cannotCompile(): string | undefined {
  return missing({ clang: true }) ?? (hasObjcopy ? undefined : 'llvm-objcopy is not installed (apt-get install llvm)');
}
