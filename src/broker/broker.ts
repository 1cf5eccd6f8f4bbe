/**
 * Broker: the engine's one facade. It composes the log manager (storage), the group coordinator, the offset
 * store, the producer state manager and the transaction coordinator, and it owns the rules that span them: the
 * idempotent produce path (check the sequence window, append, then record), offset resets (refused while a group
 * has members), lag, transactional offset commits (checked against the transaction and the group), and deleting
 * a topic everywhere. The wire protocol server, the in-process client and the extension all talk
 * to this class and nothing below it.
 *
 * Who may call it: anything in-process. It never imports vscode or net.
 */
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import type {
  AbortedTransaction,
  GroupCoordinator,
  LogManager,
  Logger,
  OffsetStore,
  ProducerStateManager,
  ProducerTransactionState,
  TxnMarkerWriter,
  TxnPartitionVerifier,
} from './api';
import type { Clock } from './clock';
import { systemClock } from './clock';
import { ErrorCode, KafkaError, ShutdownIncompleteError } from './errors';
import { openLogManager } from './storage/log-manager';
import {
  encodeRecordBatch,
  decodeRecordBatches,
  BATCH_HEADER_SIZE,
  isControlBatch,
  isTransactionalBatch,
  LOG_OVERHEAD,
  OFFSET_BATCH_LENGTH,
  OFFSET_LAST_OFFSET_DELTA,
  readInt64,
} from './storage/record-batch';
import { CONTROL_TYPE_ABORT, CONTROL_TYPE_COMMIT, markTransactional } from './storage/control-batch';
import { LogTxnMarkerWriter } from './storage/txn-markers';
import { choosePartition } from './partitioner';
import type { GroupLag } from './lag';
import { computeGroupLag } from './lag';
import { createGroupCoordinator, MAX_SESSION_TIMEOUT_MS, MIN_SESSION_TIMEOUT_MS } from './groups/coordinator';
import type { BrokerConfigEntry } from './storage/configs';
import { describeBrokerConfigs } from './storage/configs';
import { decodeSubscription } from './groups/consumer-protocol';
import { openOffsetStore } from './offsets/offset-store';
import { openProducerStateManager } from './producers/producer-state';
import type { TransactionDescription, TransactionFilter, TransactionListing } from './transactions/coordinator';
import { TransactionCoordinator } from './transactions/coordinator';
import type {
  AppendResult,
  BrokerEvents,
  CommitHistoryEntry,
  CompactionStats,
  CommittedOffset,
  ConfigEntry,
  ConsumedRecord,
  FetchResult,
  GroupDescription,
  GroupListing,
  JoinGroupRequest,
  JoinGroupResult,
  OffsetCommitEntry,
  OffsetForTime,
  OffsetResetSpec,
  PartitionInfo,
  ProduceRecord,
  ProducerIdAndEpoch,
  ProducerPartitionState,
  SyncGroupRequest,
  SyncGroupResult,
  TopicConfigs,
  TopicInfo,
} from './types';
import type { TopicPartition } from '../shared/topic-partition';
import { TopicPartitionMap } from '../shared/topic-partition';
import {
  EARLIEST_LOCAL_TIMESTAMP,
  EARLIEST_TIMESTAMP,
  LATEST_TIERED_TIMESTAMP,
  LATEST_TIMESTAMP,
  MAX_TIMESTAMP,
} from './types';

export interface BrokerOptions {
  dataDir: string;
  clock?: Clock;
  /** fsync batching interval in ms (the flush policy). Default 50. */
  flushIntervalMs?: number;
  autoCreateTopics?: boolean;
  defaultPartitions?: number;
  initialRebalanceDelayMs?: number;
  commitHistoryLimit?: number;
  /** Segment files the storage engine keeps open at most (see StorageOptions.maxOpenFiles). Default 512. */
  maxOpenFiles?: number;
  logger?: Logger;
  /**
   * Where the transaction coordinator writes COMMIT/ABORT markers. Default: the partition logs
   * (storage/txn-markers.ts over the log manager and the producer state); tests inject a recording fake.
   */
  txnMarkers?: (logs: LogManager) => TxnMarkerWriter;
  /** Kafka's transaction.max.timeout.ms (default 900000). */
  transactionMaxTimeoutMs?: number;
  /** How often timed-out transactions are looked for (Kafka's ...cleanup.interval.ms, default 10000). */
  transactionAbortCheckIntervalMs?: number;
}

/** Kafka's default transaction.timeout.ms, used when a caller names none. */
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * The transaction coordinator refused a transactional batch before it reached the partition's log (Kafka's
 * transaction partition verification): Produce answers it with logStartOffset -1, as Kafka does.
 */
export class TxnVerificationError extends KafkaError {}

export interface ProduceOptions {
  /** Explicit partition; otherwise murmur2(key) % partitions, keyless records spread round-robin. */
  partition?: number;
  /** Idempotent producer fields; the batch carries them and goes through the sequence check. */
  producer?: { producerId: number; producerEpoch: number; baseSequence: number };
  /** 0 none, 1 gzip (the engine's own encoder supports none and gzip). */
  compression?: 0 | 1;
  /**
   * A transactional batch of this producer (`producer` must be given): checked by the transaction coordinator
   * (useTxnPartitionVerifier), it stays invisible to read_committed readers until its transaction ends.
   */
  transactionalId?: string;
}

export interface ProduceResult extends AppendResult {
  topic: string;
  partition: number;
  recordCount: number;
}

type EventName = keyof BrokerEvents;

/**
 * The default of initialRebalanceDelayMs: 0, where Kafka waits 3000 ms (docs/ARCHITECTURE.md, "Groups", says why:
 * a local broker's usual group is one consumer started by hand or by a test, which should not wait 3 s).
 */
