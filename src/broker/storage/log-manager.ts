/**
 * The storage engine: implements LogManager (src/broker/api.ts), as a facade over the parts that each own one
 * concern of the data directory
 *
 *   <dataDir>/meta/topics.db                    topic metadata and config overrides    topic-catalog.ts, topic-store.ts
 *   <dataDir>/topics/<topic>-<partition>/       segments: <20-digit base offset>.log|.index|.timeindex
 *                                               (partition-log.ts, segment.ts, sparse-index.ts, record-batch.ts)
 *   <dataDir>/recovery-point-offset-checkpoint  per partition: the fsynced prefix          checkpoint-writer.ts
 *   <dataDir>/log-start-offset-checkpoint       per partition: the log start offset
 *   <dataDir>/cleaner-offset-checkpoint         per partition: segments below this offset were compacted
 *   <dataDir>/.clean-shutdown                   written by close(), removed by open
 *
 * plus the flush policy (flush-policy.ts: appends are written synchronously into the page cache, a timer batches
 * async fsyncs, then the recovery points advance; flush() resolves once everything appended before the call is
 * fsynced, and acks=all waits on it) and retention and cleaner scheduling (retention-scheduler.ts). The facade
 * itself validates and appends records, and opens, closes and crashes the whole.
 *
 * Guarantees: bad input (parseRecordSet) and failed writes leave every log byte-for-byte unchanged; after an
 * unclean shutdown the bytes past each partition's recovery point and the last recoveryRecheckBytes before it
 * are checked, and a torn or corrupt tail is cut (event 'recoveryTruncated'); after a clean shutdown nothing is
 * rescanned. Index files are derived data: checked against the log on open and rebuilt from it when in doubt.
 *
 * Scale: at most maxOpenFiles segment files are open at once (file-cache.ts), whatever the number of partitions.
 * After a clean shutdown partitions open lazily: open() reads only the checkpoints, which say each partition's
 * log start and end offsets, size, segment count and newest timestamp (so listing, ListOffsets and partitionInfo
 * need no segment file); a partition's segments and indexes are read at its first read, append, retention or
 * cleaning. After an unclean shutdown every partition is opened (and its tail checked) eagerly, as the checkpoint
 * cannot say where the log ends, and truncations are reported before the broker serves.
 *
 * Callers: broker.ts (Broker.open) and tests/benchmarks.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { AbortedTransaction, BatchHeader, LogManager, LogManagerOptions } from '../api';
import { ErrorCode, KafkaError, ShutdownIncompleteError } from '../errors';
import type {
  AppendResult,
  CompactionStats,
  ConfigEntry,
  FetchResult,
  OffsetForTime,
  PartitionInfo,
  TopicConfigs,
  TopicInfo,
} from '../types';
import { CheckpointWriter, CLEAN_SHUTDOWN_MARKER, readCheckpoints } from './checkpoint-writer';
import { defaultMaxOpenFiles, FileCache } from './file-cache';
import { FlushScheduler } from './flush-policy';
import type { PartitionLog } from './partition-log';
import { recordsWithoutKey, validateRecordSet } from './record-batch';
import { RetentionScheduler } from './retention-scheduler';
import type { StorageIo } from './segment';
import { realIo } from './segment';
import { RECOVERY_RECHECK_BYTES, TopicCatalog } from './topic-catalog';

export { CLEAN_SHUTDOWN_MARKER, CLEANER_FILE, LOG_START_FILE, RECOVERY_POINT_FILE } from './checkpoint-writer';
export { RECOVERY_RECHECK_BYTES } from './topic-catalog';

/** Extra knobs for tests and tools (all optional). */
export interface StorageOptions extends LogManagerOptions {
  /** Replace file writes (tests simulate ENOSPC/EIO). */
  io?: Partial<StorageIo>;
  /** How often retention runs on the clock. Default 300000 ms (Kafka's log.retention.check.interval.ms). */
  retentionCheckIntervalMs?: number;
  /** How often the log cleaner looks at compacted topics. Default 15000 ms (Kafka's log.cleaner.backoff.ms). */
  cleanerIntervalMs?: number;
  /**
   * After an unclean shutdown, how many bytes before each partition's recovery point are checked again (CRC,
   * framing, offsets) besides everything after it. Default RECOVERY_RECHECK_BYTES (1 MiB); 0 turns it off.
   */
  recoveryRecheckBytes?: number;
  /**
   * At most this many segment files are held open (least recently used ones are closed and opened again when
   * next used). Default 512, or half the process's open-file limit when that is lower (file-cache.ts); lowered
   * by itself when the process runs out of descriptors all the same.
   */
  maxOpenFiles?: number;
}

