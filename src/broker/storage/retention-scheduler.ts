/**
 * Retention and log-cleaner scheduling for the log manager: time and size retention of topics whose
 * cleanup.policy lists "delete" (every retentionCheckIntervalMs, Kafka's log.retention.check.interval.ms), and
 * compaction of those whose policy lists "compact" (every cleanerIntervalMs, Kafka's log.cleaner.backoff.ms, by
 * dirty ratio and max lag; or on demand, compactTopic). The cleaning itself is cleaner.ts.
 *
 * Guarantees: retention and cleaning only ever remove or rewrite segments before the active one, so a partition
 * left unopened (lazy) with one segment stays unopened; cleanings of one partition run one after another, at
 * most CLEANER_CONCURRENCY partitions at once (each holds the replacement file it writes open); a cleaning
 * stops at its next slice, with nothing changed, when the log manager closes or its topic is deleted; the
 * cleaner's progress is checkpointed before its first rename; moved log starts are checkpointed and reported
 * (event 'recordsDeleted'); a finished compaction is logged and reported (event 'logCompacted').
 *
 * Callers: log-manager.ts only.
 */
import type { LogManagerOptions } from '../api';
import { ErrorCode, KafkaError } from '../errors';
import type { CompactionStats } from '../types';
import type { CheckpointWriter } from './checkpoint-writer';
import { cleanableSegmentCount, cleanSegments, needsCleaning } from './cleaner';
import type { TimerHandle } from '../clock';
import type { PartitionLog } from './partition-log';
import type { StorageIo } from './segment';
import type { Topic, TopicCatalog } from './topic-catalog';

/** Partitions being compacted at once (each holds the descriptor of the replacement it writes). */
const CLEANER_CONCURRENCY = 2;

export interface RetentionSchedulerOptions extends Pick<LogManagerOptions, 'clock' | 'logger' | 'onEvent'> {
  catalog: TopicCatalog;
  checkpoints: CheckpointWriter;
  io: StorageIo;
  /** Make everything appended so far durable (compactTopic does before cleaning). */
  flush: () => Promise<void>;
  isClosed: () => boolean;
  /** close() has begun: cleanings in flight stop at their next slice, no new pass starts. */
  isStopping: () => boolean;
  /** Default 300000 ms. */
  retentionCheckIntervalMs?: number;
  /** Default 15000 ms. */
  cleanerIntervalMs?: number;
}

export class RetentionScheduler {
  private retentionTimer: TimerHandle | undefined;
  private cleanerTimer: TimerHandle | undefined;
  /** The cleaning in flight (or queued) per partition. */
  private cleaning = new Map<PartitionLog, Promise<CompactionStats>>();
  /** Cleanings waiting for one of the CLEANER_CONCURRENCY slots. */
  private cleanerQueue: (() => void)[] = [];
  private cleanersRunning = 0;

  constructor(private readonly opts: RetentionSchedulerOptions) {}

  /** Start both timers: retention first, then the cleaner. */
  start(): void {
    this.scheduleRetention();
    this.scheduleCleaner();
  }

  cancel(): void {
    this.opts.clock.clearTimeout(this.retentionTimer);
    this.opts.clock.clearTimeout(this.cleanerTimer);
  }

  // ------------------------------------------------------------------ retention

  enforceRetention(): void {
    if (this.opts.isClosed()) return;
    const now = this.opts.clock.now();
    let changed = false;
    for (const t of this.opts.catalog.topics.values()) {
      if (!t.config.deleteOld) continue;
      for (const slot of t.partitions) {
        // Retention removes only segments before the active one: a partition left unopened with one segment
        // has nothing to remove and stays unopened.
        if (!slot.log && slot.lazy!.segmentCount <= 1) continue;
        const log = this.opts.catalog.openLazy(t, slot);
        const before = log.logStartOffset;
        if (log.enforceRetention(now, t.config)) {
          changed = true;
          if (log.logStartOffset !== before) {
            this.opts.onEvent('recordsDeleted', {
              topic: t.info.name,
              partition: log.partition,
              logStartOffset: log.logStartOffset,
            });
          }
        }
      }
    }
    if (changed) this.opts.checkpoints.writeLogStart();
  }

  private scheduleRetention(): void {
    const interval = this.opts.retentionCheckIntervalMs ?? 300_000;
    this.retentionTimer = this.opts.clock.setTimeout(() => {
      try {
        this.enforceRetention();
      } catch (e) {
        this.opts.logger('error', `retention failed: ${(e as Error).message}`);
      }
      if (!this.opts.isClosed()) this.scheduleRetention();
    }, interval);
  }

  // ------------------------------------------------------------------ compaction