export const DEFAULT_INITIAL_REBALANCE_DELAY_MS = 0;

export class Broker {
  readonly events: EventEmitter;
  /** Truncations made by recovery when this broker opened (empty after a clean shutdown). */
  recoveries: BrokerEvents['recoveryTruncated'][] = [];
  readonly clock: Clock;
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  /** How long the first rebalance of a new group waits for more members (Kafka's group.initial.rebalance.delay.ms). */
  readonly initialRebalanceDelayMs: number;
  /** The flush policy's fsync batching interval (described as the broker config log.flush.interval.ms). */
  readonly flushIntervalMs: number;
  private closed = false;
  private roundRobin = 0;
  /** Creations in flight, automatic or explicit, by topic name (see ensureTopic). */
  private readonly creating = new Map<string, Promise<TopicInfo | undefined>>();
  /**
   * What the transaction coordinator asks of the partition logs (commit/abort markers, the last stable offset, the
   * aborted-transaction index): storage/txn-markers.ts over this broker's logs and producer state.
   */
  readonly txnMarkers: TxnMarkerWriter;
  /** The coordinator's check of a transactional produce; none: transactional produce is refused. */
  private txnVerifier: TxnPartitionVerifier | null = null;
  /** Topic id -> name; built on first use, dropped whenever a topic is created or deleted. */
  private topicIdIndex: Map<string, string> | undefined;

  private constructor(
    readonly dataDir: string,
    readonly logs: LogManager,
    readonly groups: GroupCoordinator,
    readonly offsets: OffsetStore,
    readonly producers: ProducerStateManager & ProducerTransactionState,
    /** The transaction coordinator; also the produce path's TxnPartitionVerifier. */
    readonly transactions: TransactionCoordinator,
    txnMarkers: TxnMarkerWriter,
    clock: Clock,
    opts: BrokerOptions,
    events: EventEmitter,
  ) {
    this.events = events;
    this.clock = clock;
    this.autoCreateTopics = opts.autoCreateTopics ?? true;
    this.defaultPartitions = opts.defaultPartitions ?? 1;
    this.initialRebalanceDelayMs = opts.initialRebalanceDelayMs ?? DEFAULT_INITIAL_REBALANCE_DELAY_MS;
    this.flushIntervalMs = opts.flushIntervalMs ?? 50;
    this.txnMarkers = txnMarkers;
    const dropIndex = () => (this.topicIdIndex = undefined);
    events.on('topicCreated', dropIndex);
    events.on('topicDeleted', dropIndex);
  }

  static async open(opts: BrokerOptions): Promise<Broker> {
    const clock = opts.clock ?? systemClock;
    const dataDir = path.resolve(opts.dataDir);
    fs.mkdirSync(path.join(dataDir, 'meta'), { recursive: true });
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    const recoveries: BrokerEvents['recoveryTruncated'][] = [];
    const logger: Logger = (level, message) => {
      opts.logger?.(level, message);
      emitter.emit('log', { level, message });
    };
    const onEvent = (event: string, payload: unknown) => {
      if (event === 'recoveryTruncated') recoveries.push(payload as BrokerEvents['recoveryTruncated']);
      emitter.emit(event, payload);
    };
    const metaDir = path.join(dataDir, 'meta');
    // The log manager and the offset store do not depend on each other: open them concurrently (activation
    // time in the extension host is mostly waiting on their file reads).
    const [logsResult, offsetsResult] = await Promise.allSettled([
      openLogManager({
        dataDir,
        clock,
        flush: { intervalMs: opts.flushIntervalMs ?? 50 },
        logger,
        onEvent,
        maxOpenFiles: opts.maxOpenFiles,
      }),
      openOffsetStore({ dir: metaDir, clock, historyLimit: opts.commitHistoryLimit ?? 50, logger }),
    ]);
    if (logsResult.status === 'rejected' || offsetsResult.status === 'rejected') {
      // Leave nothing half-open (timers, file handles) when a part fails to open.
      if (logsResult.status === 'fulfilled') await logsResult.value.close().catch(() => undefined);
      if (offsetsResult.status === 'fulfilled') await offsetsResult.value.close().catch(() => undefined);
      throw logsResult.status === 'rejected' ? logsResult.reason : (offsetsResult as PromiseRejectedResult).reason;
    }
    const logs = logsResult.value;
    const offsets = offsetsResult.value;
    const groups = createGroupCoordinator({
      clock,
      initialRebalanceDelayMs: opts.initialRebalanceDelayMs ?? DEFAULT_INITIAL_REBALANCE_DELAY_MS,
      logger,
      onEvent,
    });
    let transactions: TransactionCoordinator | undefined;
    try {
      const producers = await openProducerStateManager({ dir: metaDir, clock, logs, logger });
      // The marker writer emits 'txnMarker' once a marker is appended (the Broker re-emits it, as every event).
      const markers = opts.txnMarkers?.(logs) ?? new LogTxnMarkerWriter({ logs, producers, clock, onEvent });
      try {
        transactions = TransactionCoordinator.open({
          dir: metaDir,
          clock,
          logger,
          markers,
          producerIds: producers,
          offsets,
          partitionExists: (topic, partition) => {
            const t = logs.getTopic(topic);
            return !!t && Number.isInteger(partition) && partition >= 0 && partition < t.partitions;
          },
          maxTimeoutMs: opts.transactionMaxTimeoutMs,
          abortCheckIntervalMs: opts.transactionAbortCheckIntervalMs,
          onEvent,
        });
        await transactions.recover();
        // Data of a transaction reaches the disk (a flush) only after the line that added its partition.
        const coordinator = transactions;
        logs.setFlushBarrier(() => coordinator.durable());
      } catch (e) {
        await transactions?.close().catch(() => undefined);
        await producers.close().catch(() => undefined);
        throw e;
      }
      const broker = new Broker(dataDir, logs, groups, offsets, producers, transactions, markers, clock, opts, emitter);
      // The produce path asks the coordinator whether a transactional batch's partition is in its transaction.
      broker.useTxnPartitionVerifier(transactions);
      broker.recoveries = recoveries;
      return broker;
    } catch (e) {
      groups.close();
      await offsets.close().catch(() => undefined);
      await logs.close().catch(() => undefined);
      throw e;
    }
  }

