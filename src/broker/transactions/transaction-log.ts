/**
 * The transaction coordinator's durable state: `<dataDir>/meta/transactions.log`, an append-only file of one
 * line per state change of a transactional id (Kafka keeps the same thing in its `__transaction_state` topic).
 *
 * A line is `<crc32c of the JSON as 8 lowercase hex digits> <json>\n`. The JSON is either the whole state of one
 * transactional id after the change (a `TxnLogEntry`: the last line of an id wins, so replay is "keep the last")
 * or a tombstone `{"dead": "<transactional id>"}` (the id was forgotten: expired, or removed). Grammar and recovery
 * rule: docs/LOG_FORMAT.md, "transactions.log".
 *
 * Guarantees:
 *  - append() writes the line into the file before it returns (a killed process keeps it: it is in the page
 *    cache) and returns a promise that resolves once the line is durable. Durability is group-committed: one
 *    fdatasync runs at a time off the event loop (the threadpool), and it covers every line appended before it
 *    started; lines appended meanwhile share the next one. A caller that must not act before the change is on
 *    disk (an answer that a crash must not undo) awaits the promise; one that need not (a Complete* line) lets
 *    it run, and with `lazy` it starts no round of its own: the next round anyone starts covers it, at the
 *    latest 50 ms later. When the write fails nothing is left of it (the file is cut back) and append throws KafkaError
 *    KAFKA_STORAGE_ERROR naming the file and the system error; when the fdatasync fails every waiter of that
 *    round is rejected with KAFKA_STORAGE_ERROR, and the next round rewrites the whole file (compaction) instead
 *    of trusting another fdatasync of the same pages;
 *  - open() replays the file; an unterminated last line (a crash mid-write) is cut off and reported; a line that
 *    fails its checksum or is not a valid entry costs that line only (reported; the damaged file is copied to
 *    `transactions.log.corrupt-<time>` first); then the file is compacted (one line per live id: temporary file,
 *    fsync, rename, fsync of the directory);
 *  - the file is compacted again when it outgrows max(1 MiB, 4 x its compacted size): by the durability round
 *    after the append that crossed it (never while an fdatasync of the old file is in flight), from `live`;
 *  - close() waits for the round in flight, then compacts and closes.
 *
 * Callers: the transaction coordinator (coordinator.ts) only.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Logger } from '../api';
import { ErrorCode, KafkaError } from '../errors';
import { fsyncDir, replaceFileDurably } from '../storage/checkpoints';
import { crc32c } from '../storage/crc32c';
import { keepDamagedCopy } from '../storage/damaged-file';
import { realIo, type StorageIo } from '../storage/segment';

/** Kafka's transaction states (PrepareEpochFence is never written: a fence is written as its PrepareAbort). */
export type TxnState =
  | 'Empty'
  | 'Ongoing'
  | 'PrepareCommit'
  | 'PrepareAbort'
  | 'CompleteCommit'
  | 'CompleteAbort'
  | 'PrepareEpochFence'
  | 'Dead';

export const TXN_STATES: readonly TxnState[] = [
  'Empty',
  'Ongoing',
  'PrepareCommit',
  'PrepareAbort',
  'CompleteCommit',
  'CompleteAbort',
  'PrepareEpochFence',
  'Dead',
];

/** The whole state of one transactional id, as one line stores it. */
export interface TxnLogEntry {
  id: string;
  producerId: number;
  producerEpoch: number;
  /** The producer id / epoch before the last bump (-1 when none): a retried InitProducerId is recognised by them. */
  lastProducerId: number;
  lastProducerEpoch: number;
  timeoutMs: number;
  state: Exclude<TxnState, 'Dead' | 'PrepareEpochFence'>;
  /** When the current transaction started (its first AddPartitions/AddOffsets); -1 when none is open. */
  startTimestamp: number;
  updateTimestamp: number;
  /** The partitions of the transaction, [topic, partition]. */
  partitions: [string, number][];
  /** The groups whose offsets the transaction carries (AddOffsetsToTxn). */
  groups: string[];
  /**
   * Markers of ended transactions that were appended to their partitions but are not known to be fsynced yet
   * (they follow the partitions' flush policy). Absent when none. Recovery writes again each one its partition
   * lost (the partition's log end offset is not past the marker's offset).
   */
  markers?: UnsyncedMarkers[];
}

/** One transaction's markers, appended at these offsets, not known durable yet. */
export interface UnsyncedMarkers {
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  /** [topic, partition, offset of the marker]. */
  partitions: [string, number, number][];
}

type Line = TxnLogEntry | { dead: string };

