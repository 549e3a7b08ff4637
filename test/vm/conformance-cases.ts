import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED, missing } from '../helpers/env.js';

/**
 * The public BPF conformance suite in ../shared (data only: read here, never copied into
 * the repository). `conformance.json` has every case assembled; the `.data` files have
 * the source in the uBPF assembler dialect.
 */
export interface ConformanceCase {
  name: string;
  /** Contiguous lowercase hex, 8-byte little-endian slots. */
  program: string;
  memory: string;
  /** Expected r0, as hex with 0x. */
  result: string;
  error: string | null;
  cpu_version: string;
  groups: string[];
}

export const CONFORMANCE_DIR = join(SHARED, 'conformance');
const JSON_FILE = join(CONFORMANCE_DIR, 'conformance.json');

/** Why the suite cannot be read here, or undefined. */
export function conformanceMissing(): string | undefined {
  return missing({ file: JSON_FILE });
}

export function conformanceCases(): ConformanceCase[] {
  return existsSync(JSON_FILE) ? (JSON.parse(readFileSync(JSON_FILE, 'utf8')) as ConformanceCase[]) : [];
}

/** The sections of a `.data` file (`-- asm`, `-- mem`, ...), by name. */
export function dataSections(name: string): Map<string, string> {
  const text = readFileSync(join(CONFORMANCE_DIR, 'tests', name), 'utf8');
  const sections = new Map<string, string>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    const m = line.match(/^-- (.*)$/);
    if (m) {
      current = m[1]!.trim();
      sections.set(current, '');
    } else if (current !== undefined) {
      sections.set(current, sections.get(current)! + line + '\n');
    }
  }
  return sections;
}

export function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
}

export function bytesHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