  on<K extends EventName>(event: K, listener: (payload: BrokerEvents[K]) => void): () => void {
    this.events.on(event, listener as (p: unknown) => void);
    return () => this.events.off(event, listener as (p: unknown) => void);
  }

  private emit<K extends EventName>(event: K, payload: BrokerEvents[K]): void {
    this.events.emit(event, payload);
  }

  // ------------------------------------------------------------------ topics

  async createTopic(name: string, partitions?: number, configs?: TopicConfigs): Promise<TopicInfo> {
    this.assertOpen();
    const made = this.logs.createTopic(name, partitions ?? this.defaultPartitions, configs);
    // An auto-creation asked while this one runs waits for it and gets its topic (or, if this one is refused,
    // whatever exists then), instead of finding the name taken and no topic yet.
    if (!this.creating.has(name)) {
      void this.track(
        name,
        made.catch(() => this.logs.getTopic(name)),
      );
    }
    return made;
  }

  private track(name: string, creation: Promise<TopicInfo | undefined>): Promise<TopicInfo | undefined> {
    const shared = creation.finally(() => {
      if (this.creating.get(name) === shared) this.creating.delete(name);
    });
    this.creating.set(name, shared);
    return shared;
  }

  /**
   * The topic, auto-created with the default partition count when missing and auto-creation is on (undefined
   * otherwise). Callers asking while a creation is in flight share it, and their continuations run in the order
   * they asked: produce requests that arrive back to back for a new topic are appended in arrival order.
   */
  ensureTopic(name: string): Promise<TopicInfo | undefined> {
    const t = this.logs.getTopic(name);
    if (t || !this.autoCreateTopics) return Promise.resolve(t);
    const pending = this.creating.get(name);
    // A creation in flight is shared; if it ends with no topic (an explicit create refused), create it now.
    return pending ? pending.then((made) => made ?? this.autoCreate(name)) : this.autoCreate(name);
  }

  private autoCreate(name: string): Promise<TopicInfo | undefined> {
    const t = this.logs.getTopic(name);
    if (t) return Promise.resolve(t);
    return (
      this.creating.get(name) ??
      this.track(
        name,
        this.logs.createTopic(name, this.defaultPartitions).catch((e: unknown) => {
          if (e instanceof KafkaError && e.code === ErrorCode.TOPIC_ALREADY_EXISTS) return this.logs.getTopic(name);
          throw e;
        }),
      )
    );
  }

  async deleteTopic(name: string): Promise<void> {
    this.assertOpen();
    await this.logs.deleteTopic(name);
    this.producers.deleteTopic(name);
    await this.offsets.deleteTopic(name);
  }

  createPartitions(name: string, totalCount: number): Promise<void> {
    return this.logs.createPartitions(name, totalCount);
  }

  /** Set (string) or reset to the default (null) topic config overrides; see LogManager.alterTopicConfigs. */
  alterTopicConfigs(
    name: string,
    configs: Record<string, string | null>,
    opts?: { validateOnly?: boolean },
  ): Promise<void> {
    return this.logs.alterTopicConfigs(name, configs, opts);
  }

  listTopics(): TopicInfo[] {
    return this.logs.listTopics();
  }

  getTopic(name: string): TopicInfo | undefined {
    return this.logs.getTopic(name);
  }

  /** The topic with this id (canonical UUID text), or undefined: never a later topic of the same name. */
  getTopicById(topicId: string): TopicInfo | undefined {
    this.topicIdIndex ??= new Map(this.logs.listTopics().map((t) => [t.topicId, t.name]));
    const name = this.topicIdIndex.get(topicId);
    const t = name === undefined ? undefined : this.logs.getTopic(name);
    return t?.topicId === topicId ? t : undefined;
  }

  describeTopicConfigs(name: string): ConfigEntry[] {
    return this.logs.describeTopicConfigs(name);
  }

  /** The broker-level configs (DescribeConfigs resource type 4) this broker runs with; all read-only. */
  describeBrokerConfigs(nodeId: number): BrokerConfigEntry[] {
    return describeBrokerConfigs({
      nodeId,
      dataDir: this.dataDir,
      autoCreateTopics: this.autoCreateTopics,
      defaultPartitions: this.defaultPartitions,
      initialRebalanceDelayMs: this.initialRebalanceDelayMs,
      flushIntervalMs: this.flushIntervalMs,
      minSessionTimeoutMs: MIN_SESSION_TIMEOUT_MS,
      maxSessionTimeoutMs: MAX_SESSION_TIMEOUT_MS,
    });
  }

  partitionInfo(topic: string, partition: number): PartitionInfo {
    const info = this.logs.partitionInfo(topic, partition);
    return { ...info, lastStableOffset: this.stableOffsetOf(info) };
  }

  partitions(topic: string): PartitionInfo[] {
    const t = this.requireTopic(topic);
    const out: PartitionInfo[] = [];
    for (let p = 0; p < t.partitions; p++) out.push(this.partitionInfo(topic, p));
    return out;
  }

  // ------------------------------------------------------------------ records

