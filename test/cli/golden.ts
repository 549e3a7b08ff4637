import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN, OBJECTS } from '../helpers/env.js';

/** Objects whose golden directory exists (the kernel loaded them), in name order. */
export function goldenObjects(): string[] {
  if (!existsSync(GOLDEN)) return [];
  return readdirSync(GOLDEN)
    .filter((d) => !d.includes('@') && existsSync(join(GOLDEN, d, 'progs.json')) && existsSync(join(OBJECTS, `${d}.o`)))
    .sort();
}

export interface KernelProg {
  id: number;
  type: string;
  name: string;
  tag: string;
  gpl_compatible: boolean;
  bytes_xlated: number;
  bytes_memlock: number;
  map_ids?: number[];
  btf_id?: number;
}

export interface KernelMap {
  id: number;
  name: string;
}

export function kernelProgs(obj: string): KernelProg[] {
  return JSON.parse(readFileSync(join(GOLDEN, obj, 'progs.json'), 'utf8')) as KernelProg[];
}

export function kernelMaps(obj: string): KernelMap[] {
  return JSON.parse(readFileSync(join(GOLDEN, obj, 'maps.json'), 'utf8')) as KernelMap[];
}

export function goldenText(obj: string, file: string): string {
  return readFileSync(join(GOLDEN, obj, file), 'utf8');
}