export async function openLogManager(opts: StorageOptions): Promise<LogManager & StorageInternals> {
  const mgr = new DiskLogManager(opts);
  await mgr.open();
  return mgr;
}

/** What tests and the benchmark may look at beyond the LogManager contract. */
export interface StorageInternals {
  partitionLog(topic: string, partition: number): PartitionLog;
  /** Forget everything without flushing or writing the marker (simulates a crash of the process). */
  crash(): void;
  /** Resolves when no log cleaning is in flight. */
  cleanerIdle(): Promise<void>;
  /** Run one pass of the periodic log cleaner now. */
  runCleaner(): Promise<CompactionStats[]>;
  /** Segment files open now, opened so far, the bound, and how many partitions are open (not lazy). */
  fileStats(): { open: number; opens: number; maxOpenFiles: number; partitionsOpen: number };
}

class DiskLogManager implements LogManager, StorageInternals {
  private readonly dataDir: string;
  private readonly io: StorageIo;
  private readonly files: FileCache;
  private readonly catalog: TopicCatalog;
  private readonly checkpoints: CheckpointWriter;
  private readonly flusher: FlushScheduler;
  private readonly retention: RetentionScheduler;
  private clean = false;
  private closed = false;
  /** close() has begun: cleanings in flight stop at their next slice. */
  private stopping = false;

  constructor(private readonly opts: StorageOptions) {
    this.dataDir = path.resolve(opts.dataDir);
    this.io = { ...realIo, ...(opts.io ?? {}) };
    this.files = new FileCache(opts.maxOpenFiles ?? defaultMaxOpenFiles(), (level, message) =>
      opts.logger(level, message),
    );
    const isClosed = () => this.closed;
    this.catalog = new TopicCatalog(this.dataDir, opts, this.io, this.files);
    this.checkpoints = new CheckpointWriter(this.dataDir, () => this.catalog.topics.values(), isClosed, opts.logger);
    this.flusher = new FlushScheduler({
      clock: opts.clock,
      intervalMs: opts.flush.intervalMs,
      logger: opts.logger,
      logs: () => this.catalog.openLogs(),
      maxOpenFiles: () => this.files.maxOpenFiles,
      isClosed,
      afterFlush: () => this.checkpoints.queueRecovery(),
    });
    this.retention = new RetentionScheduler({
      clock: opts.clock,
      logger: opts.logger,
      onEvent: opts.onEvent,
      catalog: this.catalog,
      checkpoints: this.checkpoints,
      io: this.io,
      flush: () => this.flush(),
      isClosed,
      isStopping: () => this.stopping,
      retentionCheckIntervalMs: opts.retentionCheckIntervalMs,
      cleanerIntervalMs: opts.cleanerIntervalMs,
    });
  }

  /** Segment files open now and opened so far (tests, benchmark). */
  fileStats(): { open: number; opens: number; maxOpenFiles: number; partitionsOpen: number } {
    return {
      open: this.files.openCount,
      opens: this.files.opens,
      maxOpenFiles: this.files.maxOpenFiles,
      partitionsOpen: this.catalog.partitionsOpen(),
    };
  }

  get openedCleanly(): boolean {
    return this.clean;
  }

  // ------------------------------------------------------------------ open / close

