/**
 * The Producer's transport (src/client/producer-transport.ts) over the Kafka protocol, on a WireCluster of its own
 * (a `PanelSource.connect('kafka-lite-producer-…')` connection set): InitProducerId v1 (no transactional id), one
 * raw v2 record batch per Produce v8 carrying the producer id, epoch and base sequence the Producer chose (acks=-1,
 * as Kafka requires of an idempotent producer), and ListOffsets v5 for the partition's offsets. So a person's
 * resend reaches the real server with the same sequence and a skipped sequence is answered by the server itself
 * (OUT_OF_ORDER_SEQUENCE_NUMBER).
 *
 * Guarantees: never creates a topic (Metadata asks with allowAutoTopicCreation false; an absent topic is
 * undefined); a refusal rejects with a KafkaError carrying the server's code, its error name
 * (remoteErrorName: TOPIC_AUTHORIZATION_FAILED, …) and the server's message when Produce v8 gives one; a batch
 * refused because the leader moved is sent once more to the new leader (same sequence, so it is stored once);
 * partition counts are cached for a few seconds and forgotten when the server says the topic or its leader
 * changed. The caller closes the WireCluster.
 *
 * WireTxnClient is the transactional side (InitProducerId v1 with the transactional id and its timeout,
 * AddPartitionsToTxn v2, EndTxn v2, all to the id's coordinator from FindCoordinator; Produce with the
 * transactional id and the batch marked transactional): while the coordinator is still completing the previous
 * transaction (CONCURRENT_TRANSACTIONS) or loading (COORDINATOR_LOAD_IN_PROGRESS) it asks again for a few
 * seconds, after NOT_COORDINATOR it looks the coordinator up again; any other refusal (PRODUCER_FENCED,
 * INVALID_PRODUCER_EPOCH, TRANSACTIONAL_ID_AUTHORIZATION_FAILED, …) rejects with a KafkaError of the server's code.
 */
import type { ErrorCode } from '../../broker/errors';
import { KafkaError } from '../../broker/errors';
import { markTransactional } from '../../broker/storage/control-batch';
import { encodeRecordBatch } from '../../broker/storage/record-batch';
import type { ProduceRecord } from '../../broker/types';
import type {
  BatchProducer,
  PartitionOffsets,
  ProducedBatch,
  ProducerIdentity,
  ProducerTransport,
} from '../../client/producer-transport';
import type { Msg, WireCluster } from './wire';
import { ClusterRequestError, remoteErrorName } from './wire';

const PRODUCE = { key: 0, version: 8 } as const;
const LIST_OFFSETS = { key: 2, version: 5 } as const;
const INIT_PRODUCER_ID = { key: 22, version: 1 } as const;
const ADD_PARTITIONS_TO_TXN = { key: 24, version: 2 } as const;
const END_TXN = { key: 26, version: 2 } as const;
/** Asked again after a pause: the coordinator is busy (COORDINATOR_LOAD_IN_PROGRESS, CONCURRENT_TRANSACTIONS). */
const COORDINATOR_BUSY = new Set([14, 51]);
/** The coordinator moved or is not there yet (COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR): look it up again. */
const COORDINATOR_MOVED = new Set([15, 16]);
const COORDINATOR_PATIENCE_MS = 10_000;
/** The leader moved (NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH, LEADER_NOT_AVAILABLE): ask again once. */
const LEADER_MOVED = new Set([5, 6, 74, 75]);
const COUNT_TTL_MS = 5000;
const UNKNOWN_TOPIC = 3;

function toBuffer(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8');
}

/** A failure of the wire as a KafkaError with the server's code (other failures: a connection, a timeout, as is). */
function asKafkaError(e: unknown): unknown {
  if (e instanceof ClusterRequestError) return new KafkaError(e.code as ErrorCode, e.message);
  return e;
}

export class WireProducerTransport implements ProducerTransport {
  readonly transport = 'wire' as const;
  readonly bumpsEpoch = false;
  private readonly counts = new Map<string, { partitions: number; at: number }>();

  constructor(
    readonly cluster: WireCluster,
    private readonly timeoutMs = 10_000,
  ) {}

  async partitionCount(topic: string): Promise<number | undefined> {
    const cached = this.counts.get(topic);
    if (cached && Date.now() - cached.at < COUNT_TTL_MS) return cached.partitions;
    let parts;
    try {
      parts = (await this.cluster.partitionsOf([topic])).get(topic);
    } catch (e) {
      throw asKafkaError(e);
    }
    if (!parts || parts.length === 0) {
      this.counts.delete(topic);
      return undefined;
    }
    this.counts.set(topic, { partitions: parts.length, at: Date.now() });
    return parts.length;
  }