export const TRANSACTIONS_LOG_FILE = 'transactions.log';
const COMPACT_MIN_BYTES = 1024 * 1024;
/** At the latest this long after a lazy append a round makes it durable. */
const LAZY_SYNC_MS = 50;
const WRITTEN_STATES = new Set<string>(TXN_STATES.filter((s) => s !== 'Dead' && s !== 'PrepareEpochFence'));

export function encodeTxnLogLine(line: Line): Buffer {
  const json = Buffer.from(JSON.stringify(line), 'utf8');
  const out = Buffer.allocUnsafe(9 + json.length + 1);
  out.write(crc32c(json).toString(16).padStart(8, '0'), 0, 'latin1');
  out[8] = 0x20;
  json.copy(out, 9);
  out[out.length - 1] = 0x0a;
  return out;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

function isUnsyncedMarkers(v: unknown): boolean {
  if (!v || typeof v !== 'object') return false;
  const m = v as Record<string, unknown>;
  return (
    isInt(m.producerId) &&
    isInt(m.producerEpoch) &&
    typeof m.commit === 'boolean' &&
    Array.isArray(m.partitions) &&
    m.partitions.every(
      (p) => Array.isArray(p) && typeof p[0] === 'string' && isInt(p[1]) && p[1] >= 0 && isInt(p[2]) && p[2] >= 0,
    )
  );
}

/** The entry a parsed JSON value is, or why it is not one. */
function validate(v: unknown): Line | string {
  if (!v || typeof v !== 'object') return 'not an object';
  const o = v as Record<string, unknown>;
  if ('dead' in o) return typeof o.dead === 'string' ? { dead: o.dead } : 'a tombstone without a transactional id';
  if (typeof o.id !== 'string' || o.id === '') return 'no transactional id';
  for (const k of ['producerId', 'producerEpoch', 'lastProducerId', 'lastProducerEpoch', 'timeoutMs'] as const)
    if (!isInt(o[k])) return `"${k}" is not an integer`;
  if (!isInt(o.startTimestamp) || !isInt(o.updateTimestamp)) return 'a timestamp is not an integer';
  if (typeof o.state !== 'string' || !WRITTEN_STATES.has(o.state)) return `unknown state ${JSON.stringify(o.state)}`;
  if (
    !Array.isArray(o.partitions) ||
    !o.partitions.every((p) => Array.isArray(p) && typeof p[0] === 'string' && isInt(p[1]) && p[1] >= 0)
  )
    return 'partitions are not [topic, partition] pairs';
  if (!Array.isArray(o.groups) || !o.groups.every((g) => typeof g === 'string')) return 'groups are not strings';
  if (o.markers !== undefined && !(Array.isArray(o.markers) && o.markers.every(isUnsyncedMarkers)))
    return 'markers are not {producerId, producerEpoch, commit, partitions: [topic, partition, offset]...}';
  return o as unknown as TxnLogEntry;
}

/**
 * The lines of a file: entries in order, damaged whole lines (each costs only itself), and an unterminated tail.
 */
export function parseTxnLog(buf: Buffer): {
  lines: Line[];
  damaged: string[];
  tornBytes: number;
  goodEnd: number;
} {
  const lines: Line[] = [];
  const damaged: string[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) return { lines, damaged, tornBytes: buf.length - pos, goodEnd: pos };
    const problem = checkLine(buf, pos, nl);
    if (typeof problem === 'string') damaged.push(`bad line at byte ${pos}: ${problem}`);
    else lines.push(problem);
    pos = nl + 1;
  }
  return { lines, damaged, tornBytes: 0, goodEnd: pos };
}

function checkLine(buf: Buffer, start: number, nl: number): Line | string {
  if (nl - start < 10 || buf[start + 8] !== 0x20) return 'not "<crc> <json>"';
  const hex = buf.toString('latin1', start, start + 8);
  if (!/^[0-9a-f]{8}$/.test(hex)) return 'checksum is not 8 hex digits';
  const want = Number.parseInt(hex, 16);
  const got = crc32c(buf, start + 9, nl);
  if (got !== want) return `checksum ${got.toString(16)} does not match ${want.toString(16)}`;
  let v: unknown;
  try {
    v = JSON.parse(buf.toString('utf8', start + 9, nl));
  } catch (e) {
    return `invalid JSON (${(e as Error).message})`;
  }
  return validate(v);
}

export interface TransactionLogOptions {
  dir: string;
  now: () => number;
  logger: Logger;
  /** The writes an append may fail in (tests inject ENOSPC); default the real fs. */
  io?: StorageIo;
  /** The file is compacted when it outgrows max(this, 4 x its compacted size). Default 1 MiB. */
  compactMinBytes?: number;
  /** Makes what was written durable; default fs.fdatasync on the threadpool (tests hold it to see who waits). */
  sync?: (fd: number) => Promise<void>;
}