  /**
   * Append a produced record set (the bytes a client sent) to one partition. Idempotent batches go through
   * the producer's sequence window: a retry of a stored batch returns its original offsets and appends
   * nothing. Throws KafkaError; on any error nothing is written.
   */
  appendRecordSet(
    topic: string,
    partition: number,
    recordSet: Buffer,
    transactionalId: string | null = null,
  ): AppendResult {
    this.assertOpen();
    const headers = this.logs.parseRecordSet(topic, partition, recordSet);
    let idempotent = false;
    let transactional = false;
    for (let i = 0; i < headers.length; i++) {
      if (headers[i].producerId >= 0) idempotent = true;
      if (isTransactionalBatch(headers[i].attributes) || isControlBatch(headers[i].attributes)) transactional = true;
    }
    if (transactional) this.checkTransactionalProduce(topic, partition, headers, transactionalId);
    if (idempotent) {
      if (headers.length !== 1) {
        throw new KafkaError(
          ErrorCode.INVALID_RECORD,
          'an idempotent produce must carry exactly one record batch per partition',
        );
      }
      const verdict = this.producers.check(topic, partition, headers[0]);
      if (verdict.kind === 'duplicate') {
        const info = this.logs.partitionInfo(topic, partition);
        return {
          baseOffset: verdict.baseOffset,
          lastOffset: verdict.lastOffset,
          logAppendTime: -1,
          logStartOffset: info.logStartOffset,
          duplicate: true,
        };
      }
      const result = this.logs.appendValidated(topic, partition, recordSet, headers);
      this.producers.record(topic, partition, headers[0], result.baseOffset);
      return result;
    }
    return this.logs.appendValidated(topic, partition, recordSet, headers);
  }

  /** Produce records through the engine (panels, tests, benchmarks): encodes one v2 batch and appends it. */
  async produce(topic: string, records: ProduceRecord[], opts: ProduceOptions = {}): Promise<ProduceResult> {
    const t = (await this.ensureTopic(topic)) ?? this.requireTopic(topic);
    if (records.length === 0)
      throw new KafkaError(ErrorCode.INVALID_REQUEST, 'nothing to produce: the record list is empty');
    let partition = opts.partition;
    if (partition === undefined) {
      partition = choosePartition(records[0].key ?? null, t.partitions, () => this.roundRobin++);
    }
    if (!Number.isInteger(partition) || partition < 0 || partition >= t.partitions) {
      throw new KafkaError(
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        `topic "${topic}" has partitions 0..${t.partitions - 1}; there is no partition ${partition}`,
      );
    }
    const now = this.clock.now();
    const batch = encodeRecordBatch(
      records.map((r) => ({
        key: toBuf(r.key ?? null),
        value: toBuf(r.value),
        headers: r.headers ?? [],
        timestamp: r.timestamp ?? now,
      })),
      {
        producerId: opts.producer?.producerId ?? -1,
        producerEpoch: opts.producer?.producerEpoch ?? -1,
        baseSequence: opts.producer?.baseSequence ?? -1,
        compression: opts.compression ?? 0,
      },
    );
    if (opts.transactionalId !== undefined) markTransactional(batch);
    const result = this.appendRecordSet(topic, partition, batch, opts.transactionalId ?? null);
    return { ...result, topic, partition, recordCount: records.length };
  }

  /**
   * Whole batches from the one containing `offset`, up to maxBytes. isolationLevel 1 (read_committed) returns only
   * batches below the last stable offset, and the aborted transactions overlapping what it returns.
   */
  fetch(topic: string, partition: number, offset: number, maxBytes: number, isolationLevel: 0 | 1 = 0): FetchResult {
    const lso = this.lastStableOffset(topic, partition);
    if (isolationLevel !== 1) return { ...this.logs.read(topic, partition, offset, maxBytes), lastStableOffset: lso };
    const r = this.logs.read(topic, partition, offset, maxBytes, lso);
    const upper = endOffsetOf(r.records);
    const aborted = upper > offset ? this.logs.abortedTransactions(topic, partition, offset, upper) : [];
    return {
      ...r,
      lastStableOffset: lso,
      abortedTransactions: aborted.map((a) => ({ producerId: a.producerId, firstOffset: a.firstOffset })),
    };
  }

  /**
   * The partition's last stable offset: the first offset of its earliest open transaction, else the high
   * watermark; never below the log start offset.
   */
  lastStableOffset(topic: string, partition: number): number {
    return this.stableOffsetOf(this.logs.partitionInfo(topic, partition));
  }

  private stableOffsetOf(info: PartitionInfo): number {
    const first = this.producers.firstUnstableOffset(info.topic, info.partition);
    if (first === null) return info.logEndOffset;
    return Math.max(info.logStartOffset, Math.min(first, info.logEndOffset));
  }

  /** The open transactions on a partition (producer id, epoch, first offset), oldest first (for people). */
  openTransactions(
    topic: string,
    partition: number,
  ): { producerId: number; producerEpoch: number; firstOffset: number }[] {
    this.logs.partitionInfo(topic, partition);
    return this.producers.openTransactions(topic, partition);
  }

  /** Aborted transactions of a partition whose ABORT marker is at or after `from` and that start before `upper`. */
  abortedTransactions(topic: string, partition: number, from: number, upper: number): AbortedTransaction[] {
    return this.logs.abortedTransactions(topic, partition, from, upper);
  }

  /**
   * The transaction coordinator's check of transactional produce (Kafka's transaction.partition.verification).
   * Without one (null), a Produce carrying a transactional id is refused, as before transactions existed.
   */
  useTxnPartitionVerifier(verifier: TxnPartitionVerifier | null): void {
    this.txnVerifier = verifier;
  }

  /** True when transactional produce is accepted (a TxnPartitionVerifier is set). */
  get acceptsTransactions(): boolean {
    return this.txnVerifier !== null;
  }