  async initProducerId(): Promise<ProducerIdentity> {
    // Any broker hands out an idempotent producer's id; the leader of nothing in particular: the first one.
    const node = (await this.cluster.describeCluster()).brokers[0]?.nodeId;
    if (node === undefined) throw new Error(`${this.cluster.name}: the cluster lists no brokers`);
    const r = await this.cluster.request(node, INIT_PRODUCER_ID.key, INIT_PRODUCER_ID.version, {
      transactionalId: null,
      transactionTimeoutMs: 60_000,
    });
    if (r.errorCode !== 0)
      throw new KafkaError(
        r.errorCode as ErrorCode,
        `InitProducerId on ${this.cluster.name}: ${remoteErrorName(r.errorCode as number)}`,
      );
    return { producerId: Number(r.producerId), producerEpoch: Number(r.producerEpoch) };
  }

  /** `transactionalId`: a transactional batch (marked so) of that id's open transaction (WireTxnClient). */
  async produce(
    topic: string,
    partition: number,
    records: ProduceRecord[],
    producer?: BatchProducer,
    transactionalId: string | null = null,
  ): Promise<ProducedBatch> {
    const now = Date.now();
    let batch = encodeRecordBatch(
      records.map((r) => ({
        key: toBuffer(r.key),
        value: toBuffer(r.value),
        headers: r.headers ?? [],
        timestamp: r.timestamp ?? now,
      })),
      {
        producerId: producer?.producerId ?? -1,
        producerEpoch: producer?.producerEpoch ?? -1,
        baseSequence: producer?.baseSequence ?? -1,
        compression: 0,
      },
    );
    if (transactionalId !== null) batch = markTransactional(batch);
    for (let attempt = 0; ; attempt++) {
      let leader: number;
      try {
        leader = await this.cluster.leaderOf(topic, partition, attempt > 0);
      } catch (e) {
        if (e instanceof ClusterRequestError && e.code === UNKNOWN_TOPIC) this.counts.delete(topic);
        throw asKafkaError(e);
      }
      const resp = await this.cluster.request(leader, PRODUCE.key, PRODUCE.version, {
        transactionalId,
        acks: -1,
        timeoutMs: this.timeoutMs,
        topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
      });
      const pr = (resp.responses as Msg[])[0]?.partitionResponses?.[0] as Msg | undefined;
      if (!pr) throw new Error(`${this.cluster.name}: no answer for ${topic} partition ${partition}`);
      const code = pr.errorCode as number;
      if (code === 0) return { baseOffset: Number(pr.baseOffset), duplicate: undefined };
      if (LEADER_MOVED.has(code) || code === UNKNOWN_TOPIC) {
        this.cluster.forgetLeaders(topic);
        this.counts.delete(topic);
        if (attempt === 0 && code !== UNKNOWN_TOPIC) continue;
      }
      const detail = typeof pr.errorMessage === 'string' && pr.errorMessage !== '' ? `: ${pr.errorMessage}` : '';
      const acl = code === 29 ? ' (refused by the cluster’s ACLs)' : '';
      throw new KafkaError(
        code as ErrorCode,
        `${this.cluster.name} refused the batch for ${topic} partition ${partition}: ${remoteErrorName(code)}${acl}${detail}`,
      );
    }
  }

  async logEndOffset(topic: string, partition: number): Promise<number> {
    return this.listOffset(topic, partition, -1, 0);
  }

  async offsets(topic: string, partition: number): Promise<PartitionOffsets> {
    const [logStartOffset, logEndOffset, lastStableOffset] = await Promise.all([
      this.listOffset(topic, partition, -2, 0),
      this.listOffset(topic, partition, -1, 0),
      this.listOffset(topic, partition, -1, 1),
    ]);
    return { logStartOffset, logEndOffset, lastStableOffset };
  }

  now(): number {
    return Date.now();
  }

