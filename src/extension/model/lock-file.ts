/**
 * The data-directory lock: `<dataDir>/.lock`, a JSON file naming the process that owns the directory
 * ({pid, port, host, window, sessionId, startedAt}). Only one broker may write a data directory; a second
 * VS Code window on the same folder finds the lock, learns who owns it and where that broker listens.
 *
 * Guarantees: the lock is created with O_EXCL, so two processes racing cannot both win; a lock whose pid is no
 * longer alive (or whose content is unreadable) is stale and taken over; release removes the file only while it
 * is still ours. Pure Node (no vscode), so BrokerHost uses it and unit tests exercise it with fake pids.
 *
 * The lock is data inside the workspace folder, so a cloned repository can ship one (with pid 1, which is always
 * alive): readLock's `host` is therefore always a loopback address, the one a second window may connect to. A
 * loopback host is kept; a wildcard (the owner listens on every interface) becomes 127.0.0.1 or ::1; any other
 * host becomes 127.0.0.1, so a planted lock can never send this window's connections to another machine. What the
 * file said is kept in `declaredHost` for messages.
 */
import * as fs from 'fs';
import * as path from 'path';
import { isLoopbackHost } from './loopback-host';

export interface LockInfo {
  pid: number;
  /** Unique per VS Code window/session (vscode.env.sessionId + a counter), so a restart in one window re-owns. */
  sessionId: string;
  /** A name a person recognises: the window's workspace and app name. */
  window: string;
  /** Where the owner's broker listens, as a loopback address to connect to (see the header). */
  host: string;
  /** The host as written in the lock file, when it was not loopback (for messages only; never connected to). */
  declaredHost?: string;
  /** 0 until the server listens. */
  port: number;
  startedAt: number;
}

export type LockResult =
  { kind: 'acquired'; lock: DataDirLock; tookOverStale?: LockInfo } | { kind: 'held'; owner: LockInfo };

export const LOCK_FILE = '.lock';

/** True when a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The loopback address to reach a broker that listens on `host` (see the header). */
export function loopbackAddressFor(host: string): string {
  if (isLoopbackHost(host)) return host.trim();
  return host.trim() === '::' ? '::1' : '127.0.0.1';
}

export function readLock(dataDir: string): LockInfo | undefined {
  try {
    const raw = JSON.parse(fs.readFileSync(path.join(dataDir, LOCK_FILE), 'utf8')) as Partial<LockInfo>;
    if (typeof raw.pid !== 'number' || typeof raw.sessionId !== 'string') return undefined;
    const declared = typeof raw.host === 'string' ? raw.host : '127.0.0.1';
    const host = loopbackAddressFor(declared);
    return {
      pid: raw.pid,
      sessionId: raw.sessionId,
      window: typeof raw.window === 'string' ? raw.window : 'another window',
      host,
      ...(host !== declared.trim() ? { declaredHost: declared } : {}),
      port: typeof raw.port === 'number' ? raw.port : 0,
      startedAt: typeof raw.startedAt === 'number' ? raw.startedAt : 0,
    };
  } catch {
    return undefined;
  }
}

export class DataDirLock {
  constructor(
    readonly dataDir: string,
    private info: LockInfo,
  ) {}

  get owner(): LockInfo {
    return this.info;
  }

  /** Rewrite the lock with the port the server listens on (so a second window can point at it). */
  update(changes: Partial<Pick<LockInfo, 'port' | 'host'>>): void {
    this.info = { ...this.info, ...changes };
    const file = path.join(this.dataDir, LOCK_FILE);
    const tmp = `${file}.${this.info.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.info));
    fs.renameSync(tmp, file);
  }

  /** Remove the lock file if it is still ours; never throws. */
  release(): void {
    const current = readLock(this.dataDir);
    if (current && current.sessionId !== this.info.sessionId) return;
    try {
      fs.unlinkSync(path.join(this.dataDir, LOCK_FILE));
    } catch {
      // already gone
    }
  }
}

/**
 * Take the lock of dataDir (which must exist). A live owner with another session id wins; a dead pid, an
 * unreadable file or our own session id is taken over.
 */
export function acquireLock(
  dataDir: string,
  me: Omit<LockInfo, 'port'> & { port?: number },
  isAlive: (pid: number) => boolean = isProcessAlive,
): LockResult {
  const file = path.join(dataDir, LOCK_FILE);
  const info: LockInfo = { ...me, port: me.port ?? 0 };
  let stale: LockInfo | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      try {
        fs.writeSync(fd, JSON.stringify(info));
      } finally {
        fs.closeSync(fd);
      }
      return { kind: 'acquired', lock: new DataDirLock(dataDir, info), tookOverStale: stale };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = readLock(dataDir);
    if (owner && owner.sessionId !== info.sessionId && isAlive(owner.pid)) {
      return { kind: 'held', owner };
    }
    if (owner && owner.sessionId !== info.sessionId) stale = owner;
    try {
      fs.unlinkSync(file);
    } catch {
      // someone else removed it first; try again
    }
  }
  const owner = readLock(dataDir);
  if (owner) return { kind: 'held', owner };
  throw new Error(`could not take the lock file ${file}`);
}
