/**
 * FileCache: a bound on the file descriptors the storage engine keeps open. Every segment's log file is a
 * CachedFile; the cache holds at most `maxOpenFiles` of them open and closes the least recently used one when it
 * needs room (LevelDB's max_open_files). A file whose descriptor was closed is opened again, by path, at its next
 * use, so any number of partitions works under any open-file limit. Index files are never held open (they are
 * read whole on open and written with open-write-close), so they need no slot.
 *
 * Hot path: the descriptor of a file in use is a field read plus a move to the front of the LRU order (one Map
 * delete and set, skipped when it is already the most recent), so the segment being appended to costs the same
 * as an always-open one.
 *
 * Invariants: at most maxOpenFiles descriptors are open, except while more than that are pinned (an fsync in
 * flight pins its file: a descriptor is never closed under an async operation). close() makes a file unusable
 * (its descriptor is closed once the last pin goes); a closed file never opens again.
 *
 * When opening fails with EMFILE/ENFILE (the process limit is lower than maxOpenFiles leaves room for), the cache
 * halves its own bound, closes files to get under it, logs once, and tries again: the engine adapts to the limit
 * it finds instead of failing. Files opened only briefly (index files) go through openBriefly(), which makes every
 * live cache give up descriptors the same way before it retries.
 *
 * Callers: segment.ts (one CachedFile per log file), sparse-index.ts (openBriefly), log-manager.ts (owns the cache).
 */
import * as fs from 'fs';

/**
 * Default of StorageOptions.maxOpenFiles. The usual soft limit of desktops is 1,024 (256 on macOS, but Node
 * raises its own soft limit to the hard one at start); 512 leaves half of 1,024 to everything else that shares the
 * process: the broker's client sockets, the offsets log, nedb, and in VS Code the extension host's other
 * extensions. 512 recently used segments is more than a local broker touches within a flush interval.
 */
export const DEFAULT_MAX_OPEN_FILES = 512;

/** The bound never goes below this, even after EMFILE (a handful of partitions must still work). */
const MIN_OPEN_FILES = 8;

/**
 * The default bound for this process: DEFAULT_MAX_OPEN_FILES, or half the process's open-file limit when that is
 * lower (Linux reports it in /proc/self/limits; elsewhere the limit is not known and EMFILE lowers the bound).
 */
export function defaultMaxOpenFiles(): number {
  let limit = Infinity;
  try {
    const m = /^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (m) limit = Number(m[1]);
  } catch {
    // not Linux: keep the default
  }
  return Math.max(MIN_OPEN_FILES, Math.min(DEFAULT_MAX_OPEN_FILES, Math.floor(limit / 2)));
}

/** Caches of open log managers, asked to give up descriptors when a brief open runs out of them. */
const liveCaches = new Set<FileCache>();

function outOfDescriptors(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EMFILE' || code === 'ENFILE';
}

/** fs.openSync for a file closed again right away; on EMFILE/ENFILE the caches shrink and it is tried once more. */
export function openBriefly(path: string, flags: string): number {
  try {
    return fs.openSync(path, flags);
  } catch (e) {
    if (!outOfDescriptors(e) || !shrinkAll()) throw e;
    return fs.openSync(path, flags);
  }
}

/** fs.promises.open, with the same retry as openBriefly. */
export async function openBrieflyAsync(path: string, flags: string): Promise<fs.promises.FileHandle> {
  try {
    return await fs.promises.open(path, flags);
  } catch (e) {
    if (!outOfDescriptors(e) || !shrinkAll()) throw e;
    return fs.promises.open(path, flags);
  }
}

function shrinkAll(): boolean {
  let freed = false;
  for (const c of liveCaches) if (c.shrink()) freed = true;
  return freed;
}

export class FileCache {
  /** Open files, least recently used first (Map iteration order). */
  private readonly lru = new Map<CachedFile, true>();
  private mru: CachedFile | null = null;
  private warned = false;
  /** Descriptors opened since the cache was made (for tests and the benchmark). */
  opens = 0;

  constructor(
    public maxOpenFiles: number = DEFAULT_MAX_OPEN_FILES,
    private readonly logger: (level: 'warn', message: string) => void = () => undefined,
  ) {
    if (!Number.isInteger(maxOpenFiles) || maxOpenFiles < 1)
      throw new Error(`maxOpenFiles must be a positive integer, not ${maxOpenFiles}`);
    liveCaches.add(this);
  }

