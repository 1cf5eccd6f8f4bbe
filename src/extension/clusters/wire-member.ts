/**
 * A consumer-group member on any Kafka cluster: the ConsumerTransport (src/client/consumer-transport.ts) over the
 * Kafka protocol, so src/client's GroupConsumer is a real member of a remote group, next to that group's kafkajs or
 * Java consumers. Requests go through a WireCluster's `request` (kafkajs connections, Kafka Lite's API schemas,
 * non-flexible versions): JoinGroup v5, SyncGroup v3, Heartbeat v3, LeaveGroup v3, OffsetCommit v7,
 * OffsetFetch v5, Fetch v11, ListOffsets v5, after FindCoordinator v2.
 *
 * Guarantees:
 *  - one member, one WireCluster of its own (`wireMemberConnection`): a JoinGroup waits on its connection until
 *    the rebalance completes, so that connection's request timeout is longer than the rebalance timeout and no
 *    other member shares it; its client id starts `kafka-lite-stepper-` (the cluster's other users see who it is);
 *  - group requests go to the group's coordinator, looked up again after NOT_COORDINATOR /
 *    COORDINATOR_NOT_AVAILABLE / COORDINATOR_LOAD_IN_PROGRESS (the request is sent once more);
 *  - heartbeats run on the real clock (`systemClock`);
 *  - read_committed reads with Fetch isolation 1 (the cluster stops it at the last stable offset and lists the
 *    aborted transactions, whose records are dropped); control batches are always skipped;
 *  - errors of the cluster are returned as codes where the consumer reads them, else thrown as
 *    ClusterRequestError naming what failed.
 * vscode-free: unit tests run it against a Kafka Lite broker on loopback, the reference tier against Apache Kafka.
 */
import { systemClock } from '../../broker/clock';
import type { Clock } from '../../broker/clock';
import { decodeRecordBatches } from '../../broker/storage/record-batch';
import type { ConsumedRecord, JoinGroupResult } from '../../broker/types';
import type {
  CommitEntry,
  ConsumerIsolation,
  ConsumerTransport,
  JoinRequest,
  PartitionOffsets,
  SyncRequest,
} from '../../client/consumer-transport';
import type { TopicPartition } from '../../shared/topic-partition';
import type { Msg, WireCluster } from './wire';
import { ClusterRequestError } from './wire';

const API = {
  Fetch: 1,
  ListOffsets: 2,
  OffsetCommit: 8,
  OffsetFetch: 9,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
} as const;
const VERSION = {
  Fetch: 11,
  ListOffsets: 5,
  OffsetCommit: 7,
  OffsetFetch: 5,
  JoinGroup: 5,
  Heartbeat: 3,
  LeaveGroup: 3,
  SyncGroup: 3,
} as const;
/** The coordinator moved or is not ready: look it up again. */
const COORDINATOR_GONE = new Set([14, 15, 16]);
/** The partition's leader moved: look it up again. */
const STALE_LEADER = new Set([3, 6, 74, 75]);

export const STEPPER_CLIENT_PREFIX = 'kafka-lite-stepper-';

/**
 * The connection of one member: a WireCluster of its own whose request timeout outlasts a JoinGroup waiting for
 * the whole rebalance (`rebalanceTimeoutMs` plus a margin). `connect` is RemoteSource.connect (panel-source.ts).
 */
export function wireMemberConnection(
  connect: (clientId: string) => WireCluster,
  clientId: string,
  rebalanceTimeoutMs: number,
): WireCluster {
  if (!clientId.startsWith('kafka-lite-'))
    throw new Error(`a member on a shared cluster names itself: its client id "${clientId}" must start kafka-lite-`);
  // connect() opens nothing until used; its sibling keeps its servers, TLS and SASL with the longer timeout.
  return connect(clientId).sibling(clientId, { requestTimeoutMs: rebalanceTimeoutMs + 15_000 });
}

export class WireConsumerTransport implements ConsumerTransport {
  readonly clock: Clock;
  private coordinator: number | undefined;
  private _closed = false;

  constructor(
    readonly cluster: WireCluster,
    opts: { clock?: Clock } = {},
  ) {
    this.clock = opts.clock ?? systemClock;
  }

  get closed(): boolean {
    return this._closed;
  }

