import { closeSync, fstatSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { StoreError } from './errors.js';

/**
 * An exclusive lock over a state directory for read-modify-write, in plain Node (which
 * has no flock): a lock file created with O_EXCL that holds the owner's pid and start
 * time, kept open by its owner for as long as it holds it.
 *
 * A lock whose owner is gone (killed mid-command) is broken, and breaking is the risky
 * part: a breaker that saw the dead owner's lock must not remove a fresh lock another
 * process made after a second breaker removed the dead one. So breakers of one dead
 * owner's lock take turns through a token file named after that owner (created with
 * O_EXCL), and under the token look again: only the lock file they saw (same inode,
 * same owner, still stale) is removed. A holder checks before it writes that the lock
 * file is still the one it created (`assertOwned`), which catches what no file protocol
 * can rule out (a breaker killed while holding its token, a process whose pid this one
 * cannot see).
 */
export class StoreLock {
  /** The lock file, open, while this process holds the lock. */
  private fd: number | undefined;

  constructor(private readonly file: string, private readonly timeoutMs = 120_000) {}

  acquire(): void {
    const me = ownerText(process.pid);
    const deadline = Date.now() + this.timeoutMs;
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      const fd = createExclusive(this.file, me);
      if (fd !== undefined) {
        this.fd = fd;
        this.removeTokens();
        return;
      }
      this.breakIfStale();
      if (Date.now() > deadline) throw new StoreError(`${this.file}: still locked by ${readLock(this.file)?.owner?.trim() ?? 'another process'} after ${this.timeoutMs / 1000}s`);
      sleep(wait);
    }
  }

  release(): void {
    if (this.fd === undefined) return;
    try {
      if (this.owned) unlinkSync(this.file);
    } catch {
      // Already gone: nothing to release.
    }
    closeSync(this.fd);
    this.fd = undefined;
  }

  /** Whether the lock file is still the one this process created (not broken and made anew by another). */
  get owned(): boolean {
    if (this.fd === undefined) return false;
    try {
      const mine = fstatSync(this.fd);
      const now = statSync(this.file);
      return mine.nlink > 0 && mine.ino === now.ino && mine.dev === now.dev;
    } catch {
      return false;
    }
  }

  /** Before a write under the lock: a StoreError when another process has taken the lock over. */
  assertOwned(): void {
    if (!this.owned) throw new StoreError(`${this.file}: another process took the lock over while this command ran; nothing was saved, run the command again`);
  }

  private breakIfStale(): void {
    const seen = readLock(this.file);
    if (!seen || !isStale(seen)) return;
    const token = `${this.file}.break-${seen.owner ? seen.owner.trim().replace(/[^0-9A-Za-z]+/g, '-') : `empty-${seen.ino}`}`;
    const fd = createExclusive(token, ownerText(process.pid));
    if (fd === undefined) {
      breakStaleToken(token);
      return;
    }
    try {
      // Only a holder of this token removes this lock, so what is seen now stays until the unlink.
      const now = readLock(this.file);
      if (now && now.ino === seen.ino && now.owner === seen.owner && isStale(now)) removeFile(this.file);
    } finally {
      closeSync(fd);
      removeFile(token);
    }
  }

  /**
   * Tokens left by breakers killed while holding one. While this process holds the lock
   * no breaker can act on what a token names (that lock file is gone), so all can go.
   */
  private removeTokens(): void {
    const prefix = `${basename(this.file)}.break-`;
    for (const f of readdirSync(dirname(this.file))) if (f.startsWith(prefix)) removeFile(join(dirname(this.file), f));
  }
}

interface SeenLock {
  /** "PID STARTTIME\n", or undefined for a file still empty (its creator has not written yet, or died first). */
  owner: string | undefined;
  ino: number;
  /** Milliseconds since the file was last written. */
  age: number;
}

/** The lock file's owner and identity, read from one open file so that they belong together. */
function readLock(file: string): SeenLock | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    const text = readFileSync(fd, 'utf8');
    return { owner: text === '' ? undefined : text, ino: st.ino, age: Date.now() - st.mtimeMs };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** A lock whose owner is dead, or one still empty seconds after its creation (its creator died before writing). */
function isStale(lock: SeenLock): boolean {
  return lock.owner === undefined ? lock.age > 5000 : !ownerAlive(lock.owner);
}

/** A token whose breaker is gone: removed, so that the lock it names can be broken. */
function breakStaleToken(token: string): void {
  const seen = readLock(token);
  if (seen && isStale(seen)) removeFile(token);
}

/** Unlinks a file that another process may have removed first. */
function removeFile(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Gone already.
  }
}

/** Creates the file with O_EXCL and writes the owner: its fd, or undefined when it exists. */
function createExclusive(file: string, owner: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw new StoreError(`${file}: cannot create the lock: ${(e as Error).message}`);
  }
  try {
    writeSync(fd, owner);
  } catch (e) {
    closeSync(fd);
    removeFile(file);
    throw new StoreError(`${file}: cannot write the lock: ${(e as Error).message}`);
  }
  return fd;
}

/** "PID STARTTIME": the start time tells a reused pid from the lock's owner. */
function ownerText(pid: number): string {
  return `${pid} ${startTime(pid) ?? '?'}\n`;
}

function ownerAlive(owner: string): boolean {
  const [pidText, start] = owner.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = startTime(pid);
  return start === '?' || now === undefined || now === start;
}

/** Field 22 of /proc/PID/stat (clock ticks since boot), where there is a /proc. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
