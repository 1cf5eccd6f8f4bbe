/**
 * What the group consumer (consumer.ts) needs from where its group lives, as one contract with two
 * implementations: BrokerConsumerTransport below (this window's in-process Broker, no sockets) and
 * WireConsumerTransport (src/extension/clusters/wire-member.ts: any Kafka cluster over the Kafka protocol). The
 * consumer's logic (join loop, assignors, positions, rejoin on REBALANCE_IN_PROGRESS, read_committed at the LSO)
 * is written once against it.
 *
 * Contract: error codes are Kafka's (0 = none) and are the consumer's to read, never thrown; a method rejects only
 * when the transport itself failed (connection lost, closed). `heartbeat` may answer synchronously (the in-process
 * broker does, so a heartbeat fired by a fake clock takes effect inside that clock's advance). `readRecords`
 * returns the records at or after `offset` below `end`, skipping control batches, and with isolation
 * read_committed dropping aborted ones; its `nextOffset` is where the next read starts (past skipped batches).
 * `clock` is the broker's clock in process and the real one over the wire (heartbeats run on it).
 */
import type { Broker } from '../broker/broker';
import type { Clock } from '../broker/clock';
import type { ConsumedRecord, JoinGroupResult } from '../broker/types';
import type { TopicPartition } from '../shared/topic-partition';

export interface JoinRequest {
  groupId: string;
  memberId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: { name: string; metadata: Buffer }[];
  clientId: string;
}

export interface SyncRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface CommitEntry extends TopicPartition {
  offset: number;
}

export interface PartitionOffsets {
  logStartOffset: number;
  logEndOffset: number;
  /** The first offset of the oldest transaction still open, else the log end. */
  lastStableOffset: number;
}

export type ConsumerIsolation = 'read_uncommitted' | 'read_committed';

export interface ConsumerTransport {
  readonly clock: Clock;
  /** True once the other end is gone for good (the broker closed, the connection closed). */
  readonly closed: boolean;
  /** Before a JoinGroup: the subscribed topics exist (the in-process broker creates them as auto-create would). */
  prepare(topics: string[]): Promise<void>;
  joinGroup(req: JoinRequest): Promise<JoinGroupResult>;
  syncGroup(req: SyncRequest): Promise<{ errorCode: number; assignment: Buffer }>;
  heartbeat(groupId: string, generationId: number, memberId: string): number | Promise<number>;
  leaveGroup(groupId: string, memberId: string): Promise<void>;
  commitOffsets(
    groupId: string,
    memberId: string,
    generationId: number,
    entries: CommitEntry[],
  ): Promise<(TopicPartition & { errorCode: number })[]>;
  /** The group's committed offset per asked partition, -1 when none (same order as asked). */
  committedOffsets(groupId: string, partitions: TopicPartition[]): Promise<number[]>;
  partitionOffsets(topic: string, partition: number): Promise<PartitionOffsets>;
  readRecords(
    topic: string,
    partition: number,
    offset: number,
    maxRecords: number,
    isolation: ConsumerIsolation,
  ): Promise<{ records: ConsumedRecord[]; nextOffset: number }>;
  /** How many partitions the topic has; undefined when it does not exist. */
  partitionCount(topic: string): Promise<number | undefined>;
}

/** The in-process Broker as a consumer transport. */
export class BrokerConsumerTransport implements ConsumerTransport {
  constructor(readonly broker: Broker) {}

  get clock(): Clock {
    return this.broker.clock;
  }

  get closed(): boolean {
    return this.broker.isClosed;
  }

  async prepare(topics: string[]): Promise<void> {
    for (const t of topics) await this.broker.ensureTopic(t);
  }

  joinGroup(req: JoinRequest): Promise<JoinGroupResult> {
    return this.broker.joinGroup({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: null,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      protocolType: 'consumer',
      protocols: req.protocols,
      clientId: req.clientId,
      clientHost: '/127.0.0.1',
      requireKnownMemberId: true,
    });
  }

  async syncGroup(req: SyncRequest): Promise<{ errorCode: number; assignment: Buffer }> {
    const r = await this.broker.syncGroup({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: req.protocolName,
      assignments: req.assignments,
    });
    return { errorCode: r.errorCode, assignment: r.assignment };
  }

  heartbeat(groupId: string, generationId: number, memberId: string): number {
    return this.broker.heartbeat(groupId, generationId, memberId);
  }

  async leaveGroup(groupId: string, memberId: string): Promise<void> {
    if (!this.broker.isClosed) this.broker.leaveGroup(groupId, [{ memberId, groupInstanceId: null }]);
  }

  commitOffsets(
    groupId: string,
    memberId: string,
    generationId: number,
    entries: CommitEntry[],
  ): Promise<(TopicPartition & { errorCode: number })[]> {
    return this.broker.commitOffsets(
      groupId,
      memberId,
      generationId,
      entries.map((e) => ({ ...e, metadata: null })),
    );
  }

  async committedOffsets(groupId: string, partitions: TopicPartition[]): Promise<number[]> {
    return partitions.map(
      (tp) => this.broker.fetchOffsets(groupId, [{ topic: tp.topic, partitions: [tp.partition] }])[0]?.offset ?? -1,
    );
  }

  async partitionOffsets(topic: string, partition: number): Promise<PartitionOffsets> {
    const info = this.broker.partitionInfo(topic, partition);
    return {
      logStartOffset: info.logStartOffset,
      logEndOffset: info.logEndOffset,
      lastStableOffset: this.broker.lastStableOffset(topic, partition),
    };
  }

  async readRecords(
    topic: string,
    partition: number,
    offset: number,
    maxRecords: number,
    isolation: ConsumerIsolation,
  ): Promise<{ records: ConsumedRecord[]; nextOffset: number }> {
    const committedOnly = isolation === 'read_committed';
    const records = this.broker.readRecords(topic, partition, offset, maxRecords, undefined, {
      isolationLevel: committedOnly ? 1 : 0,
    });
    let next = records.length > 0 ? records[records.length - 1].offset + 1 : offset;
    // read_committed skips markers and aborted batches: fewer records than asked means it read up to the LSO
    if (committedOnly && records.length < maxRecords)
      next = Math.max(next, this.broker.lastStableOffset(topic, partition));
    return { records, nextOffset: next };
  }

  async partitionCount(topic: string): Promise<number | undefined> {
    return this.broker.getTopic(topic)?.partitions;
  }
}
