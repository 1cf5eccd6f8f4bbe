/**
 * The topic catalog of the log manager: every topic's metadata (kept in topic-store.ts), its effective config
 * and its partitions, each one a partition log once opened or, until then, what the checkpoints written at a clean
 * shutdown said about it (lazy open). Owns the `<dataDir>/topics/<topic>-<partition>/` directories: creating,
 * adding partitions, altering configs, deleting, and adopting directories whose metadata is missing or damaged.
 *
 * Rules: creating never deletes data (a partition directory that holds records is refused, not replaced); a
 * topic being created is invisible (no reads, appends or listing) until its metadata is stored, and is rolled
 * back whole when that fails; names that differ only in case are refused (they would share a directory on
 * case-insensitive file systems); a directory with no readable metadata is adopted, never destroyed; a partition
 * opened lazily is opened as after a clean shutdown (nothing can have written to it since), and what opening
 * rebuilt or cut is logged (event 'recoveryTruncated' when bytes were cut). Every topic gets a new topic id
 * (topic-id.ts) when it is created, and when it is adopted unless its damaged metadata still names one.
 *
 * Callers: log-manager.ts (the facade: it adds the events, checkpoints and the closed check around these),
 * checkpoint-writer.ts and retention-scheduler.ts (they walk the catalog).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Logger, LogManagerOptions } from '../api';
import { ErrorCode, KafkaError } from '../errors';
import type { ConfigEntry, PartitionInfo, TopicConfigs, TopicInfo } from '../types';
import type { CheckpointEntries } from './checkpoints';
import { checkpointKey } from './checkpoints';
import type { EffectiveConfig } from './configs';
import { assertValidTopicName, describeConfigs, effectiveConfig, validateConfigs } from './configs';
import type { FileCache } from './file-cache';
import type { RecoveryPoint } from './partition-log';
import { destroyPartitionDir, PartitionLog } from './partition-log';
import type { StorageIo } from './segment';
import type { DamagedTopic } from './topic-store';
import { TopicStore } from './topic-store';
import { topicNameProblem } from '../../shared/topic-name';
import { newTopicId } from '../topic-id';

/** Default of StorageOptions.recoveryRecheckBytes: ~3 ms of CRC-32C per partition. */
export const RECOVERY_RECHECK_BYTES = 1024 * 1024;

/** The most partitions a topic may have here. */
const MAX_PARTITIONS = 10000;

/**
 * What the checkpoints written at a clean shutdown say about a partition that has not been opened since (lazy
 * open); exact, since nothing can have changed a partition this process has not opened.
 */
export interface LazyPartition {
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
export interface Slot {
  partition: number;
  log: PartitionLog | null;
  lazy: LazyPartition | null;
}

export interface Topic {
  info: TopicInfo;
  config: EffectiveConfig;
  partitions: Slot[];
}

/** The checkpoints as read at open, by checkpointKey (checkpoint-writer.ts reads them). */
export interface PartitionCheckpoints {
  recoveryPoints: CheckpointEntries;
  logStarts: CheckpointEntries;
  cleaned: CheckpointEntries;
}

function openSlot(log: PartitionLog): Slot {
  return { partition: log.partition, log, lazy: null };
}

export class TopicCatalog {
  readonly topics = new Map<string, Topic>();
  /**
   * Topics whose creation is still being persisted: not visible (no reads, no appends, not listed) until their
   * metadata is stored, so nothing is acknowledged into a topic whose creation could still be rolled back.
   */
  readonly creating = new Map<string, Topic>();
  /** Names whose deletion is writing topics.db: held so a creation cannot take them meanwhile. */
  private readonly deleting = new Set<string>();
  private store!: TopicStore;

  constructor(
    private readonly dataDir: string,
    private readonly opts: Pick<LogManagerOptions, 'clock' | 'logger' | 'onEvent'>,
    private readonly io: StorageIo,
    private readonly files: FileCache,
  ) {}