  /**
   * Compact a topic now (cleanup.policy must list "compact"): roll each partition's active segment, make
   * everything durable, then clean every cleanable segment whatever its dirty ratio (min.compaction.lag.ms still
   * holds back young segments).
   */
  async compactTopic(name: string): Promise<CompactionStats[]> {
    const { catalog } = this.opts;
    const topic = catalog.requireTopic(name);
    if (!topic.config.compact) {
      throw new KafkaError(
        ErrorCode.INVALID_CONFIG,
        `topic "${name}" has cleanup.policy=${topic.info.configs['cleanup.policy'] ?? 'delete'}; set it to "compact" (or "compact,delete") to compact it`,
      );
    }
    const now = this.opts.clock.now();
    const logs = topic.partitions.map((slot) => catalog.openLazy(topic, slot));
    for (const log of logs) if (log.active.size > 0) log.roll(now);
    await this.opts.flush();
    if (catalog.topics.get(name) !== topic)
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${name}" was deleted during compaction`);
    return Promise.all(
      logs.map((log) =>
        this.cleanPartition(topic, log, () => cleanableSegmentCount(log, this.opts.clock.now(), topic.config)),
      ),
    );
  }

  /**
   * One pass of the periodic cleaner over every compacted topic (partitions being cleaned already are skipped).
   * async: a partition that cannot be opened rejects the pass (the timer logs it) instead of throwing out of it.
   */
  async runCleaner(): Promise<CompactionStats[]> {
    if (this.opts.isClosed() || this.opts.isStopping()) return [];
    const now = this.opts.clock.now();
    const runs: Promise<CompactionStats>[] = [];
    for (const t of this.opts.catalog.topics.values()) {
      if (!t.config.compact) continue;
      for (const slot of t.partitions) {
        // Only segments before the active one are cleaned: an unopened partition with one segment has none.
        if (!slot.log && slot.lazy!.segmentCount <= 1) continue;
        const log = this.opts.catalog.openLazy(t, slot);
        if (this.cleaning.has(log)) continue;
        const count = cleanableSegmentCount(log, now, t.config);
        if (count > 0 && needsCleaning(log, count, now, t.config)) runs.push(this.cleanPartition(t, log, () => count));
      }
    }
    return Promise.all(runs);
  }

  /** Resolves when no cleaning is in flight (tests; close waits for the same). */
  async cleanerIdle(): Promise<void> {
    while (this.cleaning.size > 0) await Promise.allSettled([...this.cleaning.values()]);
  }

  /** Cleanings of one partition run one after another; `count` is taken when a cleaning starts. */
  private cleanPartition(topic: Topic, log: PartitionLog, count: () => number): Promise<CompactionStats> {
    const previous = this.cleaning.get(log) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(() => this.cleanerSlot())
      .then(async () => {
        const stopped = () =>
          this.opts.isStopping() || this.opts.isClosed() || this.opts.catalog.topics.get(topic.info.name) !== topic;
        const stats = await cleanSegments(
          log,
          stopped() ? 0 : count(),
          this.opts.clock.now(),
          topic.config,
          this.opts.io,
          (cleanedUpTo) => this.opts.checkpoints.writeCleanedUpTo(topic.info.name, log.partition, cleanedUpTo),
          stopped,
        );
        if (stats.segmentsCleaned > 0) {
          this.opts.logger(
            'info',
            `compacted ${log.name}: ${stats.segmentsCleaned} segment(s), ${stats.recordsBefore} → ${stats.recordsAfter} records, ${stats.bytesBefore} → ${stats.bytesAfter} bytes`,
          );
          this.opts.onEvent('logCompacted', stats);
        }
        return stats;
      })
      .finally(() => this.releaseCleanerSlot());
    this.cleaning.set(log, run);
    const done = () => {
      if (this.cleaning.get(log) === run) this.cleaning.delete(log);
    };
    run.then(done, done);
    return run;
  }

  /** Wait for one of the CLEANER_CONCURRENCY cleaning slots (compacting every partition of a topic at once
   * would hold a replacement file open per partition). */
  private cleanerSlot(): Promise<void> {
    if (this.cleanersRunning < CLEANER_CONCURRENCY) {
      this.cleanersRunning++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.cleanerQueue.push(resolve));
  }

  private releaseCleanerSlot(): void {
    const next = this.cleanerQueue.shift();
    if (next) next();
    else this.cleanersRunning--;
  }

  private scheduleCleaner(): void {
    this.cleanerTimer = this.opts.clock.setTimeout(() => {
      this.runCleaner().catch((e: Error) => this.opts.logger('error', `log cleaner: ${e.message}`));
      if (!this.opts.isClosed()) this.scheduleCleaner();
    }, this.opts.cleanerIntervalMs ?? 15_000);
  }
}