const fdatasync = (fd: number) =>
  new Promise<void>((resolve, reject) => fs.fdatasync(fd, (e) => (e ? reject(e) : resolve())));

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

export class TransactionLog {
  readonly file: string;
  private fd = -1;
  private size = 0;
  private compactedSize = 0;
  private readonly io: StorageIo;
  private readonly sync: (fd: number) => Promise<void>;
  /** Appended since the round in flight started: the next round makes them durable. */
  private waiting: Waiter[] = [];
  /** The durability round in flight. */
  private round: Promise<void> | null = null;
  /** The file crossed the compaction threshold: the next round compacts instead of fdatasync. */
  private compactWanted = false;
  /** The last fdatasync failed: the next round rewrites the file. */
  private syncFailed = false;
  private lazyTimer: NodeJS.Timeout | undefined;
  /** The file size the last successful round covered. */
  private durableSize = 0;
  /** Settles with the round in flight (rejects when it failed). */
  private roundDone: Promise<void> | null = null;
  /** Every id's current state, for a compaction by a later round (the latest append's). */
  private live: () => Iterable<TxnLogEntry> = () => this.recovered.values();

  private constructor(
    private readonly opts: TransactionLogOptions,
    /** The live state after replay, by transactional id (what open() found). */
    readonly recovered: Map<string, TxnLogEntry>,
  ) {
    this.file = path.join(opts.dir, TRANSACTIONS_LOG_FILE);
    this.io = opts.io ?? realIo;
    this.sync = opts.sync ?? fdatasync;
  }

  /** Replay, cut a torn tail, report damaged lines, compact. */
  static open(opts: TransactionLogOptions): TransactionLog {
    fs.mkdirSync(opts.dir, { recursive: true });
    const file = path.join(opts.dir, TRANSACTIONS_LOG_FILE);
    const live = new Map<string, TxnLogEntry>();
    if (fs.existsSync(file)) {
      const { lines, damaged, tornBytes, goodEnd } = parseTxnLog(fs.readFileSync(file));
      for (const l of lines) {
        if ('dead' in l) live.delete(l.dead);
        else live.set(l.id, l);
      }
      if (tornBytes > 0)
        opts.logger(
          'warn',
          `transaction log ${file}: torn line at byte ${goodEnd} (no newline); cut ${tornBytes} bytes (a state change being written when the process stopped)`,
        );
      if (damaged.length > 0) {
        const copy = keepDamagedCopy(file, opts.now());
        for (const d of damaged) opts.logger('warn', `transaction log ${file}: ${d}; that line is skipped`);
        opts.logger(
          'warn',
          `transaction log ${file}: ${damaged.length} damaged line(s) skipped (${lines.length} read); the damaged file is kept as ${copy}`,
        );
      }
    }
    const log = new TransactionLog(opts, live);
    log.compact(live.values());
    return log;
  }

  /** Rewrite the file as one line per live transactional id. */
  compact(entries: Iterable<TxnLogEntry>): void {
    const body = Buffer.concat([...entries].map((e) => encodeTxnLogLine(e)));
    replaceFileDurably(this.file, body, () => {
      if (this.fd >= 0) fs.closeSync(this.fd);
      this.fd = -1;
    });
    fsyncDir(path.dirname(this.file));
    this.fd = fs.openSync(this.file, 'r+');
    this.size = body.length;
    this.compactedSize = body.length;
    this.durableSize = body.length;
  }