  /** Close the member's connection (after it left or crashed). */
  async close(): Promise<void> {
    this._closed = true;
    await this.cluster.close();
  }

  async prepare(topics: string[]): Promise<void> {
    // No auto-creation on somebody else's cluster: a topic that is not there is said so.
    const found = await this.cluster.partitionsOf(topics);
    const missing = topics.filter((t) => !found.has(t));
    if (missing.length > 0) throw new ClusterRequestError(3, `topic ${missing.join(', ')}`);
  }

  /** A group request to the coordinator, sent once more after the coordinator moved. */
  private async toCoordinator(
    groupId: string,
    apiKey: number,
    version: number,
    body: Msg,
    errorOf: (r: Msg) => number,
  ): Promise<Msg> {
    for (let attempt = 0; ; attempt++) {
      this.coordinator ??= await this.cluster.coordinatorOf(groupId, 'group');
      const r = await this.cluster.request(this.coordinator, apiKey, version, body);
      if (!COORDINATOR_GONE.has(errorOf(r)) || attempt >= 2) return r;
      this.coordinator = undefined;
      await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
    }
  }

  async joinGroup(req: JoinRequest): Promise<JoinGroupResult> {
    const r = await this.toCoordinator(
      req.groupId,
      API.JoinGroup,
      VERSION.JoinGroup,
      {
        groupId: req.groupId,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        memberId: req.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: req.protocols,
      },
      (x) => x.errorCode as number,
    );
    return {
      errorCode: r.errorCode as number,
      generationId: r.generationId as number,
      protocolType: 'consumer',
      protocolName: (r.protocolName as string | null) ?? null,
      leader: r.leader as string,
      memberId: r.memberId as string,
      members: ((r.members as Msg[]) ?? []).map((m) => ({
        memberId: m.memberId as string,
        groupInstanceId: (m.groupInstanceId as string | null) ?? null,
        metadata: m.metadata as Buffer,
      })),
    };
  }

  async syncGroup(req: SyncRequest): Promise<{ errorCode: number; assignment: Buffer }> {
    const r = await this.toCoordinator(
      req.groupId,
      API.SyncGroup,
      VERSION.SyncGroup,
      {
        groupId: req.groupId,
        generationId: req.generationId,
        memberId: req.memberId,
        groupInstanceId: null,
        assignments: req.assignments,
      },
      (x) => x.errorCode as number,
    );
    return { errorCode: r.errorCode as number, assignment: (r.assignment as Buffer) ?? Buffer.alloc(0) };
  }

  async heartbeat(groupId: string, generationId: number, memberId: string): Promise<number> {
    const r = await this.toCoordinator(
      groupId,
      API.Heartbeat,
      VERSION.Heartbeat,
      { groupId, generationId, memberId, groupInstanceId: null },
      (x) => x.errorCode as number,
    );
    return r.errorCode as number;
  }

  async leaveGroup(groupId: string, memberId: string): Promise<void> {
    const r = await this.toCoordinator(
      groupId,
      API.LeaveGroup,
      VERSION.LeaveGroup,
      { groupId, members: [{ memberId, groupInstanceId: null }] },
      (x) => x.errorCode as number,
    );
    const code = (r.errorCode as number) || ((r.members as Msg[] | undefined)?.[0]?.errorCode as number) || 0;
    // UNKNOWN_MEMBER_ID: already gone (its session expired); nothing left to leave.
    if (code !== 0 && code !== 25) throw new ClusterRequestError(code, `leaving group ${groupId}`);
  }

  async commitOffsets(
    groupId: string,
    memberId: string,
    generationId: number,
    entries: CommitEntry[],
  ): Promise<(TopicPartition & { errorCode: number })[]> {
    const byTopic = new Map<string, CommitEntry[]>();
    for (const e of entries) {
      let l = byTopic.get(e.topic);
      if (!l) byTopic.set(e.topic, (l = []));
      l.push(e);
    }
    const r = await this.toCoordinator(
      groupId,
      API.OffsetCommit,
      VERSION.OffsetCommit,
      {
        groupId,
        generationIdOrMemberEpoch: generationId,
        memberId,
        groupInstanceId: null,
        topics: [...byTopic].map(([name, list]) => ({
          name,
          partitions: list.map((e) => ({
            partitionIndex: e.partition,
            committedOffset: e.offset,
            committedLeaderEpoch: -1,
            committedMetadata: null,
          })),
        })),
      },
      (x) => ((x.topics as Msg[])?.[0]?.partitions?.[0]?.errorCode as number) ?? 0,
    );
    const out: (TopicPartition & { errorCode: number })[] = [];
    for (const t of r.topics as Msg[])
      for (const p of t.partitions as Msg[])
        out.push({ topic: t.name as string, partition: p.partitionIndex as number, errorCode: p.errorCode as number });
    return out;
  }