  async open(): Promise<void> {
    const { dataDir, opts } = this;
    fs.mkdirSync(path.join(dataDir, 'meta'), { recursive: true });
    fs.mkdirSync(path.join(dataDir, 'topics'), { recursive: true });
    const marker = path.join(dataDir, CLEAN_SHUTDOWN_MARKER);
    this.clean = fs.existsSync(marker);
    const recheckBytes = opts.recoveryRecheckBytes ?? RECOVERY_RECHECK_BYTES;
    const { topics, truncatedAny } = await this.catalog.open(readCheckpoints(dataDir), this.clean, recheckBytes);
    if (this.clean) fs.rmSync(marker, { force: true });
    else if (topics > 0)
      opts.logger(
        'info',
        `opened ${dataDir} after an unclean shutdown: checked each partition's tail past its recovery point and the last ${recheckBytes} bytes before it${truncatedAny ? '' : '; nothing was cut'}`,
      );
    // Opening may have moved log starts and recovery points; partitions left unopened changed nothing, so a clean
    // open that left every one of them for later has nothing new to write.
    if (this.catalog.partitionsOpen() > 0 || !this.clean) {
      this.checkpoints.writeLogStart();
      this.checkpoints.writeRecovery();
    }
    this.flusher.schedule();
    this.retention.start();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.stopping = true;
    await this.cleanerIdle();
    await this.flush();
    await this.checkpoints.idle();
    this.closed = true;
    this.flusher.cancel();
    this.retention.cancel();
    for (const log of this.catalog.openLogs()) log.close();
    for (const log of this.catalog.openLogs(this.catalog.creating.values())) log.close();
    this.files.dispose();
    // The log is flushed and closed. What follows is bookkeeping that a full disk may refuse: each write is
    // tried, and the clean-shutdown marker is written only when the checkpoints it vouches for were (without it
    // the next open recovers from the segments themselves).
    const notWritten: string[] = [];
    const attempt = (what: string, write: () => void) => {
      try {
        write();
      } catch (e) {
        notWritten.push(`${what} (${(e as Error).message})`);
      }
    };
    attempt('the recovery-point checkpoint', () => this.checkpoints.writeRecovery());
    attempt('the log-start checkpoint', () => this.checkpoints.writeLogStart());
    if (notWritten.length === 0)
      attempt('the clean-shutdown marker', () => this.checkpoints.writeCleanShutdownMarker(this.opts.clock.now()));
    if (notWritten.length > 0) throw new ShutdownIncompleteError(notWritten, true);
  }

  crash(): void {
    this.closed = true;
    this.flusher.cancel();
    this.retention.cancel();
    for (const log of this.catalog.openLogs()) for (const s of log.segments) s.close();
    this.files.dispose();
  }