  /** ListOffsets for one partition: -2 the log start, -1 the high watermark (isolation 0) or the LSO (isolation 1). */
  private async listOffset(
    topic: string,
    partition: number,
    timestamp: number,
    isolationLevel: 0 | 1,
  ): Promise<number> {
    let leader: number;
    try {
      leader = await this.cluster.leaderOf(topic, partition);
    } catch (e) {
      throw asKafkaError(e);
    }
    const r = await this.cluster.request(leader, LIST_OFFSETS.key, LIST_OFFSETS.version, {
      replicaId: -1,
      isolationLevel,
      topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp }] }],
    });
    const p = (r.topics as Msg[])[0]?.partitions?.[0] as Msg | undefined;
    if (!p) throw new Error(`${this.cluster.name}: no offsets answered for ${topic} partition ${partition}`);
    if (p.errorCode !== 0) {
      if (LEADER_MOVED.has(p.errorCode as number)) this.cluster.forgetLeaders(topic);
      throw new KafkaError(
        p.errorCode as ErrorCode,
        `offsets of ${topic} partition ${partition} on ${this.cluster.name}: ${remoteErrorName(p.errorCode as number)}`,
      );
    }
    return Number(p.offset);
  }
}

/** A transactional producer's requests to its coordinator; see the header. One per transactional id. */
export class WireTxnClient {
  private coordinator: number | undefined;

  constructor(
    readonly transport: WireProducerTransport,
    readonly transactionalId: string,
    readonly timeoutMs: number,
  ) {}

  get cluster(): WireCluster {
    return this.transport.cluster;
  }

  /** A producer id and epoch for the id (a newer epoch fences any older producer of it and aborts its transaction). */
  async initProducerId(): Promise<ProducerIdentity> {
    const r = await this.toCoordinator(
      'InitProducerId',
      INIT_PRODUCER_ID,
      {
        transactionalId: this.transactionalId,
        transactionTimeoutMs: this.timeoutMs,
      },
      (m) => m.errorCode as number,
    );
    return { producerId: Number(r.producerId), producerEpoch: Number(r.producerEpoch) };
  }

  async addPartitions(p: ProducerIdentity, topic: string, partitions: number[]): Promise<void> {
    await this.toCoordinator(
      `AddPartitionsToTxn for ${topic} partition(s) ${partitions.join(', ')}`,
      ADD_PARTITIONS_TO_TXN,
      {
        transactionalId: this.transactionalId,
        producerId: p.producerId,
        producerEpoch: p.producerEpoch,
        topics: [{ name: topic, partitions }],
      },
      // the first partition's error that is not NONE (OPERATION_NOT_ATTEMPTED stands behind another one's)
      (m) => {
        const codes = ((m.results as Msg[]) ?? []).flatMap((t) =>
          ((t.results as Msg[]) ?? []).map((x) => x.partitionErrorCode as number),
        );
        return codes.find((c) => c !== 0 && c !== 55) ?? codes.find((c) => c !== 0) ?? 0;
      },
    );
  }

  /** One transactional batch (the partition was added); resolves with its base offset. */
  async produce(topic: string, partition: number, records: ProduceRecord[], producer: BatchProducer): Promise<number> {
    return (await this.transport.produce(topic, partition, records, producer, this.transactionalId)).baseOffset;
  }

  /** EndTxn: the coordinator writes COMMIT (or ABORT) markers to the transaction's partitions. */
  async endTxn(p: ProducerIdentity, commit: boolean): Promise<void> {
    await this.toCoordinator(
      commit ? 'EndTxn (commit)' : 'EndTxn (abort)',
      END_TXN,
      {
        transactionalId: this.transactionalId,
        producerId: p.producerId,
        producerEpoch: p.producerEpoch,
        committed: commit,
      },
      (m) => m.errorCode as number,
    );
  }

  private async toCoordinator(
    what: string,
    api: { key: number; version: number },
    body: Msg,
    errorOf: (m: Msg) => number,
  ): Promise<Msg> {
    const until = Date.now() + COORDINATOR_PATIENCE_MS;
    for (;;) {
      let node: number;
      try {
        this.coordinator ??= await this.cluster.coordinatorOf(this.transactionalId, 'transaction');
        node = this.coordinator;
      } catch (e) {
        throw asKafkaError(e);
      }
      const r = await this.cluster.request(node, api.key, api.version, body);
      const code = errorOf(r);
      if (code === 0) return r;
      if (COORDINATOR_MOVED.has(code)) this.coordinator = undefined;
      if ((COORDINATOR_MOVED.has(code) || COORDINATOR_BUSY.has(code)) && Date.now() < until) {
        await new Promise((res) => setTimeout(res, 100));
        continue;
      }
      const acl = code === 53 ? ' (refused by the cluster’s ACLs)' : '';
      throw new KafkaError(
        code as ErrorCode,
        `${what} of "${this.transactionalId}" on ${this.cluster.name}: ${remoteErrorName(code)}${acl}`,
      );
    }
  }
}