  async committedOffsets(groupId: string, partitions: TopicPartition[]): Promise<number[]> {
    if (partitions.length === 0) return [];
    const byTopic = new Map<string, number[]>();
    for (const tp of partitions) {
      let l = byTopic.get(tp.topic);
      if (!l) byTopic.set(tp.topic, (l = []));
      l.push(tp.partition);
    }
    const r = await this.toCoordinator(
      groupId,
      API.OffsetFetch,
      VERSION.OffsetFetch,
      { groupId, topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) },
      (x) => x.errorCode as number,
    );
    if (r.errorCode) throw new ClusterRequestError(r.errorCode as number, `committed offsets of group ${groupId}`);
    const found = new Map<string, number>();
    for (const t of r.topics as Msg[])
      for (const p of t.partitions as Msg[]) {
        if (p.errorCode !== 0)
          throw new ClusterRequestError(
            p.errorCode as number,
            `committed offset of group ${groupId} on ${t.name} partition ${p.partitionIndex}`,
          );
        found.set(`${t.name}\n${p.partitionIndex}`, Number(p.committedOffset));
      }
    return partitions.map((tp) => found.get(`${tp.topic}\n${tp.partition}`) ?? -1);
  }

  /** Log start (earliest), high watermark (latest, read_uncommitted) and LSO (latest, read_committed). */
  async partitionOffsets(topic: string, partition: number): Promise<PartitionOffsets> {
    const leader = await this.cluster.leaderOf(topic, partition);
    const ask = async (timestamp: number, isolationLevel: 0 | 1): Promise<number> => {
      const r = await this.cluster.request(leader, API.ListOffsets, VERSION.ListOffsets, {
        replicaId: -1,
        isolationLevel,
        topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp }] }],
      });
      const p = (r.topics as Msg[])[0]?.partitions?.[0] as Msg | undefined;
      if (!p) throw new Error(`${this.cluster.name}: no answer for ${topic} partition ${partition}`);
      if (p.errorCode !== 0) {
        if (STALE_LEADER.has(p.errorCode as number)) this.cluster.forgetLeaders(topic);
        throw new ClusterRequestError(p.errorCode as number, `offsets of ${topic} partition ${partition}`);
      }
      return Number(p.offset);
    };
    const [logStartOffset, logEndOffset, lastStableOffset] = await Promise.all([ask(-2, 0), ask(-1, 0), ask(-1, 1)]);
    return { logStartOffset, logEndOffset, lastStableOffset };
  }

  async readRecords(
    topic: string,
    partition: number,
    offset: number,
    maxRecords: number,
    isolation: ConsumerIsolation,
  ): Promise<{ records: ConsumedRecord[]; nextOffset: number }> {
    const leader = await this.cluster.leaderOf(topic, partition);
    const maxBytes = 1024 * 1024;
    const out: ConsumedRecord[] = [];
    let at = offset;
    for (let round = 0; round < 16 && out.length < maxRecords; round++) {
      const r = await this.cluster.request(leader, API.Fetch, VERSION.Fetch, {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes,
        isolationLevel: isolation === 'read_committed' ? 1 : 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic,
            partitions: [
              { partition, currentLeaderEpoch: -1, fetchOffset: at, logStartOffset: -1, partitionMaxBytes: maxBytes },
            ],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      });
      if (r.errorCode) throw new ClusterRequestError(r.errorCode as number, `fetching ${topic}`);
      const p = (r.responses as Msg[])[0]?.partitions?.[0] as Msg | undefined;
      if (!p) break;
      if (p.errorCode !== 0) {
        if (STALE_LEADER.has(p.errorCode as number)) this.cluster.forgetLeaders(topic);
        throw new ClusterRequestError(p.errorCode as number, `fetching ${topic} partition ${partition}`);
      }
      const bytes = p.records as Buffer | null;
      if (!bytes || bytes.length === 0) break;
      const aborted =
        isolation === 'read_committed'
          ? ((p.abortedTransactions as Msg[] | null) ?? []).map((a) => ({
              producerId: Number(a.producerId),
              firstOffset: Number(a.firstOffset),
            }))
          : [];
      const got = decodeConsumed(topic, partition, bytes, at, maxRecords - out.length, aborted);
      out.push(...got.records);
      const end = isolation === 'read_committed' ? Number(p.lastStableOffset) : Number(p.highWatermark);
      if (got.nextOffset <= at) break;
      at = got.nextOffset;
      if (at >= end) break;
    }
    return { records: out, nextOffset: at };
  }

  async partitionCount(topic: string): Promise<number | undefined> {
    return (await this.cluster.partitionsOf([topic])).get(topic)?.length;
  }
}

