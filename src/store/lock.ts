import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { StoreError } from './errors.js';

/**
 * An exclusive lock over a state directory for read-modify-write, in plain Node: a
 * lock file created with O_EXCL that holds the owner's pid and start time. A lock
 * whose owner is gone (killed mid-command) is broken: renamed aside atomically, and
 * put back if what was renamed turns out to belong to a live process after all.
 */
export class StoreLock {
  private held = false;

  constructor(private readonly file: string, private readonly timeoutMs = 120_000) {}

  acquire(): void {
    const me = ownerText(process.pid);
    const deadline = Date.now() + this.timeoutMs;
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      if (this.tryCreate(me)) {
        this.held = true;
        return;
      }
      this.breakIfStale();
      if (Date.now() > deadline) throw new StoreError(`${this.file}: still locked by ${readOwner(this.file) ?? 'another process'} after ${this.timeoutMs / 1000}s`);
      sleep(wait);
    }
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    try {
      if (readOwner(this.file) === ownerText(process.pid)) unlinkSync(this.file);
    } catch {
      // Already gone: nothing to release.
    }
  }

  /** Whether this process still owns the lock (a lock is only broken when its owner is dead, so this stays true). */
  get owned(): boolean {
    return this.held && readOwner(this.file) === ownerText(process.pid);
  }

  private tryCreate(owner: string): boolean {
    let fd: number;
    try {
      fd = openSync(this.file, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw new StoreError(`${this.file}: cannot create the lock: ${(e as Error).message}`);
    }
    try {
      writeSync(fd, owner);
    } finally {
      closeSync(fd);
    }
    return true;
  }

  private breakIfStale(): void {
    const owner = readOwner(this.file);
    if (owner === undefined ? !emptyAndOld(this.file) : ownerAlive(owner)) return;
    const aside = `${this.file}.stale-${process.pid}`;
    try {
      renameSync(this.file, aside);
    } catch {
      return; // someone else broke it first
    }
    const taken = readOwner(aside);
    if (taken !== undefined && taken !== owner && ownerAlive(taken)) {
      // Between our read and our rename a live process took the lock: give it back.
      try {
        linkSync(aside, this.file);
      } catch {
        // A third process holds a new lock by now; the one we took was released by rename.
      }
    }
    try {
      unlinkSync(aside);
    } catch {
      // Gone already.
    }
  }
}

/** A lock file still empty seconds after its creation: its creator died before writing. */
function emptyAndOld(file: string): boolean {
  try {
    const st = statSync(file);
    return st.size === 0 && Date.now() - st.mtimeMs > 5000;
  } catch {
    return false;
  }
}

/** "PID STARTTIME": the start time tells a reused pid from the lock's owner. */
function ownerText(pid: number): string {
  return `${pid} ${startTime(pid) ?? '?'}\n`;
}

function readOwner(file: string): string | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    // An empty file is a lock being written right now: treat it as held.
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
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
