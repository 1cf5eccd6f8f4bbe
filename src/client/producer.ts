/**
 * The producer the panels use: sends records to a topic through a ProducerTransport (producer-transport.ts: this
 * window's Broker facade, or any Kafka cluster over the wire), optionally as an idempotent producer (producer id, epoch, per-partition sequence numbers), with explicit sequence control so a
 * person can replay the last batch (a retry after a lost acknowledgement) or skip a sequence on purpose and watch
 * the broker answer OUT_OF_ORDER_SEQUENCE_NUMBER.
 *
 * Guarantees: a send's sequence advances only when the broker accepted the batch; resendLast() sends byte-for-byte
 * the same records with the same sequence (an idempotent producer's retry is stored once; a plain producer's retry
 * is stored twice: at-least-once). A retry is a duplicate when the server says so or, where its answer cannot tell
 * (Kafka's Produce response), when it answers the offset the first acknowledgement gave. Errors are thrown as
 * KafkaError with Kafka's code. Over a transport that cannot bump an epoch (the wire's non-flexible InitProducerId)
 * init() again starts over with a new producer id.
 *
 * Callers: panels, tests, benchmarks (in the extension host process).
 */
import type { Broker } from '../broker/broker';
import { choosePartition } from '../broker/partitioner';
import { ErrorCode, KafkaError } from '../broker/errors';
import type { ProduceRecord } from '../broker/types';
import { incrementSequence } from '../broker/producers/producer-state';
import { TopicPartitionMap } from '../shared/topic-partition';
import type { ProducerTransport } from './producer-transport';
import { toTransport } from './producer-transport';

export interface ProducerOptions {
  idempotent?: boolean;
  clientId?: string;
}

export interface SendResult {
  topic: string;
  partition: number;
  baseOffset: number;
  lastOffset: number;
  /** True when the broker recognised the batch as a retry of one already stored (nothing was appended). */
  duplicate: boolean;
  recordCount: number;
  /** -1 for a plain producer. */
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  logEndOffset: number;
}

interface LastSend {
  topic: string;
  partition: number;
  records: ProduceRecord[];
  baseSequence: number;
  producerEpoch: number;
  acked: boolean;
  /** The base offset of the first acknowledgement (a retry answered with it is a duplicate). */
  ackedBaseOffset: number;
}

export class Producer {
  readonly idempotent: boolean;
  readonly clientId: string;
  producerId = -1;
  producerEpoch = -1;
  private readonly sequences = new TopicPartitionMap<number>();
  private last?: LastSend;
  private roundRobin = 0;
  readonly transport: ProducerTransport;

  /** On a Broker (in-process) or any ProducerTransport (wire-producer.ts for a cluster over the wire). */
  constructor(target: Broker | ProducerTransport, opts: ProducerOptions = {}) {
    this.transport = toTransport(target);
    this.idempotent = opts.idempotent ?? false;
    this.clientId = opts.clientId ?? 'kafka-lite-producer';
  }

  /**
   * Idempotent producers get a producer id (epoch 0); calling init() again bumps the epoch (sequences restart at
   * 0 and batches of the old epoch are fenced with INVALID_PRODUCER_EPOCH). A plain producer has nothing to do.
   */
  async init(): Promise<void> {
    if (!this.idempotent) return;
    const current =
      this.producerId >= 0 && this.transport.bumpsEpoch
        ? { producerId: this.producerId, producerEpoch: this.producerEpoch }
        : undefined;
    const r = await this.transport.initProducerId(current);
    this.producerId = r.producerId;
    this.producerEpoch = r.producerEpoch;
    this.sequences.clear();
  }

  /** The sequence the next batch to this partition will carry (0 for a plain producer). */
  nextSequence(topic: string, partition: number): number {
    return this.sequences.get(topic, partition) ?? 0;
  }

  /**
   * Make the next send to this partition jump its sequence by `by` (the broker will answer 45). A negative `by`
   * moves it back (e.g. to undo a skip); the result never goes below 0. init() also starts over (new epoch).
   */
  skipSequence(topic: string, partition: number, by = 1): void {
    if (!Number.isInteger(by) || by === 0)
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `skipSequence needs a non-zero whole number, got ${by}`);
    const current = this.nextSequence(topic, partition);
    const next = by > 0 ? incrementSequence(current, by) : Math.max(0, current + by);
    this.sequences.set(topic, partition, next);
  }

  async send(topic: string, records: ProduceRecord[], opts: { partition?: number } = {}): Promise<SendResult> {
    if (records.length === 0)
      throw new KafkaError(ErrorCode.INVALID_REQUEST, 'nothing to send: the record list is empty');
    if (this.idempotent && this.producerId < 0) await this.init();
    const partitions = await this.transport.partitionCount(topic);
    if (partitions === undefined)
      throw new KafkaError(
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        this.transport.transport === 'wire'
          ? `there is no topic "${topic}" on the cluster (the producer never creates one there)`
          : `there is no topic "${topic}" (auto-create is off)`,
      );
    const partition = opts.partition ?? choosePartition(records[0].key ?? null, partitions, () => this.roundRobin++);
    const now = this.transport.now();
    // Fix the timestamps now so that resendLast() sends exactly the same batch.
    const fixed = records.map((r) => ({ ...r, timestamp: r.timestamp ?? now }));
    const last: LastSend = {
      topic,
      partition,
      records: fixed,
      baseSequence: this.idempotent ? this.nextSequence(topic, partition) : -1,
      producerEpoch: this.producerEpoch,
      acked: false,
      ackedBaseOffset: -1,
    };
    this.last = last;
    return this.sendBatch(last);
  }

  /** Send the previous batch again, unchanged: what a client does when an acknowledgement was lost. */
  async resendLast(): Promise<SendResult> {
    if (!this.last)
      throw new KafkaError(ErrorCode.INVALID_REQUEST, 'there is no previous batch to resend: send something first');
    return this.sendBatch(this.last);
  }

  private async sendBatch(b: LastSend): Promise<SendResult> {
    const producer = this.idempotent
      ? { producerId: this.producerId, producerEpoch: b.producerEpoch, baseSequence: b.baseSequence }
      : undefined;
    const r = await this.transport.produce(b.topic, b.partition, b.records, producer);
    const duplicate = r.duplicate ?? (b.acked && r.baseOffset === b.ackedBaseOffset);
    if (this.idempotent && !b.acked && b.producerEpoch === this.producerEpoch) {
      const after = incrementSequence(b.baseSequence, b.records.length);
      // Only move forward: a late retry of an older batch must not pull the sequence back.
      if (this.nextSequence(b.topic, b.partition) === b.baseSequence) this.sequences.set(b.topic, b.partition, after);
    }
    if (!b.acked) b.ackedBaseOffset = r.baseOffset;
    b.acked = true;
    return {
      topic: b.topic,
      partition: b.partition,
      baseOffset: r.baseOffset,
      lastOffset: r.baseOffset + b.records.length - 1,
      duplicate,
      recordCount: b.records.length,
      producerId: this.idempotent ? this.producerId : -1,
      producerEpoch: this.idempotent ? b.producerEpoch : -1,
      baseSequence: b.baseSequence,
      logEndOffset: await this.transport.logEndOffset(b.topic, b.partition),
    };
  }
}