  /**
   * Append one state change: written now; the promise resolves once it is durable (see the file comment).
   * `live` is every id's current state (the change applied), used when a later round compacts. Throws KafkaError
   * KAFKA_STORAGE_ERROR (nothing stored) when the write fails; the promise rejects with KAFKA_STORAGE_ERROR when
   * the fdatasync fails (the line is in the file, its durability unknown).
   */
  append(
    line: TxnLogEntry | { dead: string },
    live: () => Iterable<TxnLogEntry>,
    opts: { lazy?: boolean } = {},
  ): Promise<void> {
    if (this.fd < 0)
      throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `the transaction log ${this.file} is closed`);
    const buf = encodeTxnLogLine(line);
    let off = 0;
    try {
      while (off < buf.length) off += this.io.writeSync(this.fd, buf, off, buf.length - off, this.size + off);
    } catch (e) {
      try {
        this.io.ftruncateSync(this.fd, this.size);
      } catch {
        // the write error is the one to report
      }
      throw new KafkaError(
        ErrorCode.KAFKA_STORAGE_ERROR,
        `could not store ${describeLine(line)} in ${this.file}: ${(e as Error).message}; nothing was changed`,
      );
    }
    this.size += buf.length;
    this.live = live;
    if (this.size > Math.max(this.opts.compactMinBytes ?? COMPACT_MIN_BYTES, 4 * this.compactedSize))
      this.compactWanted = true;
    const durable = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    if (opts.lazy) {
      // Durable with the next round anyone starts, at the latest LAZY_SYNC_MS from now.
      this.lazyTimer ??= setTimeout(() => {
        this.lazyTimer = undefined;
        this.startRound();
      }, LAZY_SYNC_MS).unref();
    } else {
      // Not now: the caller applies the change after append returns, and a compaction by this round reads it.
      queueMicrotask(() => this.startRound());
    }
    return durable;
  }

  /**
   * Resolves once everything appended so far is durable: at once when it is, with the round in flight when that
   * covers it, else with a new round (also after a failed one, which rewrites the file). A closed log is durable
   * (close compacted it).
   */
  flush(): Promise<void> {
    if (this.fd < 0) return Promise.resolve();
    if (this.waiting.length === 0 && !this.syncFailed) {
      if (this.round) return this.roundDone!;
      if (this.durableSize === this.size) return Promise.resolve();
    }
    const durable = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.startRound();
    return durable;
  }

  /** Whether a durability round is in flight or queued (tests, close). */
  get syncing(): boolean {
    return this.round !== null || this.waiting.length > 0;
  }

  /** Group commit: one round at a time, covering everything appended before it started. */
  private startRound(): void {
    if (this.round || this.waiting.length === 0 || this.fd < 0) return;
    const batch = this.waiting;
    this.waiting = [];
    const done = this.runRound(this.size).then((covered) => {
      this.durableSize = covered;
    });
    this.roundDone = done;
    done.catch(() => undefined);
    this.round = done.then(
      () => {
        for (const w of batch) w.resolve();
      },
      (e: Error) => {
        for (const w of batch) w.reject(e);
      },
    );
    void this.round.then(() => {
      this.round = null;
      this.roundDone = null;
      this.startRound();
    });
  }

  /** One round; resolves with the file size it made durable. */
  private async runRound(covers: number): Promise<number> {
    if (this.compactWanted || this.syncFailed) {
      try {
        this.compact(this.live());
        this.compactWanted = false;
        this.syncFailed = false;
        return this.size;
      } catch (e) {
        if (this.fd < 0) this.fd = fs.openSync(this.file, 'r+');
        if (this.syncFailed)
          throw new KafkaError(
            ErrorCode.KAFKA_STORAGE_ERROR,
            `could not make ${this.file} durable: its last fdatasync failed and rewriting it failed too: ${(e as Error).message}`,
          );
        // The appended lines are valid as they are; compaction is retried at the next threshold crossing.
        this.compactWanted = false;
        this.compactedSize = this.size;
        this.opts.logger('warn', `transaction log compaction failed: ${(e as Error).message}`);
      }
    }
    try {
      await this.sync(this.fd);
      return covers;
    } catch (e) {
      this.syncFailed = true;
      throw new KafkaError(
        ErrorCode.KAFKA_STORAGE_ERROR,
        `could not make ${this.file} durable (fdatasync: ${(e as Error).message}); the change may be lost if the machine stops`,
      );
    }
  }

  /**
   * Wait for the durability rounds in flight, then compact (best effort: the appended file is valid as it is)
   * and close. With no round in flight it is done before it returns.
   */
  close(live: Iterable<TxnLogEntry>): Promise<void> {
    if (this.fd < 0) return Promise.resolve();
    clearTimeout(this.lazyTimer);
    this.lazyTimer = undefined;
    this.startRound();
    const done = () => {
      if (this.fd < 0) return;
      try {
        this.compact(live);
      } catch (e) {
        this.opts.logger('warn', `transaction log compaction on close failed: ${(e as Error).message}`);
      } finally {
        if (this.fd >= 0) fs.closeSync(this.fd);
        this.fd = -1;
      }
    };
    if (!this.syncing) {
      done();
      return Promise.resolve();
    }
    return (async () => {
      while (this.round) await this.round.catch(() => undefined);
      done();
    })();
  }
}

function describeLine(line: TxnLogEntry | { dead: string }): string {
  return 'dead' in line ? `the removal of "${line.dead}"` : `state ${line.state} of "${line.id}"`;
}

/** Read-only check of a transactions.log (verify): damaged lines, a torn tail ('' when none), the line count. */
export function checkTxnLogFile(file: string): { damaged: string[]; torn: string; lines: number } {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { damaged: [], torn: '', lines: 0 };
    throw e;
  }
  const { lines, damaged, tornBytes, goodEnd } = parseTxnLog(buf);
  return {
    damaged,
    torn: tornBytes > 0 ? `torn line at byte ${goodEnd} (${tornBytes} bytes, no newline)` : '',
    lines: lines.length,
  };
}