  /** The log manager closed: this cache is no longer asked to shrink (its files are closed by their owners). */
  dispose(): void {
    liveCaches.delete(this);
  }

  /**
   * The process ran out of descriptors: halve the bound (not below MIN_OPEN_FILES) and close files to get under
   * it. False when nothing could be closed.
   */
  shrink(): boolean {
    const before = this.lru.size;
    if (before <= MIN_OPEN_FILES) return false;
    const lowered = Math.max(MIN_OPEN_FILES, Math.floor(before / 2));
    if (!this.warned) {
      this.warned = true;
      this.logger(
        'warn',
        `the process ran out of file descriptors with ${before} segment files open: keeping at most ${lowered} open from now on (raise the limit with ulimit -n, or lower maxOpenFiles)`,
      );
    }
    this.maxOpenFiles = Math.min(this.maxOpenFiles, lowered);
    this.makeRoom(lowered - 1);
    return this.lru.size < before;
  }

  /** Descriptors open now. */
  get openCount(): number {
    return this.lru.size;
  }

  /** @internal CachedFile: mark the file most recently used. */
  touch(f: CachedFile): void {
    if (this.mru === f) return;
    this.lru.delete(f);
    this.lru.set(f, true);
    this.mru = f;
  }

  /** @internal CachedFile: open the file's descriptor, making room first. */
  openFd(f: CachedFile, flags: string): number {
    this.makeRoom(this.maxOpenFiles - 1);
    let fd: number;
    try {
      fd = fs.openSync(f.path, flags);
    } catch (e) {
      if (!outOfDescriptors(e) || !shrinkAll()) throw e;
      fd = fs.openSync(f.path, flags);
    }
    this.opens++;
    this.lru.set(f, true);
    this.mru = f;
    return fd;
  }

  /** @internal CachedFile: its descriptor was closed. */
  forget(f: CachedFile): void {
    this.lru.delete(f);
    if (this.mru === f) this.mru = null;
  }

  /** @internal CachedFile: a pin went; close files if pins had pushed the cache over its bound. */
  trim(): void {
    this.makeRoom(this.maxOpenFiles);
  }

  /** Close least recently used, unpinned files until at most `target` are open (pinned ones may stay above). */
  private makeRoom(target: number): void {
    if (this.lru.size <= target) return;
    for (const f of this.lru.keys()) {
      if (this.lru.size <= target) return;
      if (!f.pinned) f.evict();
    }
  }
}

export class CachedFile {
  private fdNum = -1;
  private pins = 0;
  private closed = false;

  /** `create`: the first open creates (and empties) the file; later ones open it read-write as it is. */
  constructor(
    private readonly cache: FileCache,
    readonly path: string,
    private create = false,
  ) {}

  get pinned(): boolean {
    return this.pins > 0;
  }

  /** True while the descriptor is open (for tests). */
  get isOpen(): boolean {
    return this.fdNum >= 0;
  }

  /** The descriptor, opened (by path) if the cache closed it. Use it synchronously; pin() across an await. */
  fd(): number {
    if (this.fdNum >= 0) {
      this.cache.touch(this);
      return this.fdNum;
    }
    if (this.closed) throw new Error(`${this.path} is closed`);
    this.fdNum = this.cache.openFd(this, this.create ? 'w+' : 'r+');
    this.create = false;
    return this.fdNum;
  }

  /** The descriptor, kept open until unpin() (an async fsync uses it). */
  pin(): number {
    const fd = this.fd();
    this.pins++;
    return fd;
  }

  unpin(): void {
    this.pins--;
    if (this.pins > 0) return;
    if (this.closed) this.closeFd();
    else this.cache.trim();
  }

  /** @internal FileCache: close the descriptor to make room; the next fd() opens it again. */
  evict(): void {
    if (this.pins === 0) this.closeFd();
  }

  /** Close for good (after the last pin goes). */
  close(): void {
    this.closed = true;
    if (this.pins === 0) this.closeFd();
  }

  private closeFd(): void {
    if (this.fdNum < 0) return;
    const fd = this.fdNum;
    this.fdNum = -1;
    this.cache.forget(this);
    fs.closeSync(fd);
  }
}