  private get logger(): Logger {
    return this.opts.logger;
  }

  /**
   * Read the topic store, adopt directories without metadata, and open every partition: lazily when the last
   * shutdown was clean and its checkpoint line says everything partitionInfo needs, else now (its tail checked
   * past the recovery point). Returns how many topics there are and whether any partition's tail was cut.
   */
  async open(
    checkpoints: PartitionCheckpoints,
    clean: boolean,
    recheckBytes: number,
  ): Promise<{ topics: number; truncatedAny: boolean }> {
    const { recoveryPoints, logStarts, cleaned } = checkpoints;
    const {
      store,
      topics: stored,
      damaged,
    } = await TopicStore.open(path.join(this.dataDir, 'meta'), this.logger, this.opts.clock.now());
    this.store = store;
    const now = this.opts.clock.now();
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
        if (clean && rp && rp.length >= 7 && logStart) {
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
        const point: RecoveryPoint | 'clean' | null = clean
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
          recheckBytes,
        );
        topic.partitions.push(openSlot(log));
        if (this.reportRecovery(info.name, p, recovery)) truncatedAny = true;
      }
      this.topics.set(info.name, topic);
    }
    return { topics: topics.length, truncatedAny };
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
  openLazy(topic: Topic, slot: Slot): PartitionLog {
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
  *openLogs(topics: Iterable<Topic> = this.topics.values()): Generator<PartitionLog> {
    for (const t of topics) for (const s of t.partitions) if (s.log) yield s.log;
  }

  /** How many partitions are open (not lazy). */
  partitionsOpen(): number {
    let open = 0;
    for (const t of this.topics.values()) for (const s of t.partitions) if (s.log) open++;
    return open;
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
        this.logger(
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
      let invalid = '';
      try {
        configs = validateConfigs(s?.configs);
      } catch (e) {
        configs = {}; // a salvaged value that no longer validates: defaults rather than a broken topic
        invalid = (e as Error).message;
      }
      const info: TopicInfo = {
        name,
        topicId: s?.topicId ?? newTopicId(),
        partitions: Math.max(dirs, s?.partitions ?? 0),
        configs,
        createdAt: now,
      };
      this.logger(
        'warn',
        `topic "${name}" has directories but no readable metadata: adopted with ${info.partitions} partition(s) and ${
          !s?.configs
            ? 'default configs (its overrides, if any, could not be recovered)'
            : invalid
              ? `default configs: the ${Object.keys(s.configs).length} override(s) read off its damaged metadata are not valid (${invalid})`
              : `the configs read off its damaged metadata (${Object.keys(configs).length} override(s))`
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

  /** Create a topic (invisible until its metadata is stored; rolled back whole on failure). `closed`: the log manager closed meanwhile. */
  async createTopic(
    name: string,
    partitions: number,
    configs: TopicConfigs | undefined,
    closed: () => boolean,
  ): Promise<TopicInfo> {
    assertValidTopicName(name);
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new KafkaError(
        ErrorCode.INVALID_PARTITIONS,
        `a topic needs at least 1 partition; ${partitions} was asked for`,
      );
    }
    if (partitions > MAX_PARTITIONS)
      throw new KafkaError(
        ErrorCode.INVALID_PARTITIONS,
        `${partitions} partitions is more than this broker allows (10000)`,
      );
    const overrides = validateConfigs(configs);
    if (this.topics.has(name) || this.creating.has(name))
      throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic "${name}" already exists`);
    if (this.deleting.has(name))
      throw new KafkaError(
        ErrorCode.TOPIC_ALREADY_EXISTS,
        `topic "${name}" is being deleted; create it again once that ends`,
      );
    const lower = name.toLowerCase();
    const twin = [...this.topics.keys(), ...this.creating.keys()].find((n) => n.toLowerCase() === lower);
    if (twin)
      throw new KafkaError(
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        `topic "${name}" collides with existing topic "${twin}": names that differ only in case would share a directory on case-insensitive file systems (Windows, macOS)`,
      );
    for (let p = 0; p < partitions; p++) this.refuseDirWithData(name, p);
    const info: TopicInfo = {
      name,
      topicId: newTopicId(),
      partitions,
      configs: overrides,
      createdAt: this.opts.clock.now(),
    };
    const topic: Topic = { info, config: effectiveConfig(overrides), partitions: [] };
    this.creating.set(name, topic);
    let stored = false;
    try {
      for (let p = 0; p < partitions; p++) {
        const dir = this.partitionDir(name, p);
        // An empty leftover (a creation that stopped half-way) is reused; a directory with data was refused above.
        topic.partitions.push(openSlot(PartitionLog.create(name, p, dir, this.opts.clock.now(), this.io, this.files)));
      }
      await this.store.put(info);
      stored = true;
      this.creating.delete(name);
      if (closed())
        throw new KafkaError(
          ErrorCode.KAFKA_STORAGE_ERROR,
          `the broker closed while topic "${name}" was being created`,
        );
      this.topics.set(name, topic);
    } catch (e) {
      this.creating.delete(name);
      for (const s of topic.partitions) s.log!.destroy();
      // Rolled back whole: stored metadata would bring the topic back (empty) at the next open.
      if (stored)
        await this.store
          .remove(name)
          .catch((err: Error) =>
            this.logger(
              'warn',
              `topic "${name}": its metadata could not be removed after a failed creation: ${err.message}`,
            ),
          );
      throw e instanceof KafkaError
        ? e
        : new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `could not create topic "${name}": ${(e as Error).message}`);
    }
    return copyInfo(info);
  }

  /**
   * Remove the topic from the catalog, then its metadata, then its partition directories. The topic leaves the
   * catalog at once, so nothing new reaches it while its topics.db line is removed, and its name is held
   * (creation refuses it) until the deletion ends. When that write fails the topic is put back and nothing is
   * deleted, so it never comes back empty after a restart.
   */
  async deleteTopic(name: string): Promise<void> {
    const topic = this.requireTopic(name);
    this.topics.delete(name);
    this.deleting.add(name);
    try {
      await this.store.remove(name);
    } catch (e) {
      this.topics.set(name, topic);
      throw new KafkaError(
        ErrorCode.KAFKA_STORAGE_ERROR,
        `could not delete topic "${name}": ${(e as Error).message}; the topic and its records are unchanged`,
      );
    } finally {
      this.deleting.delete(name);
    }
    for (const s of topic.partitions) {
      if (s.log) s.log.destroy();
      else destroyPartitionDir(this.partitionDir(name, s.partition));
    }
  }

  async createPartitions(name: string, totalCount: number): Promise<void> {
    const topic = this.requireTopic(name);
    const current = topic.info.partitions;
    if (!Number.isInteger(totalCount) || totalCount <= current) {
      throw new KafkaError(
        ErrorCode.INVALID_PARTITIONS,
        `topic "${name}" has ${current} partitions; partitions can only be added, so the new count must be more than ${current} (got ${totalCount})`,
      );
    }
    if (totalCount > MAX_PARTITIONS)
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
    try {
      await this.store.put(info);
    } catch (e) {
      throw new KafkaError(
        ErrorCode.KAFKA_STORAGE_ERROR,
        `could not change the configs of topic "${name}": ${(e as Error).message}; its configs are unchanged`,
      );
    }
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

  requireTopic(name: string): Topic {
    const t = this.topics.get(name);
    if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `there is no topic "${name}"`);
    return t;
  }

  slot(topic: string, partition: number): Slot {
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
  return {
    name: t.name,
    topicId: t.topicId,
    partitions: t.partitions,
    configs: { ...t.configs },
    createdAt: t.createdAt,
  };
}
