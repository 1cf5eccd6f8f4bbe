/**
 * The storage engine: implements LogManager (src/broker/api.ts). Owns the data directory
 *
 *   <dataDir>/meta/topics.db                    topic metadata and config overrides (nedb-promises)
 *   <dataDir>/topics/<topic>-<partition>/       segments: <20-digit base offset>.log|.index|.timeindex
 *   <dataDir>/recovery-point-offset-checkpoint  per partition: the fsynced prefix (see checkpoints.ts)
 *   <dataDir>/log-start-offset-checkpoint       per partition: the log start offset
 *   <dataDir>/cleaner-offset-checkpoint         per partition: segments below this offset were compacted
 *   <dataDir>/.clean-shutdown                   written by close(), removed by open
 *
 * and the flush policy: appends are written synchronously into the page cache; a timer (flush.intervalMs on the
 * injected clock) batches async fsyncs of every dirty segment, then the recovery points advance. flush()
 * resolves once everything appended before the call is fsynced (acks=all waits on it).
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
import type { BatchHeader, LogManager, LogManagerOptions } from '../api';
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
import type { CheckpointEntries } from './checkpoints';
import { checkpointKey, readCheckpoint, writeCheckpoint, writeCheckpointAsync } from './checkpoints';
import type { EffectiveConfig } from './configs';
import { describeConfigs, effectiveConfig, validateConfigs, assertValidTopicName } from './configs';
import { defaultMaxOpenFiles, FileCache } from './file-cache';
import type { RecoveryPoint } from './partition-log';
import { destroyPartitionDir, PartitionLog } from './partition-log';
import { cleanableSegmentCount, cleanSegments, needsCleaning } from './cleaner';
import { recordsWithoutKey, validateRecordSet } from './record-batch';
import type { StorageIo } from './segment';
import { realIo } from './segment';
import type { DamagedTopic } from './topic-store';
import { TopicStore } from './topic-store';
import { topicNameProblem } from '../../shared/topic-name';

export const CLEAN_SHUTDOWN_MARKER = '.clean-shutdown';
export const RECOVERY_POINT_FILE = 'recovery-point-offset-checkpoint';
export const LOG_START_FILE = 'log-start-offset-checkpoint';
export const CLEANER_FILE = 'cleaner-offset-checkpoint';

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

/** fsyncs in flight at once during a flush (each may open its log file and two index files). */
const FSYNC_CONCURRENCY = 8;
/** Partitions being compacted at once (each holds the descriptor of the replacement it writes). */
const CLEANER_CONCURRENCY = 2;

/** Default of StorageOptions.recoveryRecheckBytes: ~3 ms of CRC-32C per partition. */
export const RECOVERY_RECHECK_BYTES = 1024 * 1024;

/**
 * What the checkpoints written at a clean shutdown say about a partition that has not been opened since (lazy
 * open); exact, since nothing can have changed a partition this process has not opened.
 */
interface LazyPartition {
  recoveryPoint: RecoveryPoint;
  activeCreatedAt: number;
  logStartOffset: number;
  logEndOffset: number;
  sizeBytes: number;
  segmentCount: number;
  lastTimestamp: number;
  cleanedUpTo: number;
}

/** One partition of a topic: its log once opened, until then what the checkpoints said (`lazy`). */
interface Slot {
  partition: number;
  log: PartitionLog | null;
  lazy: LazyPartition | null;
}

interface Topic {
  info: TopicInfo;
  config: EffectiveConfig;
  partitions: Slot[];
}

