/**
 * The flush policy of the log manager: appends are written synchronously into the page cache; a timer
 * (flush.intervalMs on the injected clock) batches async fsyncs of every dirty segment, then the recovery points
 * advance and the recovery checkpoint is queued. flush() resolves once everything appended before the call is
 * fsynced (acks=all waits on it).
 *
 * Guarantees: a barrier (setBarrier) is awaited before every flush's fsyncs; group commit (callers arriving while a flush runs share the next one, which starts when it ends);
 * at most FSYNC_CONCURRENCY fsyncs in flight (fewer with a small open-file bound: each holds its log file open and
 * opens its index files); a recovery point moves only after every segment before it is fsynced; a failed fsync
 * is a KafkaError KAFKA_STORAGE_ERROR naming the cause, and the segment stays marked unsynced for the next flush.
 *
 * Callers: log-manager.ts only.
 */
import type { Clock, TimerHandle } from '../clock';
import type { Logger } from '../api';
import { ErrorCode, KafkaError } from '../errors';
import type { PartitionLog, RecoveryPoint } from './partition-log';

/** fsyncs in flight at once during a flush (each may open its log file and two index files). */
const FSYNC_CONCURRENCY = 8;

export interface FlushSchedulerOptions {
  clock: Clock;
  intervalMs: number;
  logger: Logger;
  /** Every opened partition log, now. */
  logs: () => Iterable<PartitionLog>;
  /** The bound of open segment files now (the file cache may lower it). */
  maxOpenFiles: () => number;
  isClosed: () => boolean;
  /** After the recovery points moved: write the recovery checkpoint. */
  afterFlush: () => Promise<void>;
}

export class FlushScheduler {
  private timer: TimerHandle | undefined;
  private chain: Promise<void> = Promise.resolve();
  private pending: Promise<void> | null = null;
  /** Awaited before each flush's fsyncs (setBarrier). */
  private barrier: (() => Promise<void>) | null = null;
  /** Waiting for the next flush to start and end (whenFlushed). */
  private nextWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(private readonly opts: FlushSchedulerOptions) {}

  /** Start the flush timer unless it runs already (called after every append). */
  schedule(): void {
    if (this.timer || this.opts.isClosed()) return;
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((e: Error) => this.opts.logger('error', `flush failed: ${e.message}`));
    }, this.opts.intervalMs);
  }

  cancel(): void {
    this.opts.clock.clearTimeout(this.timer);
    // Closing: the last flush covered what was appended, or the instance is being dropped.
    const waiters = this.nextWaiters;
    this.nextWaiters = [];
    for (const w of waiters) w.resolve();
  }

  /**
   * Something that must be durable before any appended data is (the transaction log: the line that added a
   * partition to a transaction comes before that transaction's data on disk). Awaited at the start of every
   * flush; its failure does not fail the flush (it is reported where it happens).
   */
  setBarrier(barrier: (() => Promise<void>) | null): void {
    this.barrier = barrier;
  }

  /**
   * Resolves once a flush that starts after this call has ended (the timer's: this starts none early, it only
   * makes sure the timer runs). Rejects with that flush's error.
   */
  whenFlushed(): Promise<void> {
    if (this.opts.isClosed()) return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => this.nextWaiters.push({ resolve, reject }));
    this.schedule();
    return p;
  }

  /** Group commit: callers arriving while a flush runs share the next one, which starts when it ends. */
  flush(): Promise<void> {
    if (this.opts.isClosed()) return Promise.resolve();
    if (this.pending) return this.pending;
    const run = this.chain.then(() => {
      this.pending = null;
      return this.flushNow();
    });
    this.pending = run;
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async flushNow(): Promise<void> {
    const waiters = this.nextWaiters;
    this.nextWaiters = [];
    try {
      await this.flushWork();
    } catch (e) {
      for (const w of waiters) w.reject(e as Error);
      throw e;
    }
    for (const w of waiters) w.resolve();
  }

  private async flushWork(): Promise<void> {
    if (this.opts.isClosed()) return;
    if (this.barrier) await this.barrier().catch(() => undefined);
    const work: {
      log: PartitionLog;
      point: RecoveryPoint;
      segments: ReturnType<PartitionLog['prepareFlush']>['segments'];
    }[] = [];
    for (const log of this.opts.logs()) {
      const prepared = log.prepareFlush();
      const rp = log.recoveryPoint;
      const moved =
        !rp || rp.segmentBaseOffset !== prepared.point.segmentBaseOffset || rp.position !== prepared.point.position;
      if (prepared.segments.length > 0 || moved) work.push({ log, point: prepared.point, segments: prepared.segments });
    }
    if (work.length === 0) return;
    try {
      // A bounded number at a time: each fsync holds its log file open (and opens its index files).
      await runLimited(
        work.flatMap((w) => w.segments.map((s) => () => s.fsync())),
        Math.max(1, Math.min(FSYNC_CONCURRENCY, Math.floor(this.opts.maxOpenFiles() / 2))),
      );
    } catch (e) {
      throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `fsync failed: ${(e as Error).message}`);
    }
    for (const w of work) w.log.recoveryPoint = w.point;
    if (!this.opts.isClosed()) await this.opts.afterFlush();
  }
}

/** Run the tasks with at most `limit` in flight; rejects with the first error once all have settled. */
async function runLimited(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++];
      try {
        await task();
      } catch (e) {
        failure ??= { error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
}
