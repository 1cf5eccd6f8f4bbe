/**
 * What the Producer (producer.ts) needs from a cluster, so one producer — its producer id, epoch and per-partition
 * sequence numbers, resendLast() and skipSequence() — runs on this window's in-process Broker and, through
 * src/extension/clusters/wire-producer.ts, on any Kafka cluster reached over the wire.
 *
 * Contract of every transport:
 *  - partitionCount: the topic's partition count, undefined when there is no such topic (the in-process broker
 *    creates it first when its auto-create is on, as its Produce does; a wire transport never creates a topic);
 *  - initProducerId: a producer id and epoch 0 for an idempotent producer; with `current` the in-process broker
 *    bumps the epoch, a transport that cannot (`bumpsEpoch` false) hands out a new producer id instead;
 *  - produce: one batch to one partition, the records' timestamps as given, with the producer id, epoch and base
 *    sequence when idempotent; resolves with the base offset the server answered (for a duplicate: the original
 *    one) and `duplicate` when the server says so (Kafka's wire answer does not: undefined); rejects with a
 *    KafkaError carrying the server's error code (OUT_OF_ORDER_SEQUENCE_NUMBER, TOPIC_AUTHORIZATION_FAILED, …);
 *  - logEndOffset / offsets: the partition's offsets as the server tells them now (PartitionOffsets, the noun the
 *    consumer's transport uses too: the log end is the high watermark a consumer sees).
 */
import type { Broker } from '../broker/broker';
import type { ProduceRecord } from '../broker/types';
import type { PartitionOffsets } from './consumer-transport';

export type { PartitionOffsets };

export interface ProducerIdentity {
  producerId: number;
  producerEpoch: number;
}

export interface BatchProducer extends ProducerIdentity {
  baseSequence: number;
}

export interface ProducedBatch {
  baseOffset: number;
  /** The server recognised a retry (nothing appended); undefined when its answer cannot tell. */
  duplicate: boolean | undefined;
}

export interface ProducerTransport {
  /** 'in-process': this window's Broker; 'wire': a cluster over the Kafka protocol. */
  readonly transport: 'in-process' | 'wire';
  /** Whether initProducerId(current) bumps the epoch of the same producer id. */
  readonly bumpsEpoch: boolean;
  partitionCount(topic: string): Promise<number | undefined>;
  initProducerId(current?: ProducerIdentity): Promise<ProducerIdentity>;
  produce(topic: string, partition: number, records: ProduceRecord[], producer?: BatchProducer): Promise<ProducedBatch>;
  logEndOffset(topic: string, partition: number): Promise<number>;
  offsets(topic: string, partition: number): Promise<PartitionOffsets>;
  /** The time a record without a timestamp gets (the broker's clock in-process, the wall clock on the wire). */
  now(): number;
}

/** The in-process transport: the Broker facade, no sockets. */
export class BrokerTransport implements ProducerTransport {
  readonly transport = 'in-process' as const;
  readonly bumpsEpoch = true;

  constructor(readonly broker: Broker) {}

  async partitionCount(topic: string): Promise<number | undefined> {
    return ((await this.broker.ensureTopic(topic)) ?? this.broker.getTopic(topic))?.partitions;
  }

  initProducerId(current?: ProducerIdentity): Promise<ProducerIdentity> {
    return this.broker.initProducerId(null, current);
  }

  async produce(
    topic: string,
    partition: number,
    records: ProduceRecord[],
    producer?: BatchProducer,
  ): Promise<ProducedBatch> {
    const r = await this.broker.produce(topic, records, { partition, producer });
    return { baseOffset: r.baseOffset, duplicate: r.duplicate };
  }

  async logEndOffset(topic: string, partition: number): Promise<number> {
    return this.broker.partitionInfo(topic, partition).logEndOffset;
  }

  async offsets(topic: string, partition: number): Promise<PartitionOffsets> {
    const info = this.broker.partitionInfo(topic, partition);
    return {
      logStartOffset: info.logStartOffset,
      logEndOffset: info.logEndOffset,
      lastStableOffset: info.lastStableOffset ?? info.logEndOffset,
    };
  }

  now(): number {
    return this.broker.clock.now();
  }
}

/** A transport, or a Broker to wrap in one. */
export function toTransport(target: Broker | ProducerTransport): ProducerTransport {
  return 'transport' in target && 'bumpsEpoch' in target ? target : new BrokerTransport(target);
}