function openSlot(log: PartitionLog): Slot {
  return { partition: log.partition, log, lazy: null };
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
  private topics = new Map<string, Topic>();
  /**
   * Topics whose creation is still being persisted: not visible (no reads, no appends, not listed) until their
   * metadata is stored, so nothing is acknowledged into a topic whose creation could still be rolled back.
   */
  private creating = new Map<string, Topic>();
  private store!: TopicStore;
  private clean = false;
  private closed = false;
  private flushTimer: ReturnType<StorageOptions['clock']['setTimeout']> | undefined;
  private retentionTimer: ReturnType<StorageOptions['clock']['setTimeout']> | undefined;
  private cleanerTimer: ReturnType<StorageOptions['clock']['setTimeout']> | undefined;
  /** The cleaning in flight (or queued) per partition. */
  private cleaning = new Map<PartitionLog, Promise<CompactionStats>>();
  /** close() has begun: cleanings in flight stop at their next slice. */
  private stopping = false;
  private flushChain: Promise<void> = Promise.resolve();
  private checkpointChain: Promise<void> = Promise.resolve();
  private pendingFlush: Promise<void> | null = null;
  /** Cleanings waiting for one of the CLEANER_CONCURRENCY slots. */
  private cleanerQueue: (() => void)[] = [];
  private cleanersRunning = 0;

  constructor(private readonly opts: StorageOptions) {
    this.dataDir = path.resolve(opts.dataDir);
    this.io = { ...realIo, ...(opts.io ?? {}) };
    this.files = new FileCache(opts.maxOpenFiles ?? defaultMaxOpenFiles(), (level, message) =>
      opts.logger(level, message),
    );
  }

  /** Segment files open now and opened so far (tests, benchmark). */
  fileStats(): { open: number; opens: number; maxOpenFiles: number; partitionsOpen: number } {
    let partitionsOpen = 0;
    for (const t of this.topics.values()) for (const s of t.partitions) if (s.log) partitionsOpen++;
    return {
      open: this.files.openCount,
      opens: this.files.opens,
      maxOpenFiles: this.files.maxOpenFiles,
      partitionsOpen,
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
    const recoveryPoints = readCheckpoint(path.join(dataDir, RECOVERY_POINT_FILE), 2);
    const logStarts = readCheckpoint(path.join(dataDir, LOG_START_FILE), 1);
    const cleaned = readCheckpoint(path.join(dataDir, CLEANER_FILE), 1);
    const {
      store,
      topics: stored,
      damaged,
    } = await TopicStore.open(path.join(dataDir, 'meta'), opts.logger, opts.clock.now());
    this.store = store;
    const now = opts.clock.now();
    const topics = await this.adoptDirectories(stored, damaged, now);
    let truncatedAny = false;
    for (const info of topics) {
      const config = effectiveConfig(info.configs);
      const topic: Topic = { info, config, partitions: [] };
      for (let p = 0; p < info.partitions; p++) {
        const key = checkpointKey(info.name, p);
        const rp = recoveryPoints.get(key);
        const logStart = logStarts.get(key);
        // A clean shutdown wrote every column (an older version wrote 3): the partition can wait until used.
        if (this.clean && rp && rp.length >= 7 && logStart) {
          const lazy: LazyPartition = {
            recoveryPoint: { segmentBaseOffset: rp[0], position: rp[1] },
            activeCreatedAt: rp[2],
            logEndOffset: rp[3],
            sizeBytes: rp[4],
            segmentCount: rp[5],
            lastTimestamp: rp[6] - 1,
            logStartOffset: logStart[0],
            cleanedUpTo: cleaned.get(key)?.[0] ?? 0,
          };
          topic.partitions.push({ partition: p, log: null, lazy });
          continue;
        }
        const point: RecoveryPoint | 'clean' | null = this.clean
          ? 'clean'
          : rp
            ? { segmentBaseOffset: rp[0], position: rp[1] }
            : null;
        const { log, recovery } = PartitionLog.open(
          info.name,
          p,
          this.partitionDir(info.name, p),
          now,
          this.io,
          this.files,
          point,
          logStart?.[0] ?? 0,
          config,
          cleaned.get(key)?.[0] ?? 0,
          rp && rp.length >= 3 ? { segmentBaseOffset: rp[0], createdAt: rp[2] } : undefined,
          opts.recoveryRecheckBytes ?? RECOVERY_RECHECK_BYTES,
        );
        topic.partitions.push(openSlot(log));
        if (this.reportRecovery(info.name, p, recovery)) truncatedAny = true;
      }
      this.topics.set(info.name, topic);
    }
    if (this.clean) fs.rmSync(marker, { force: true });
    else if (topics.length > 0)
      opts.logger(
        'info',
        `opened ${dataDir} after an unclean shutdown: checked each partition's tail past its recovery point and the last ${opts.recoveryRecheckBytes ?? RECOVERY_RECHECK_BYTES} bytes before it${truncatedAny ? '' : '; nothing was cut'}`,
      );
    // Opening may have moved log starts and recovery points; partitions left unopened changed nothing, so a clean
    // open that left every one of them for later has nothing new to write.
    if (this.fileStats().partitionsOpen > 0 || !this.clean) {
      this.writeLogStartCheckpoint();
      this.writeRecoveryCheckpoint();
    }
    this.scheduleFlush();
    this.scheduleRetention();
    this.scheduleCleaner();
  }

  /** Log what opening a partition rebuilt or cut; true when it cut bytes (event 'recoveryTruncated'). */
  private reportRecovery(
    topic: string,
    p: number,
    recovery: ReturnType<typeof PartitionLog.open>['recovery'],
  ): boolean {
    const { logger, onEvent } = this.opts;
    for (const why of recovery.indexesRebuilt)
      logger('warn', `rebuilt the indexes of ${topic}-${p} from its log (${why})`);
    if (recovery.truncatedBytes === 0) return false;
    logger('warn', `recovery of ${topic}-${p} truncated ${recovery.truncatedBytes} bytes: ${recovery.reason}`);
    onEvent('recoveryTruncated', { topic, partition: p, bytes: recovery.truncatedBytes, reason: recovery.reason });
    return true;
  }

  /**
   * The partition's log, opened now if it was left for later at a clean open (its bytes are trusted as at the
   * clean open: nothing has written to them since).
   */
  private openLazy(topic: Topic, slot: Slot): PartitionLog {
    if (slot.log) return slot.log;
    const lazy = slot.lazy!;
    const name = topic.info.name;
    let opened: ReturnType<typeof PartitionLog.open>;
    try {
      opened = PartitionLog.open(
        name,
        slot.partition,
        this.partitionDir(name, slot.partition),
        this.opts.clock.now(),
        this.io,
        this.files,
        'clean',
        lazy.logStartOffset,
        topic.config,
        lazy.cleanedUpTo,
        { segmentBaseOffset: lazy.recoveryPoint.segmentBaseOffset, createdAt: lazy.activeCreatedAt },
      );
    } catch (e) {
      throw new KafkaError(
        ErrorCode.KAFKA_STORAGE_ERROR,
        `could not open partition ${name}-${slot.partition}: ${(e as Error).message}`,
      );
    }
    this.reportRecovery(name, slot.partition, opened.recovery);
    slot.log = opened.log;
    slot.lazy = null;
    return opened.log;
  }

  /** Every opened partition log (lazy ones are left alone). */
  private *openLogs(topics: Iterable<Topic> = this.topics.values()): Generator<PartitionLog> {
    for (const t of topics) for (const s of t.partitions) if (s.log) yield s.log;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.stopping = true;
    await this.cleanerIdle();
    await this.flush();
    await this.checkpointChain;
    this.closed = true;
    this.opts.clock.clearTimeout(this.flushTimer);
    this.opts.clock.clearTimeout(this.retentionTimer);
    this.opts.clock.clearTimeout(this.cleanerTimer);
    for (const log of this.openLogs()) log.close();
    for (const log of this.openLogs(this.creating.values())) log.close();
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
    attempt('the recovery-point checkpoint', () => this.writeRecoveryCheckpoint());
    attempt('the log-start checkpoint', () => this.writeLogStartCheckpoint());
    if (notWritten.length === 0) {
      const marker = path.join(this.dataDir, CLEAN_SHUTDOWN_MARKER);
      attempt('the clean-shutdown marker', () => {
        const fd = fs.openSync(marker, 'w');
        try {
          fs.writeSync(fd, `clean shutdown at ${new Date(this.opts.clock.now()).toISOString()}\n`);
          fs.fsyncSync(fd);
        } catch (e) {
          fs.closeSync(fd);
          fs.rmSync(marker, { force: true }); // a half-written marker must not vouch for anything
          throw e;
        }
        fs.closeSync(fd);
      });
    }
    if (notWritten.length > 0) throw new ShutdownIncompleteError(notWritten, true);
  }

  crash(): void {
    this.closed = true;
    this.opts.clock.clearTimeout(this.flushTimer);
    this.opts.clock.clearTimeout(this.retentionTimer);
    this.opts.clock.clearTimeout(this.cleanerTimer);
    for (const log of this.openLogs()) for (const s of log.segments) s.close();
    this.files.dispose();
  }

  /**
   * Topic directories are never thrown away for want of metadata. A `<topic>-<n>` directory whose topic has no
   * (readable) metadata is adopted: partitions = highest partition directory + 1, configs from what the damaged
   * metadata line still says (else the defaults), a warning logged, the metadata written again. A known topic
   * with partition directories holding data past its partition count (metadata older than the directories) gets
   * its count raised to match. Leftovers of an interrupted deletion (`<dir>.<time>-delete`) are removed.
   */
  private async adoptDirectories(stored: TopicInfo[], damaged: DamagedTopic[], now: number): Promise<TopicInfo[]> {
    const topicsDir = path.join(this.dataDir, 'topics');
    /** Topic name -> highest partition directory + 1: of every directory, and of those holding records. */
    const onDisk = new Map<string, number>();
    const withData = new Map<string, number>();
    const storedCount = new Map(stored.map((t) => [t.name, t.partitions]));
    for (const entry of fs.readdirSync(topicsDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (DELETED_DIR.test(entry.name)) {
        fs.rmSync(path.join(topicsDir, entry.name), { recursive: true, force: true });
        continue;
      }
      const m = /^(.+)-(\d{1,5})$/.exec(entry.name);
      if (!m || topicNameProblem(m[1])) continue;
      const p = Number(m[2]);
      onDisk.set(m[1], Math.max(onDisk.get(m[1]) ?? 0, p + 1));
      // Only a directory past its topic's known partitions can change the count (and reading every one costs
      // a directory listing per partition at each start).
      const known = storedCount.get(m[1]);
      if (known !== undefined && p >= known && partitionDirHoldsData(path.join(topicsDir, entry.name)))
        withData.set(m[1], Math.max(withData.get(m[1]) ?? 0, p + 1));
    }
    const out: TopicInfo[] = [];
    const byName = new Map(stored.map((t) => [t.name, t]));
    for (const t of stored) {
      const dirs = withData.get(t.name) ?? 0;
      if (dirs > t.partitions) {
        this.opts.logger(
          'warn',
          `topic "${t.name}": its metadata says ${t.partitions} partition(s) but partition directories up to ${dirs - 1} hold data; it now has ${dirs}`,
        );
        const info = { ...t, partitions: dirs };
        await this.store.put(info);
        out.push(info);
      } else out.push(t);
    }
    const salvaged = new Map(damaged.map((d) => [d.name, d]));
    for (const [name, dirs] of [...onDisk].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (byName.has(name)) continue;
      const s = salvaged.get(name);
      let configs: TopicConfigs;
      try {
        configs = validateConfigs(s?.configs);
      } catch {
        configs = {}; // a salvaged value that no longer validates: defaults rather than a broken topic
      }
      const info: TopicInfo = { name, partitions: Math.max(dirs, s?.partitions ?? 0), configs, createdAt: now };
      this.opts.logger(
        'warn',
        `topic "${name}" has directories but no readable metadata: adopted with ${info.partitions} partition(s) and ${
          s?.configs
            ? `the configs read off its damaged metadata (${Object.keys(configs).length} override(s))`
            : 'default configs (its overrides, if any, could not be recovered)'
        }`,
      );
      await this.store.put(info);
      out.push(info);
    }
    return out;
  }

  private partitionDir(topic: string, partition: number): string {
    return path.join(this.dataDir, 'topics', `${topic}-${partition}`);
  }

  /** Creating never deletes data: a partition directory that already holds records is refused, not replaced. */
  private refuseDirWithData(topic: string, partition: number): void {
    const dir = this.partitionDir(topic, partition);
    if (partitionDirHoldsData(dir))
      throw new KafkaError(
        ErrorCode.KAFKA_STORAGE_ERROR,
        `cannot create partition ${partition} of topic "${topic}": ${dir} already holds records (restart the broker to adopt them, or remove the directory)`,
      );
  }

  private assertOpen(): void {
    if (this.closed) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, 'the log manager is closed');
  }

  // ------------------------------------------------------------------ topics

  async createTopic(name: string, partitions: number, configs?: TopicConfigs): Promise<TopicInfo> {
    this.assertOpen();
    assertValidTopicName(name);
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new KafkaError(
        ErrorCode.INVALID_PARTITIONS,
        `a topic needs at least 1 partition; ${partitions} was asked for`,
      );
    }
    if (partitions > 10000)
      throw new KafkaError(
        ErrorCode.INVALID_PARTITIONS,
        `${partitions} partitions is more than this broker allows (10000)`,
      );
    const overrides = validateConfigs(configs);
    if (this.topics.has(name) || this.creating.has(name))
      throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic "${name}" already exists`);
    const lower = name.toLowerCase();
    const twin = [...this.topics.keys(), ...this.creating.keys()].find((n) => n.toLowerCase() === lower);
    if (twin)
      throw new KafkaError(
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        `topic "${name}" collides with existing topic "${twin}": names that differ only in case would share a directory on case-insensitive file systems (Windows, macOS)`,
      );
    for (let p = 0; p < partitions; p++) this.refuseDirWithData(name, p);
    const info: TopicInfo = { name, partitions, configs: overrides, createdAt: this.opts.clock.now() };
    const topic: Topic = { info, config: effectiveConfig(overrides), partitions: [] };
    this.creating.set(name, topic);
    try {
      for (let p = 0; p < partitions; p++) {
        const dir = this.partitionDir(name, p);
        // An empty leftover (a creation that stopped half-way) is reused; a directory with data was refused above.
        topic.partitions.push(openSlot(PartitionLog.create(name, p, dir, this.opts.clock.now(), this.io, this.files)));
      }
      await this.store.put(info);
      this.creating.delete(name);
      if (this.closed)
        throw new KafkaError(
          ErrorCode.KAFKA_STORAGE_ERROR,
          `the broker closed while topic "${name}" was being created`,
        );
      this.topics.set(name, topic);
    } catch (e) {
      this.creating.delete(name);
      for (const s of topic.partitions) s.log!.destroy();
      throw e instanceof KafkaError
        ? e
        : new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `could not create topic "${name}": ${(e as Error).message}`);
    }
    this.opts.onEvent('topicCreated', { topic: name, partitions });
    return copyInfo(info);
  }

  async deleteTopic(name: string): Promise<void> {
    this.assertOpen();
    const topic = this.requireTopic(name);
    this.topics.delete(name);
    for (const s of topic.partitions) {
      if (s.log) s.log.destroy();
      else destroyPartitionDir(this.partitionDir(name, s.partition));
    }
    await this.store.remove(name);
    await this.queueRecoveryCheckpoint();
    this.writeLogStartCheckpoint();
    this.opts.onEvent('topicDeleted', { topic: name });
  }

  async createPartitions(name: string, totalCount: number): Promise<void> {
    this.assertOpen();
    const topic = this.requireTopic(name);
    const current = topic.info.partitions;
    if (!Number.isInteger(totalCount) || totalCount <= current) {
      throw new KafkaError(
        ErrorCode.INVALID_PARTITIONS,
        `topic "${name}" has ${current} partitions; partitions can only be added, so the new count must be more than ${current} (got ${totalCount})`,
      );
    }
    if (totalCount > 10000)
      throw new KafkaError(
        ErrorCode.INVALID_PARTITIONS,
        `${totalCount} partitions is more than this broker allows (10000)`,
      );
    for (let p = current; p < totalCount; p++) this.refuseDirWithData(name, p);
    const added: PartitionLog[] = [];
    for (let p = current; p < totalCount; p++) {
      const dir = this.partitionDir(name, p);
      added.push(PartitionLog.create(name, p, dir, this.opts.clock.now(), this.io, this.files));
    }
    const info = { ...topic.info, partitions: totalCount };
    try {
      await this.store.put(info);
    } catch (e) {
      for (const p of added) p.destroy();
      throw new KafkaError(
        ErrorCode.KAFKA_STORAGE_ERROR,
        `could not add partitions to "${name}": ${(e as Error).message}`,
      );
    }
    topic.partitions.push(...added.map(openSlot));
    topic.info = info;
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
    const topic = this.requireTopic(name);
    const set: TopicConfigs = {};
    const reset: string[] = [];
    for (const [k, v] of Object.entries(configs)) {
      if (v === null || v === undefined) reset.push(k);
      else set[k] = v;
    }
    const valid = validateConfigs(set);
    validateConfigs(
      Object.fromEntries(reset.map((k) => [k, describeConfigs({}).find((d) => d.name === k)?.value ?? ''])),
    );
    const merged: TopicConfigs = { ...topic.info.configs, ...valid };
    for (const k of reset) delete merged[k];
    if (opts.validateOnly) return;
    const info = { ...topic.info, configs: merged };
    await this.store.put(info);
    topic.info = info;
    topic.config = effectiveConfig(merged);
  }

  listTopics(): TopicInfo[] {
    return [...this.topics.values()]
      .map((t) => copyInfo(t.info))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  getTopic(name: string): TopicInfo | undefined {
    const t = this.topics.get(name);
    return t ? copyInfo(t.info) : undefined;
  }

  describeTopicConfigs(name: string): ConfigEntry[] {
    return describeConfigs(this.requireTopic(name).info.configs);
  }

  partitionInfo(topic: string, partition: number): PartitionInfo {
    const slot = this.slot(topic, partition);
    if (!slot.log) {
      const lazy = slot.lazy!;
      return {
        topic,
        partition,
        logStartOffset: lazy.logStartOffset,
        logEndOffset: lazy.logEndOffset,
        sizeBytes: lazy.sizeBytes,
        segmentCount: lazy.segmentCount,
        lastTimestamp: lazy.lastTimestamp,
      };
    }
    const log = slot.log;
    return {
      topic,
      partition,
      logStartOffset: log.logStartOffset,
      logEndOffset: log.logEndOffset,
      sizeBytes: log.sizeBytes,
      segmentCount: log.segments.length,
      lastTimestamp: log.lastTimestamp,
    };
  }

  private requireTopic(name: string): Topic {
    const t = this.topics.get(name);
    if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `there is no topic "${name}"`);
    return t;
  }

  private slot(topic: string, partition: number): Slot {
    const t = this.requireTopic(topic);
    const slot = Number.isInteger(partition) ? t.partitions[partition] : undefined;
    if (!slot) {
      throw new KafkaError(
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        `topic "${topic}" has partitions 0..${t.partitions.length - 1}; there is no partition ${partition}`,
      );
    }
    return slot;
  }

  /** The partition's log, opened first when it has not been used since a clean open. */
  partitionLog(topic: string, partition: number): PartitionLog {
    const slot = this.slot(topic, partition);
    return slot.log ?? this.openLazy(this.requireTopic(topic), slot);
  }

  // ------------------------------------------------------------------ records

  parseRecordSet(topic: string, partition: number, recordSet: Buffer): BatchHeader[] {
    this.assertOpen();
    this.slot(topic, partition);
    const t = this.requireTopic(topic);
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
    const config = this.requireTopic(topic).config;
    const now = this.opts.clock.now();
    const { baseOffset, lastOffset } = log.append(recordSet, headers, now, config);
    this.scheduleFlush();
    this.opts.onEvent('append', { topic, partition, logEndOffset: log.logEndOffset });
    return {
      baseOffset,
      lastOffset,
      logAppendTime: config.logAppendTime ? now : -1,
      logStartOffset: log.logStartOffset,
      duplicate: false,
    };
  }

  read(topic: string, partition: number, offset: number, maxBytes: number): FetchResult {
    this.assertOpen();
    return this.partitionLog(topic, partition).read(offset, maxBytes);
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
      this.writeLogStartCheckpoint();
      this.opts.onEvent('recordsDeleted', { topic, partition, logStartOffset: log.logStartOffset });
    }
    return log.logStartOffset;
  }

  *scanBatchHeaders(topic: string, partition: number, fromOffset: number): Iterable<BatchHeader> {
    yield* this.partitionLog(topic, partition).scanBatchHeaders(fromOffset);
  }

  // ------------------------------------------------------------------ retention

  enforceRetention(): void {
    if (this.closed) return;
    const now = this.opts.clock.now();
    let changed = false;
    for (const t of this.topics.values()) {
      if (!t.config.deleteOld) continue;
      for (const slot of t.partitions) {
        // Retention removes only segments before the active one: a partition left unopened with one segment
        // has nothing to remove and stays unopened.
        if (!slot.log && slot.lazy!.segmentCount <= 1) continue;
        const log = this.openLazy(t, slot);
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
    if (changed) this.writeLogStartCheckpoint();
  }

  private scheduleRetention(): void {
    const interval = this.opts.retentionCheckIntervalMs ?? 300_000;
    this.retentionTimer = this.opts.clock.setTimeout(() => {
      try {
        this.enforceRetention();
      } catch (e) {
        this.opts.logger('error', `retention failed: ${(e as Error).message}`);
      }
      if (!this.closed) this.scheduleRetention();
    }, interval);
  }

  // ------------------------------------------------------------------ compaction

  /**
   * Compact a topic now (cleanup.policy must list "compact"): roll each partition's active segment, make
   * everything durable, then clean every cleanable segment whatever its dirty ratio (min.compaction.lag.ms still
   * holds back young segments).
   */
  async compactTopic(name: string): Promise<CompactionStats[]> {
    this.assertOpen();
    const topic = this.requireTopic(name);
    if (!topic.config.compact) {
      throw new KafkaError(
        ErrorCode.INVALID_CONFIG,
        `topic "${name}" has cleanup.policy=${topic.info.configs['cleanup.policy'] ?? 'delete'}; set it to "compact" (or "compact,delete") to compact it`,
      );
    }
    const now = this.opts.clock.now();
    const logs = topic.partitions.map((slot) => this.openLazy(topic, slot));
    for (const log of logs) if (log.active.size > 0) log.roll(now);
    await this.flush();
    if (this.topics.get(name) !== topic)
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${name}" was deleted during compaction`);
    return Promise.all(
      logs.map((log) =>
        this.cleanPartition(topic, log, () => cleanableSegmentCount(log, this.opts.clock.now(), topic.config)),
      ),
    );
  }

  /** One pass of the periodic cleaner over every compacted topic (partitions being cleaned already are skipped). */
  runCleaner(): Promise<CompactionStats[]> {
    if (this.closed || this.stopping) return Promise.resolve([]);
    const now = this.opts.clock.now();
    const runs: Promise<CompactionStats>[] = [];
    for (const t of this.topics.values()) {
      if (!t.config.compact) continue;
      for (const slot of t.partitions) {
        // Only segments before the active one are cleaned: an unopened partition with one segment has none.
        if (!slot.log && slot.lazy!.segmentCount <= 1) continue;
        const log = this.openLazy(t, slot);
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
        const stopped = () => this.stopping || this.closed || this.topics.get(topic.info.name) !== topic;
        const stats = await cleanSegments(
          log,
          stopped() ? 0 : count(),
          this.opts.clock.now(),
          topic.config,
          this.io,
          (cleanedUpTo) => {
            const entries = this.cleanerEntries();
            entries.set(checkpointKey(topic.info.name, log.partition), [cleanedUpTo]);
            writeCheckpoint(path.join(this.dataDir, CLEANER_FILE), entries, true);
          },
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

  private cleanerEntries(): CheckpointEntries {
    const entries: CheckpointEntries = new Map();
    for (const t of this.topics.values()) {
      for (const slot of t.partitions) {
        const cleanedUpTo = slot.log ? slot.log.cleanedUpTo : slot.lazy!.cleanedUpTo;
        if (cleanedUpTo > 0) entries.set(checkpointKey(t.info.name, slot.partition), [cleanedUpTo]);
      }
    }
    return entries;
  }

  private scheduleCleaner(): void {
    this.cleanerTimer = this.opts.clock.setTimeout(() => {
      this.runCleaner().catch((e: Error) => this.opts.logger('error', `log cleaner: ${e.message}`));
      if (!this.closed) this.scheduleCleaner();
    }, this.opts.cleanerIntervalMs ?? 15_000);
  }

  // ------------------------------------------------------------------ durability

  private scheduleFlush(): void {
    if (this.flushTimer || this.closed) return;
    this.flushTimer = this.opts.clock.setTimeout(() => {
      this.flushTimer = undefined;
      this.flush().catch((e: Error) => this.opts.logger('error', `flush failed: ${e.message}`));
    }, this.opts.flush.intervalMs);
  }

  /** Group commit: callers arriving while a flush runs share the next one, which starts when it ends. */
  flush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.pendingFlush) return this.pendingFlush;
    const run = this.flushChain.then(() => {
      this.pendingFlush = null;
      return this.flushNow();
    });
    this.pendingFlush = run;
    this.flushChain = run.catch(() => undefined);
    return run;
  }

  private async flushNow(): Promise<void> {
    if (this.closed) return;
    const work: {
      log: PartitionLog;
      point: RecoveryPoint;
      segments: ReturnType<PartitionLog['prepareFlush']>['segments'];
    }[] = [];
    for (const log of this.openLogs()) {
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
        Math.max(1, Math.min(FSYNC_CONCURRENCY, Math.floor(this.files.maxOpenFiles / 2))),
      );
    } catch (e) {
      throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `fsync failed: ${(e as Error).message}`);
    }
    for (const w of work) w.log.recoveryPoint = w.point;
    if (!this.closed) await this.queueRecoveryCheckpoint();
  }

  /**
   * Write the recovery-point checkpoint off the event loop (a flush happens every flush interval under load; a
   * synchronous open/write/rename there cost ~5 ms of blocked loop each time). Writes are chained, and each one
   * reads the state when it runs, so a later write never loses to an earlier one.
   */
  private queueRecoveryCheckpoint(): Promise<void> {
    const run = this.checkpointChain.then(() =>
      this.closed
        ? undefined
        : writeCheckpointAsync(path.join(this.dataDir, RECOVERY_POINT_FILE), this.recoveryEntries()),
    );
    this.checkpointChain = run.catch((e: Error) =>
      this.opts.logger('warn', `recovery checkpoint not written: ${e.message}`),
    );
    return this.checkpointChain;
  }

  private recoveryEntries(): CheckpointEntries {
    const entries: CheckpointEntries = new Map();
    for (const t of this.topics.values()) {
      for (const slot of t.partitions) {
        const key = checkpointKey(t.info.name, slot.partition);
        const log = slot.log;
        if (log?.recoveryPoint) {
          entries.set(key, [
            log.recoveryPoint.segmentBaseOffset,
            log.recoveryPoint.position,
            log.active.createdAt,
            log.logEndOffset,
            log.sizeBytes,
            log.segments.length,
            log.lastTimestamp + 1,
          ]);
        } else if (slot.lazy) {
          const z = slot.lazy;
          entries.set(key, [
            z.recoveryPoint.segmentBaseOffset,
            z.recoveryPoint.position,
            z.activeCreatedAt,
            z.logEndOffset,
            z.sizeBytes,
            z.segmentCount,
            z.lastTimestamp + 1,
          ]);
        }
      }
    }
    return entries;
  }

  private writeRecoveryCheckpoint(): void {
    writeCheckpoint(path.join(this.dataDir, RECOVERY_POINT_FILE), this.recoveryEntries(), false);
  }

  private writeLogStartCheckpoint(): void {
    const entries: CheckpointEntries = new Map();
    for (const t of this.topics.values()) {
      for (const slot of t.partitions)
        entries.set(checkpointKey(t.info.name, slot.partition), [
          slot.log ? slot.log.logStartOffset : slot.lazy!.logStartOffset,
        ]);
    }
    writeCheckpoint(path.join(this.dataDir, LOG_START_FILE), entries, true);
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

/** A renamed partition directory whose removal may have been interrupted (partition-log.ts destroy()). */
const DELETED_DIR = /\.\d+-delete$/;

/** True when the directory exists and one of its segment files holds at least one byte. */
function partitionDirHoldsData(dir: string): boolean {
  let files: string[];
  try {
    files = fs.readdirSync(dir);
  } catch {
    return false;
  }
  return files.some((f) => /^\d{20}\.log$/.test(f) && fs.statSync(path.join(dir, f)).size > 0);
}

function copyInfo(t: TopicInfo): TopicInfo {
  return { name: t.name, partitions: t.partitions, configs: { ...t.configs }, createdAt: t.createdAt };
}