  /**
   * A record set with transactional batches: never a control batch (only markers written by the coordinator are),
   * only from a producer with a transactional id, and only for a partition the coordinator says is in that
   * producer's ongoing transaction (its error code otherwise). Throws KafkaError.
   */
  private checkTransactionalProduce(
    topic: string,
    partition: number,
    headers: readonly { attributes: number; producerId: number; producerEpoch: number }[],
    transactionalId: string | null,
  ): void {
    for (const h of headers) {
      if (isControlBatch(h.attributes))
        throw new KafkaError(
          ErrorCode.INVALID_RECORD,
          `a client cannot produce control batches (${topic}-${partition}); transaction markers are written by the transaction coordinator`,
        );
      if (isTransactionalBatch(h.attributes) && h.producerId < 0)
        throw new KafkaError(
          ErrorCode.INVALID_RECORD,
          `a transactional batch needs a producer id (${topic}-${partition}); this one says ${h.producerId}`,
        );
    }
    if (transactionalId === null)
      throw new KafkaError(
        ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
        `a transactional batch for ${topic}-${partition} came without a transactional id`,
      );
    const verifier = this.txnVerifier;
    if (!verifier)
      throw new KafkaError(
        ErrorCode.INVALID_TXN_STATE,
        'transactions are not supported by this broker (no transaction coordinator)',
      );
    const h = headers[0];
    const code = verifier.verify(transactionalId, h.producerId, h.producerEpoch, { topic, partition });
    if (code !== ErrorCode.NONE)
      throw new TxnVerificationError(
        code as ErrorCode,
        `the transaction coordinator refused a transactional batch of "${transactionalId}" (producer ${h.producerId}, epoch ${h.producerEpoch}) for ${topic}-${partition}`,
      );
  }

  /** Decoded records from `offset`, at most maxRecords (for people and the in-process consumer). */
  readRecords(
    topic: string,
    partition: number,
    offset: number,
    maxRecords: number,
    maxBytes = 1 << 20,
    opts: { isolationLevel?: 0 | 1 } = {},
  ): ConsumedRecord[] {
    const out: ConsumedRecord[] = [];
    const committed = opts.isolationLevel === 1;
    let next = offset;
    while (out.length < maxRecords) {
      const info = this.logs.partitionInfo(topic, partition);
      const end = committed ? this.stableOffsetOf(info) : info.logEndOffset;
      if (next >= end) break;
      const res = this.logs.read(topic, partition, next, maxBytes, end);
      if (res.records.length === 0) break;
      const before = out.length;
      const aborted = this.logs.abortedTransactions(topic, partition, next, endOffsetOf(res.records));
      for (const batch of decodeRecordBatches(res.records)) {
        const txn = batchTxnMarks(batch, aborted);
        if (committed && (txn.control !== undefined || txn.aborted)) {
          next = Math.max(next, batch.lastOffset + 1);
          continue;
        }
        for (const r of batch.records) {
          if (r.offset < next) continue;
          if (out.length >= maxRecords) break;
          out.push({
            ...txn,
            topic,
            partition,
            offset: r.offset,
            timestamp: r.timestamp,
            timestampType: batch.timestampType,
            key: r.key,
            value: r.value,
            headers: r.headers,
            producerId: batch.producerId,
            producerEpoch: batch.producerEpoch,
            baseSequence: batch.baseSequence,
            compression: batch.compression,
          });
          next = r.offset + 1;
        }
        if (out.length >= maxRecords) break;
        next = Math.max(next, batch.lastOffset + 1);
      }
      if (out.length === before && next <= offset) break;
    }
    return out;
  }

  /**
   * Kafka's ListOffsets: LATEST_TIMESTAMP (-1), EARLIEST_TIMESTAMP (-2), MAX_TIMESTAMP (-3: the first record
   * carrying the largest timestamp), EARLIEST_LOCAL_TIMESTAMP (-4: the log start, as there is no remote tier),
   * LATEST_TIERED_TIMESTAMP (-5: -1, nothing is tiered), or the first offset with timestamp >= T. isolationLevel
   * 1 (read_committed): latest is the last stable offset, and a lookup finding an offset at or past it finds none.
   */
  listOffset(topic: string, partition: number, timestamp: number, isolationLevel: 0 | 1 = 0): OffsetForTime {
    const info = this.logs.partitionInfo(topic, partition);
    if (timestamp === LATEST_TIMESTAMP)
      return { offset: isolationLevel === 1 ? this.stableOffsetOf(info) : info.logEndOffset, timestamp: -1 };
    if (timestamp === EARLIEST_TIMESTAMP || timestamp === EARLIEST_LOCAL_TIMESTAMP)
      return { offset: info.logStartOffset, timestamp: -1 };
    if (timestamp === LATEST_TIERED_TIMESTAMP) return { offset: -1, timestamp: -1 };
    let found: OffsetForTime;
    if (timestamp === MAX_TIMESTAMP) {
      if (info.logEndOffset <= info.logStartOffset || info.lastTimestamp < 0) return { offset: -1, timestamp: -1 };
      found = this.logs.offsetForTimestamp(topic, partition, info.lastTimestamp);
    } else found = this.logs.offsetForTimestamp(topic, partition, timestamp);
    // read_committed: an offset at or past the last stable offset is not there yet (Kafka filters it out).
    if (isolationLevel === 1 && found.offset >= this.stableOffsetOf(info)) return { offset: -1, timestamp: -1 };
    return found;
  }

  deleteRecords(topic: string, partition: number, beforeOffset: number): number {
    return this.logs.deleteRecords(topic, partition, beforeOffset);
  }

  /**
   * Compact a topic whose cleanup.policy lists "compact" now: every partition keeps only the latest record of each
   * key (offsets unchanged). The log cleaner also does this on its own every 15 s for the closed segments.
   */
  compactTopic(name: string): Promise<CompactionStats[]> {
    return this.logs.compactTopic(name);
  }

