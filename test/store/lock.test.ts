import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/store/atomic-file.js';
import { StoreLock } from '../../src/store/lock.js';
import { parseState, emptyState } from '../../src/store/state-file.js';
import { stateDirectory } from '../../src/store/state-dir.js';

describe('store files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfscope-store-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a lock held by a live process is not taken; released, it is', () => {
    const file = join(dir, 'lock');
    const a = new StoreLock(file);
    a.acquire();
    expect(readFileSync(file, 'utf8')).toMatch(new RegExp(`^${process.pid} \\S+\\n$`));
    expect(() => new StoreLock(file, 30).acquire()).toThrow(/still locked by \d+/);
    a.release();
    expect(existsSync(file)).toBe(false);
    const b = new StoreLock(file);
    b.acquire();
    expect(b.owned).toBe(true);
    b.release();
  });

  it('a lock whose owner is gone is broken', () => {
    const file = join(dir, 'lock2');
    writeFileSync(file, `${2 ** 22 + 1} 1\n`);
    const l = new StoreLock(file, 1000);
    l.acquire();
    expect(l.owned).toBe(true);
    l.release();
  });

  it('atomic writes replace the whole file and leave no temporary behind', () => {
    const file = join(dir, 'f');
    writeFileAtomic(file, 'one');
    writeFileAtomic(file, new Uint8Array([0x74, 0x77, 0x6f]));
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(existsSync(`${file}.tmp-${process.pid}-1`)).toBe(false);
  });

  it('state files are checked before use', () => {
    expect(parseState('s', JSON.stringify(emptyState(2)))).toEqual(emptyState(2));
    expect(() => parseState('s', '[]')).toThrow("store file s is damaged (not a bpfscope store); run 'bpfscope store check'");
    expect(() => parseState('s', JSON.stringify({ ...emptyState(2), version: 2 }))).toThrow('version 2, this bpfscope reads version 1');
    const pinOfNothing = { ...emptyState(2), pins: [{ path: '/sys/fs/bpf/x', kind: 'link', id: 1 }] };
    expect(() => parseState('s', JSON.stringify(pinOfNothing))).toThrow('a bad pin record');
  });

  it('the state directory: option, then BPFSCOPE_STATE, then XDG_STATE_HOME, then ~/.local/state', () => {
    expect(stateDirectory('/a', { BPFSCOPE_STATE: '/b', XDG_STATE_HOME: '/c' })).toBe('/a');
    expect(stateDirectory(undefined, { BPFSCOPE_STATE: '/b', XDG_STATE_HOME: '/c' })).toBe('/b');
    expect(stateDirectory(undefined, { XDG_STATE_HOME: '/c' })).toBe('/c/bpfscope');
    // A relative XDG_STATE_HOME is invalid by the XDG spec and ignored.
    expect(stateDirectory(undefined, { XDG_STATE_HOME: 'rel', HOME: '/h' })).toMatch(/\/\.local\/state\/bpfscope$/);
  });
});
