import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/store/atomic-file.js';
import { StoreLock } from '../../src/store/lock.js';
import { parseState, emptyState } from '../../src/store/state-file.js';
import { stateDirectory } from '../../src/store/state-dir.js';
import { REPO } from '../helpers/env.js';

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

  it('breaking a stale lock leaves no token; a token held by a live breaker makes others wait; a dead breaker\'s token is cleared', () => {
    const file = join(dir, 'lock3');
    const dead = `${2 ** 22 + 1} 1\n`;
    writeFileSync(file, dead);
    const a = new StoreLock(file, 1000);
    a.acquire();
    expect(readdirSync(dir).filter((f) => f.startsWith('lock3.'))).toEqual([]);
    a.release();
    // A live process (this one) is breaking the dead owner's lock: nobody else may.
    writeFileSync(file, dead);
    const token = `${file}.break-${2 ** 22 + 1}-1`;
    writeFileSync(token, `${process.pid} ${readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]}\n`);
    expect(() => new StoreLock(file, 30).acquire()).toThrow(/still locked by 4194305 1 after 0.03s$/);
    // Its breaker died: the token goes, then the lock.
    writeFileSync(token, `${2 ** 22 + 2} 1\n`);
    const b = new StoreLock(file, 1000);
    b.acquire();
    expect(b.owned).toBe(true);
    expect(existsSync(token)).toBe(false);
    b.release();
  });

  it('a holder whose lock file was replaced knows it, saves nothing, and leaves the new lock alone', () => {
    const file = join(dir, 'lock4');
    const a = new StoreLock(file);
    a.acquire();
    rmSync(file);
    writeFileSync(file, '1 1\n');
    expect(a.owned).toBe(false);
    expect(() => a.assertOwned()).toThrow(`${file}: another process took the lock over while this command ran; nothing was saved, run the command again`);
    a.release();
    expect(readFileSync(file, 'utf8')).toBe('1 1\n');
  });

  it('processes that die holding the lock never let two others hold it at once', async () => {
    const file = join(dir, 'lock5');
    const counter = join(dir, 'counter');
    writeFileSync(counter, '0');
    // Each child adds 1 to the counter 10 times under the lock (read, wait, write), and
    // may SIGKILL itself while holding it: a lost update means two held it at once.
    const child = (seed: number) => `
      import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';
      import { StoreLock } from ${JSON.stringify(join(REPO, 'dist/store/lock.js'))};
      const lock = new StoreLock(${JSON.stringify(file)});
      for (let i = 0; i < 10; i++) {
        lock.acquire();
        const n = Number(readFileSync(${JSON.stringify(counter)}, 'utf8'));
        const until = Date.now() + 2; while (Date.now() < until);
        writeFileSync(${JSON.stringify(counter)}, String(n + 1));
        appendFileSync(${JSON.stringify(join(dir, 'done'))}, 'x');
        if (${seed} % 2 === 1 && i === ${seed} % 7) process.kill(process.pid, 'SIGKILL');
        lock.release();
      }`;
    const run = (seed: number) =>
      new Promise<void>((resolve) => spawn(process.execPath, ['--input-type=module', '-e', child(seed)], { stdio: 'ignore' }).on('close', () => resolve()));
    for (let round = 0; round < 3; round++) await Promise.all([1, 2, 3, 4].map((k) => run(round * 4 + k)));
    expect(Number(readFileSync(counter, 'utf8'))).toBe(readFileSync(join(dir, 'done'), 'utf8').length);
    expect(readdirSync(dir).filter((f) => f.startsWith('lock5'))).toEqual(existsSync(file) ? ['lock5'] : []);
  }, 60_000);

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