  /** Resolves when everything appended so far is durable (acks=all). */
  flush(): Promise<void> {
    return this.logs.flush();
  }

  // ------------------------------------------------------------------ groups

  joinGroup(req: JoinGroupRequest): Promise<JoinGroupResult> {
    return this.groups.join(req);
  }

  syncGroup(req: SyncGroupRequest): Promise<SyncGroupResult> {
    return this.groups.sync(req);
  }

  heartbeat(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null = null): number {
    return this.groups.heartbeat(groupId, generationId, memberId, groupInstanceId).errorCode;
  }

  leaveGroup(groupId: string, members: { memberId: string; groupInstanceId: string | null }[]) {
    return this.groups.leave(groupId, members);
  }

  /**
   * A group's state and members. A group the coordinator does not hold but that has committed offsets is
   * described as Empty with protocol type "", as Kafka does; a group known nowhere is Dead.
   */
  describeGroup(groupId: string): GroupDescription {
    const d = this.groups.describe(groupId);
    if (d.state === 'Dead' && this.offsets.groupsWithOffsets().includes(groupId))
      return { ...d, state: 'Empty', protocolType: '' };
    return d;
  }

  /** True when the group is live in the coordinator or known from its committed offsets. */
  groupExists(groupId: string): boolean {
    return this.listGroups().some((g) => g.groupId === groupId);
  }