/**
 * Records at or after `from` (at most `max`) from whole batches of one partition, control batches skipped and the
 * batches of `aborted` transactions dropped; nextOffset is past everything consumed or skipped.
 */
function decodeConsumed(
  topic: string,
  partition: number,
  bytes: Buffer,
  from: number,
  max: number,
  aborted: { producerId: number; firstOffset: number }[],
): { records: ConsumedRecord[]; nextOffset: number } {
  const pending = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
  const open = new Set<number>();
  const out: ConsumedRecord[] = [];
  let next = from;
  for (const batch of decodeRecordBatches(bytes)) {
    if (batch.lastOffset < from) continue;
    while (pending.length > 0 && pending[0].firstOffset <= batch.lastOffset) open.add(pending.shift()!.producerId);
    if (batch.isControl) {
      open.delete(Number(batch.producerId));
      next = Math.max(next, batch.lastOffset + 1);
      continue;
    }
    if (batch.isTransactional && open.has(Number(batch.producerId))) {
      next = Math.max(next, batch.lastOffset + 1);
      continue;
    }
    for (const rec of batch.records) {
      if (rec.offset < next) continue;
      if (out.length >= max) return { records: out, nextOffset: next };
      out.push({
        topic,
        partition,
        offset: rec.offset,
        timestamp: rec.timestamp,
        timestampType: batch.timestampType,
        key: rec.key ? Buffer.from(rec.key) : null,
        value: rec.value ? Buffer.from(rec.value) : null,
        headers: rec.headers.map((h) => ({ key: h.key, value: h.value ? Buffer.from(h.value) : null })),
        producerId: Number(batch.producerId),
        producerEpoch: batch.producerEpoch,
        baseSequence: batch.baseSequence,
        compression: batch.compression,
        isTransactional: batch.isTransactional,
      });
      next = rec.offset + 1;
    }
    if (out.length < max) next = Math.max(next, batch.lastOffset + 1);
  }
  return { records: out, nextOffset: next };
}

/**
 * The last stable offset of every partition of `topic` (ListOffsets latest with isolation read_committed, one
 * request per leader; `leaders` when the caller has just read them): what a read_committed member reads up to. A
 * partition without a leader is absent.
 */
export async function lastStableOffsets(
  cluster: WireCluster,
  topic: string,
  leaders?: readonly { partition: number; leader: number }[],
): Promise<Map<number, number>> {
  const parts = leaders ?? (await cluster.partitionsOf([topic])).get(topic) ?? [];
  const byLeader = new Map<number, number[]>();
  for (const p of parts) {
    if (p.leader === undefined || p.leader < 0) continue;
    let l = byLeader.get(p.leader);
    if (!l) byLeader.set(p.leader, (l = []));
    l.push(p.partition);
  }
  const out = new Map<number, number>();
  await Promise.all(
    [...byLeader].map(async ([leader, partitions]) => {
      const r = await cluster.request(leader, API.ListOffsets, VERSION.ListOffsets, {
        replicaId: -1,
        isolationLevel: 1,
        topics: [
          {
            name: topic,
            partitions: partitions.map((p) => ({ partitionIndex: p, currentLeaderEpoch: -1, timestamp: -1 })),
          },
        ],
      });
      for (const t of r.topics as Msg[])
        for (const p of t.partitions as Msg[])
          if (p.errorCode === 0) out.set(p.partitionIndex as number, Number(p.offset));
    }),
  );
  return out;
}
