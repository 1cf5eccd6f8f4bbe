/**
 * Broker: the engine's one facade. It composes the log manager (storage), the group coordinator, the offset
 * store and the producer state manager, and it owns the rules that span them: the idempotent produce path
 * (check the sequence window, append, then record), offset resets (refused while a group has members), lag,
 * and deleting a topic everywhere. The wire protocol server, the in-process client and the extension all talk
 * to this class and nothing below it.
 *
 * Who may call it: anything in-process. It never imports vscode or net.
 */
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import type { GroupCoordinator, LogManager, Logger, OffsetStore, ProducerStateManager } from './api';
import type { Clock } from './clock';
import { systemClock } from './clock';
import { ErrorCode, KafkaError, ShutdownIncompleteError } from './errors';
import { openLogManager } from './storage/log-manager';
import { encodeRecordBatch, decodeRecordBatches } from './storage/record-batch';
import { choosePartition } from './partitioner';
import type { GroupLag } from './lag';
import { computeGroupLag } from './lag';
import { createGroupCoordinator, MAX_SESSION_TIMEOUT_MS, MIN_SESSION_TIMEOUT_MS } from './groups/coordinator';
import type { BrokerConfigEntry } from './storage/configs';
import { describeBrokerConfigs } from './storage/configs';
import { decodeSubscription } from './groups/consumer-protocol';
import { openOffsetStore } from './offsets/offset-store';
import { openProducerStateManager } from './producers/producer-state';
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
}

export interface ProduceOptions {
  /** Explicit partition; otherwise murmur2(key) % partitions, keyless records spread round-robin. */
  partition?: number;
  /** Idempotent producer fields; the batch carries them and goes through the sequence check. */
  producer?: { producerId: number; producerEpoch: number; baseSequence: number };
  /** 0 none, 1 gzip (the engine's own encoder supports none and gzip). */
  compression?: 0 | 1;
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
  /** Auto-creations in flight, by topic name (see ensureTopic). */
  private readonly autoCreating = new Map<string, Promise<TopicInfo | undefined>>();

  private constructor(
    readonly dataDir: string,
    readonly logs: LogManager,
    readonly groups: GroupCoordinator,
    readonly offsets: OffsetStore,
    readonly producers: ProducerStateManager,
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
    try {
      const producers = await openProducerStateManager({ dir: metaDir, clock, logs, logger });
      const broker = new Broker(dataDir, logs, groups, offsets, producers, clock, opts, emitter);
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
    return this.logs.createTopic(name, partitions ?? this.defaultPartitions, configs);
  }

  /**
   * The topic, auto-created with the default partition count when missing and auto-creation is on (undefined
   * otherwise). Callers asking while a creation is in flight share it, and their continuations run in the order
   * they asked: produce requests that arrive back to back for a new topic are appended in arrival order.
   */
  ensureTopic(name: string): Promise<TopicInfo | undefined> {
    const t = this.logs.getTopic(name);
    if (t || !this.autoCreateTopics) return Promise.resolve(t);
    let pending = this.autoCreating.get(name);
    if (!pending) {
      pending = this.logs
        .createTopic(name, this.defaultPartitions)
        .catch((e: unknown) => {
          if (e instanceof KafkaError && e.code === ErrorCode.TOPIC_ALREADY_EXISTS) return this.logs.getTopic(name);
          throw e;
        })
        .finally(() => this.autoCreating.delete(name));
      this.autoCreating.set(name, pending);
    }
    return pending;
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
    return this.logs.partitionInfo(topic, partition);
  }

  partitions(topic: string): PartitionInfo[] {
    const t = this.requireTopic(topic);
    const out: PartitionInfo[] = [];
    for (let p = 0; p < t.partitions; p++) out.push(this.logs.partitionInfo(topic, p));
    return out;
  }

  // ------------------------------------------------------------------ records

  /**
   * Append a produced record set (the bytes a client sent) to one partition. Idempotent batches go through
   * the producer's sequence window: a retry of a stored batch returns its original offsets and appends
   * nothing. Throws KafkaError; on any error nothing is written.
   */
  appendRecordSet(topic: string, partition: number, recordSet: Buffer): AppendResult {
    this.assertOpen();
    const headers = this.logs.parseRecordSet(topic, partition, recordSet);
    let idempotent = false;
    for (let i = 0; i < headers.length; i++) if (headers[i].producerId >= 0) idempotent = true;
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
    const result = this.appendRecordSet(topic, partition, batch);
    return { ...result, topic, partition, recordCount: records.length };
  }

  fetch(topic: string, partition: number, offset: number, maxBytes: number): FetchResult {
    return this.logs.read(topic, partition, offset, maxBytes);
  }

  /** Decoded records from `offset`, at most maxRecords (for people and the in-process consumer). */
  readRecords(
    topic: string,
    partition: number,
    offset: number,
    maxRecords: number,
    maxBytes = 1 << 20,
  ): ConsumedRecord[] {
    const out: ConsumedRecord[] = [];
    let next = offset;
    while (out.length < maxRecords) {
      const info = this.logs.partitionInfo(topic, partition);
      if (next >= info.logEndOffset) break;
      const res = this.logs.read(topic, partition, next, maxBytes);
      if (res.records.length === 0) break;
      const before = out.length;
      for (const batch of decodeRecordBatches(res.records)) {
        for (const r of batch.records) {
          if (r.offset < next) continue;
          if (out.length >= maxRecords) break;
          out.push({
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
   * LATEST_TIERED_TIMESTAMP (-5: -1, nothing is tiered), or the first offset with timestamp >= T.
   */
  listOffset(topic: string, partition: number, timestamp: number): OffsetForTime {
    const info = this.logs.partitionInfo(topic, partition);
    if (timestamp === LATEST_TIMESTAMP) return { offset: info.logEndOffset, timestamp: -1 };
    if (timestamp === EARLIEST_TIMESTAMP || timestamp === EARLIEST_LOCAL_TIMESTAMP)
      return { offset: info.logStartOffset, timestamp: -1 };
    if (timestamp === LATEST_TIERED_TIMESTAMP) return { offset: -1, timestamp: -1 };
    if (timestamp === MAX_TIMESTAMP) {
      if (info.logEndOffset <= info.logStartOffset || info.lastTimestamp < 0) return { offset: -1, timestamp: -1 };
      return this.logs.offsetForTimestamp(topic, partition, info.lastTimestamp);
    }
    return this.logs.offsetForTimestamp(topic, partition, timestamp);
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
   * Offsets are clamped into [log start, log end], as Kafka's tool does.
   */
  async resetOffsets(
    groupId: string,
    topic: string | null,
    partition: number | null,
    spec: OffsetResetSpec,
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

  initProducerId(transactionalId: string | null = null, current?: ProducerIdAndEpoch): Promise<ProducerIdAndEpoch> {
    return this.producers.initProducerId(transactionalId, current);
  }

  producerState(topic: string, partition: number): ProducerPartitionState[] {
    return this.producers.state(topic, partition);
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

function toBuf(v: Buffer | string | null): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}