  /** Live groups plus groups known only from their committed offsets (listed as Empty, as Kafka does). */
  listGroups(): GroupListing[] {
    const live = this.groups.list();
    const seen = new Set(live.map((g) => g.groupId));
    const out = [...live];
    for (const g of this.offsets.groupsWithOffsets()) {
      if (!seen.has(g)) out.push({ groupId: g, protocolType: '', state: 'Empty' });
    }
    return out.sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  /** Commit offsets; returns one error code per entry (0 = stored). */
  async commitOffsets(
    groupId: string,
    memberId: string,
    generationId: number,
    offsets: OffsetCommitEntry[],
  ): Promise<(TopicPartition & { errorCode: number })[]> {
    const groupError = this.groups.validateCommit(groupId, generationId, memberId);
    if (groupError !== ErrorCode.NONE) {
      return offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode: groupError }));
    }
    const ok: OffsetCommitEntry[] = [];
    const out: (TopicPartition & { errorCode: number })[] = [];
    for (const o of offsets) {
      const t = this.logs.getTopic(o.topic);
      if (!t || o.partition < 0 || o.partition >= t.partitions) {
        out.push({ topic: o.topic, partition: o.partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
      } else if (o.metadata !== null && o.metadata.length > 4096) {
        out.push({ topic: o.topic, partition: o.partition, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE });
      } else {
        ok.push(o);
        out.push({ topic: o.topic, partition: o.partition, errorCode: ErrorCode.NONE });
      }
    }
    if (ok.length > 0) {
      await this.offsets.commit(groupId, memberId, generationId, ok);
      this.emit('offsetsCommitted', { groupId, offsets: ok });
    }
    return out;
  }

  fetchOffsets(groupId: string, topics: { topic: string; partitions: number[] }[] | null): CommittedOffset[] {
    return this.offsets.fetch(groupId, topics);
  }

  commitHistory(groupId: string, topic: string, partition: number): CommitHistoryEntry[] {
    return this.offsets.history(groupId, topic, partition);
  }

  /** Lag per partition the group has committed (or is assigned), and the group's total. */
  groupLag(groupId: string): GroupLag {
    let members: GroupDescription['members'] = [];
    try {
      members = this.groups.describe(groupId).members;
    } catch {
      // a group known only from its offsets has no members to add
    }
    return computeGroupLag(this.offsets.fetch(groupId, null), members, (topic, partition) => {
      const t = this.logs.getTopic(topic);
      return t && partition < t.partitions ? this.logs.partitionInfo(topic, partition) : undefined;
    });
  }

  /**
   * Reset a group's committed offsets (Kafka's kafka-consumer-groups --reset-offsets). Refused while the group
   * has active members. topic/partition null = every partition of the topic / every topic the group committed.
   * Offsets are clamped into [log start, log end], as Kafka's tool does. `dryRun`: return the new offsets, change
   * nothing.
   */
  async resetOffsets(
    groupId: string,
    topic: string | null,
    partition: number | null,
    spec: OffsetResetSpec,
    opts: { dryRun?: boolean } = {},
  ): Promise<OffsetCommitEntry[]> {
    if (this.groups.hasActiveMembers(groupId)) {
      const d = this.groups.describe(groupId);
      throw new KafkaError(
        ErrorCode.NON_EMPTY_GROUP,
        `cannot reset offsets of group "${groupId}": it has ${d.members.length} active member(s) (state ${d.state}); stop its consumers first`,
      );
    }
    const targets: TopicPartition[] = [];
    if (topic !== null) {
      const t = this.requireTopic(topic);
      if (partition !== null) {
        if (partition < 0 || partition >= t.partitions) {
          throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${topic}" has no partition ${partition}`);
        }
        targets.push({ topic, partition });
      } else {
        for (let p = 0; p < t.partitions; p++) targets.push({ topic, partition: p });
      }
    } else {
      for (const c of this.offsets.fetch(groupId, null)) {
        if (this.logs.getTopic(c.topic)) targets.push({ topic: c.topic, partition: c.partition });
      }
      if (targets.length === 0) {
        throw new KafkaError(
          ErrorCode.GROUP_ID_NOT_FOUND,
          `group "${groupId}" has no committed offsets to reset; name a topic`,
        );
      }
    }
    const current = new TopicPartitionMap<number>();
    for (const c of this.offsets.fetch(groupId, null)) current.set(c.topic, c.partition, c.offset);
    const entries: OffsetCommitEntry[] = targets.map(({ topic: tp, partition: p }) => {
      const info = this.logs.partitionInfo(tp, p);
      let offset: number;
      switch (spec.kind) {
        case 'earliest':
          offset = info.logStartOffset;
          break;
        case 'latest':
          offset = info.logEndOffset;
          break;
        case 'timestamp': {
          const found = this.logs.offsetForTimestamp(tp, p, spec.timestamp);
          offset = found.offset < 0 ? info.logEndOffset : found.offset;
          break;
        }
        case 'offset':
          offset = spec.offset;
          break;
        case 'shift': {
          const cur = current.get(tp, p);
          offset = (cur === undefined || cur < 0 ? info.logStartOffset : cur) + spec.by;
          break;
        }
      }
      offset = Math.min(Math.max(offset, info.logStartOffset), info.logEndOffset);
      return { topic: tp, partition: p, offset, metadata: null };
    });
    // A dry run (kafka-consumer-groups --reset-offsets --dry-run) computes the same entries and writes nothing.
    if (opts.dryRun) return entries;
    await this.offsets.commit(groupId, 'admin:reset-offsets', -1, entries);
    this.emit('offsetsCommitted', { groupId, offsets: entries });
    return entries;
  }

  /**
   * Kafka's OffsetDelete: forget some committed offsets of a group. GROUP_ID_NOT_FOUND for a group with neither
   * members nor offsets; while the group has members, a partition of a topic they subscribe to is refused with
   * GROUP_SUBSCRIBED_TO_TOPIC (returned per partition), the others are deleted. Returns each partition's code.
   */
  async deleteOffsets(
    groupId: string,
    partitions: TopicPartition[],
  ): Promise<(TopicPartition & { errorCode: number })[]> {
    const live = this.groups.hasActiveMembers(groupId);
    if (!this.groupExists(groupId))
      throw new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, `there is no group "${groupId}"`);
    const subscribed = new Set<string>();
    if (live) {
      for (const m of this.groups.describe(groupId).members) {
        for (const a of m.assignedPartitions) subscribed.add(a.topic);
        try {
          for (const t of decodeSubscription(m.metadata).topics) subscribed.add(t);
        } catch {
          // not the consumer protocol's subscription: the assignment above is all we know
        }
      }
    }
    const results = partitions.map((p) => ({
      ...p,
      errorCode: subscribed.has(p.topic) ? ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC : ErrorCode.NONE,
    }));
    await this.offsets.deleteOffsets(
      groupId,
      results.filter((r) => r.errorCode === ErrorCode.NONE),
    );
    return results;
  }

  /** Delete a group and its offsets; refused (NON_EMPTY_GROUP) while it has members. */
  async deleteGroup(groupId: string): Promise<void> {
    if (!this.groupExists(groupId))
      throw new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, `there is no group "${groupId}"`);
    if (this.groups.hasActiveMembers(groupId)) {
      throw new KafkaError(ErrorCode.NON_EMPTY_GROUP, `cannot delete group "${groupId}": it still has active members`);
    }
    const code = this.groups.deleteGroup(groupId);
    if (code !== ErrorCode.NONE && code !== ErrorCode.GROUP_ID_NOT_FOUND) {
      throw new KafkaError(code, `cannot delete group "${groupId}"`);
    }
    await this.offsets.deleteGroup(groupId);
    this.emit('groupChanged', { groupId, state: 'Dead', generationId: 0, members: 0 });
  }

  // ------------------------------------------------------------------ idempotent producer

  /**
   * InitProducerId. Without a transactional id (null): an idempotent producer's id (or its epoch bumped when it
   * names its current id). With one: the transaction coordinator's id and epoch for it (fencing older producers,
   * aborting their open transaction first); transactionTimeoutMs is its transaction.timeout.ms.
   */
  initProducerId(
    transactionalId: string | null = null,
    current?: ProducerIdAndEpoch,
    transactionTimeoutMs = DEFAULT_TRANSACTION_TIMEOUT_MS,
  ): Promise<ProducerIdAndEpoch> {
    this.assertOpen();
    if (transactionalId !== null)
      return this.transactions.initProducerId(transactionalId, transactionTimeoutMs, current);
    return this.producers.initProducerId(transactionalId, current);
  }

  producerState(topic: string, partition: number): ProducerPartitionState[] {
    return this.producers.state(topic, partition);
  }

  // ------------------------------------------------------------------ transactions

  /** AddPartitionsToTxn; see TransactionCoordinator.addPartitions. */
  addPartitionsToTxn(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    partitions: readonly TopicPartition[],
  ): Promise<{ topic: string; partition: number; errorCode: number }[]> {
    return this.transactions.addPartitions(transactionalId, producerId, producerEpoch, partitions);
  }

  /** AddOffsetsToTxn; see TransactionCoordinator.addOffsets. */
  addOffsetsToTxn(transactionalId: string, producerId: number, producerEpoch: number, groupId: string): Promise<void> {
    return this.transactions.addOffsets(transactionalId, producerId, producerEpoch, groupId);
  }

  /** EndTxn; see TransactionCoordinator.endTxn. */
  endTxn(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): Promise<void> {
    return this.transactions.endTxn(transactionalId, producerId, producerEpoch, commit);
  }

  /**
   * TxnOffsetCommit: offsets held in the producer's transaction until it commits (dropped on abort). The
   * transaction must be Ongoing with the group added (AddOffsetsToTxn); a generation or member id (v3+) is
   * checked against the group as OffsetCommit does, an instance id against the member that holds it. Returns one
   * error code per entry (0 = held).
   */
  async txnOffsetCommit(req: {
    transactionalId: string;
    groupId: string;
    producerId: number;
    producerEpoch: number;
    generationId: number;
    memberId: string;
    groupInstanceId: string | null;
    offsets: OffsetCommitEntry[];
  }): Promise<{ topic: string; partition: number; errorCode: number }[]> {
    const all = (errorCode: number) => req.offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode }));
    const txnError = this.transactions.checkTxnOffsetCommit(
      req.transactionalId,
      req.producerId,
      req.producerEpoch,
      req.groupId,
    );
    if (txnError !== ErrorCode.NONE) return all(txnError);
    if (req.generationId >= 0 || req.memberId !== '') {
      if (req.groupInstanceId !== null) {
        let holder: string | undefined;
        try {
          holder = this.groups
            .describe(req.groupId)
            .members.find((m) => m.groupInstanceId === req.groupInstanceId)?.memberId;
        } catch {
          holder = undefined;
        }
        if (holder !== undefined && holder !== req.memberId) return all(ErrorCode.FENCED_INSTANCE_ID);
      }
      const groupError = this.groups.validateCommit(req.groupId, req.generationId, req.memberId);
      if (groupError !== ErrorCode.NONE) return all(groupError);
    }
    const ok: OffsetCommitEntry[] = [];
    const out: { topic: string; partition: number; errorCode: number }[] = [];
    for (const o of req.offsets) {
      const t = this.logs.getTopic(o.topic);
      let errorCode: number = ErrorCode.NONE;
      if (!t || o.partition < 0 || o.partition >= t.partitions) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      else if (o.metadata !== null && o.metadata.length > 4096) errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
      else ok.push(o);
      out.push({ topic: o.topic, partition: o.partition, errorCode });
    }
    if (ok.length > 0)
      await this.offsets.commitTxnOffsets(
        req.groupId,
        req.producerId,
        req.producerEpoch,
        req.memberId,
        req.generationId,
        ok,
      );
    return out;
  }

  /** Partitions of the group whose offsets an open transaction holds (OffsetFetch RequireStable answers them 88). */
  pendingTxnOffsetPartitions(groupId: string): { topic: string; partition: number }[] {
    return this.offsets.pendingTxnPartitions(groupId);
  }

  describeTransaction(transactionalId: string): TransactionDescription | undefined {
    return this.transactions.describe(transactionalId);
  }

  listTransactions(filter?: TransactionFilter): TransactionListing[] {
    return this.transactions.list(filter);
  }

  /** Abort a transactional id's open transaction by hand (its producer is fenced), as kafka-transactions.sh abort. */
  abortTransaction(transactionalId: string): Promise<TransactionDescription> {
    return this.transactions.abortTransaction(transactionalId);
  }

  /** Write an ABORT marker for a hanging transaction on one partition (no coordinator state owns it). */
  abortHangingTransaction(tp: TopicPartition, producerId: number, producerEpoch: number): Promise<number> {
    return this.transactions.abortHangingPartition(tp, producerId, producerEpoch);
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Closes every part even when one fails (a full disk must not leave the log unflushed because the producer
   * snapshot could not be written). Throws ShutdownIncompleteError naming everything not written; its logIntact
   * is false only when the log itself failed to close.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.groups.close();
    const notWritten: string[] = [];
    let logIntact = true;
    const step = async (part: string, close: () => Promise<void>) => {
      try {
        await close();
      } catch (e) {
        if (e instanceof ShutdownIncompleteError) {
          notWritten.push(...e.notWritten);
          logIntact &&= e.logIntact;
        } else {
          notWritten.push(`${part} (${(e as Error).message})`);
          if (part === 'the log') logIntact = false;
        }
      }
    };
    await step('the transaction log', () => this.transactions.close());
    await step('the producer state', () => this.producers.close());
    await step('the offsets log', () => this.offsets.close());
    await step('the log', () => this.logs.close());
    this.events.removeAllListeners();
    if (notWritten.length > 0) throw new ShutdownIncompleteError(notWritten, logIntact);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private requireTopic(name: string): TopicInfo {
    const t = this.logs.getTopic(name);
    if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `there is no topic "${name}"`);
    return t;
  }

  private assertOpen(): void {
    if (this.closed) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, 'the broker is closed');
  }
}