  private assertOpen(): void {
    if (this.closed) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, 'the log manager is closed');
  }

  // ------------------------------------------------------------------ topics (topic-catalog.ts)

  async createTopic(name: string, partitions: number, configs?: TopicConfigs): Promise<TopicInfo> {
    this.assertOpen();
    const info = await this.catalog.createTopic(name, partitions, configs, () => this.closed);
    this.opts.onEvent('topicCreated', { topic: name, partitions });
    return info;
  }

  async deleteTopic(name: string): Promise<void> {
    this.assertOpen();
    await this.catalog.deleteTopic(name);
    await this.checkpoints.queueRecovery();
    this.checkpoints.writeLogStart();
    this.opts.onEvent('topicDeleted', { topic: name });
  }

  async createPartitions(name: string, totalCount: number): Promise<void> {
    this.assertOpen();
    await this.catalog.createPartitions(name, totalCount);
    this.opts.onEvent('partitionsCreated', { topic: name, partitions: totalCount });
  }

  /**
   * Set config overrides (merged into the existing ones). A key given the value null (or undefined) goes back
   * to its default.
   */
  async alterTopicConfigs(
    name: string,
    configs: Record<string, string | null>,
    opts: { validateOnly?: boolean } = {},
  ): Promise<void> {
    this.assertOpen();
    await this.catalog.alterTopicConfigs(name, configs, opts);
  }

  listTopics(): TopicInfo[] {
    return this.catalog.listTopics();
  }

  getTopic(name: string): TopicInfo | undefined {
    return this.catalog.getTopic(name);
  }

  describeTopicConfigs(name: string): ConfigEntry[] {
    return this.catalog.describeTopicConfigs(name);
  }

  partitionInfo(topic: string, partition: number): PartitionInfo {
    return this.catalog.partitionInfo(topic, partition);
  }

  /** The partition's log, opened first when it has not been used since a clean open. */
  partitionLog(topic: string, partition: number): PartitionLog {
    return this.catalog.partitionLog(topic, partition);
  }

  // ------------------------------------------------------------------ records

  parseRecordSet(topic: string, partition: number, recordSet: Buffer): BatchHeader[] {
    this.assertOpen();
    this.catalog.slot(topic, partition);
    const t = this.catalog.requireTopic(topic);
    const headers = validateRecordSet(recordSet, t.config.maxMessageBytes);
    if (t.config.compact) {
      const keyless = recordsWithoutKey(recordSet);
      if (keyless.length > 0) {
        const more = keyless.length > 1 ? ` (and ${keyless.length - 1} more)` : '';
        throw new KafkaError(
          ErrorCode.INVALID_RECORD,
          `topic "${topic}" is compacted (cleanup.policy=compact), so every record needs a key; ${keyless[0].where} has none${more}`,
          keyless.map((k) => ({
            batchIndex: k.batchIndex,
            message: `${k.where} has no key; a compacted topic needs a key on every record`,
          })),
        );
      }
    }
    for (const h of headers) {
      if (h.size > t.config.segmentBytes) {
        throw new KafkaError(
          ErrorCode.RECORD_LIST_TOO_LARGE,
          `a batch of ${h.size} bytes does not fit the topic's segment.bytes (${t.config.segmentBytes})`,
        );
      }
    }
    return headers;
  }

  appendValidated(topic: string, partition: number, recordSet: Buffer, headers: BatchHeader[]): AppendResult {
    this.assertOpen();
    const log = this.partitionLog(topic, partition);
    const config = this.catalog.requireTopic(topic).config;
    const now = this.opts.clock.now();
    const { baseOffset, lastOffset } = log.append(recordSet, headers, now, config);
    this.flusher.schedule();
    this.opts.onEvent('append', { topic, partition, logEndOffset: log.logEndOffset });
    return {
      baseOffset,
      lastOffset,
      logAppendTime: config.logAppendTime ? now : -1,
      logStartOffset: log.logStartOffset,
      duplicate: false,
    };
  }

  read(topic: string, partition: number, offset: number, maxBytes: number, maxOffset?: number): FetchResult {
    this.assertOpen();
    return this.partitionLog(topic, partition).read(offset, maxBytes, maxOffset);
  }

  abortedTransactions(topic: string, partition: number, from: number, upper: number): AbortedTransaction[] {
    this.assertOpen();
    return this.partitionLog(topic, partition).abortedTxns(from, upper);
  }

  appendAbortedTransaction(topic: string, partition: number, entry: AbortedTransaction): void {
    this.assertOpen();
    this.partitionLog(topic, partition).appendAbortedTxn(entry);
  }

  offsetForTimestamp(topic: string, partition: number, timestamp: number): OffsetForTime {
    this.assertOpen();
    return this.partitionLog(topic, partition).offsetForTimestamp(timestamp);
  }

  deleteRecords(topic: string, partition: number, offset: number): number {
    this.assertOpen();
    const log = this.partitionLog(topic, partition);
    const target = offset === -1 ? log.logEndOffset : offset;
    if (!Number.isInteger(target) || target < 0 || target > log.logEndOffset) {
      throw new KafkaError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `cannot delete records of ${topic}-${partition} before offset ${offset}: it must be between ${log.logStartOffset} and the log end ${log.logEndOffset} (or -1 for the log end)`,
      );
    }
    if (log.advanceLogStart(target)) {
      this.checkpoints.writeLogStart();
      this.opts.onEvent('recordsDeleted', { topic, partition, logStartOffset: log.logStartOffset });
    }
    return log.logStartOffset;
  }

  *scanBatchHeaders(topic: string, partition: number, fromOffset: number): Iterable<BatchHeader> {
    yield* this.partitionLog(topic, partition).scanBatchHeaders(fromOffset);
  }

  // ------------------------------------------------------------------ retention and compaction (retention-scheduler.ts)

  enforceRetention(): void {
    this.retention.enforceRetention();
  }

  /**
   * Compact a topic now (cleanup.policy must list "compact"): roll each partition's active segment, make
   * everything durable, then clean every cleanable segment whatever its dirty ratio (min.compaction.lag.ms still
   * holds back young segments).
   */
  async compactTopic(name: string): Promise<CompactionStats[]> {
    this.assertOpen();
    return this.retention.compactTopic(name);
  }

  /** One pass of the periodic cleaner over every compacted topic (partitions being cleaned already are skipped). */
  runCleaner(): Promise<CompactionStats[]> {
    return this.retention.runCleaner();
  }

  /** Resolves when no cleaning is in flight (tests; close waits for the same). */
  cleanerIdle(): Promise<void> {
    return this.retention.cleanerIdle();
  }

  // ------------------------------------------------------------------ durability (flush-policy.ts)

  /** Group commit: callers arriving while a flush runs share the next one, which starts when it ends. */
  flush(): Promise<void> {
    return this.flusher.flush();
  }

  /** Awaited before every flush's fsyncs (see FlushScheduler.setBarrier); null removes it. */
  setFlushBarrier(barrier: (() => Promise<void>) | null): void {
    this.flusher.setBarrier(barrier);
  }

  /** Resolves after the next flush (the timer's, or an earlier caller's); starts none early. */
  whenFlushed(): Promise<void> {
    return this.flusher.whenFlushed();
  }
}