/** What a decoded batch is in a transaction: transactional, a marker (which), aborted data. */
function batchTxnMarks(
  batch: ReturnType<typeof decodeRecordBatches>[number],
  aborted: readonly AbortedTransaction[],
): Pick<ConsumedRecord, 'isTransactional' | 'control' | 'aborted'> {
  if (!batch.isTransactional && !batch.isControl) return {};
  if (batch.isControl) {
    const key = batch.records[0]?.key;
    const type = key && key.length >= 4 ? key.readInt16BE(2) : -1;
    const control = type === CONTROL_TYPE_COMMIT ? 'COMMIT' : type === CONTROL_TYPE_ABORT ? 'ABORT' : 'UNKNOWN';
    return { isTransactional: batch.isTransactional, control, aborted: false };
  }
  const isAborted = aborted.some(
    (a) => a.producerId === batch.producerId && a.firstOffset <= batch.baseOffset && batch.baseOffset < a.lastOffset,
  );
  return { isTransactional: true, aborted: isAborted };
}

/** The offset after the last whole batch of a record set (0 for an empty one). */
function endOffsetOf(records: Buffer): number {
  let end = 0;
  for (let pos = 0; pos + BATCH_HEADER_SIZE <= records.length;) {
    const size = LOG_OVERHEAD + records.readInt32BE(pos + OFFSET_BATCH_LENGTH);
    if (size < BATCH_HEADER_SIZE || pos + size > records.length) break;
    end = readInt64(records, pos) + records.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA) + 1;
    pos += size;
  }
  return end;
}

function toBuf(v: Buffer | string | null): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}
