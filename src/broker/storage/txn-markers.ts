/**
 * The TxnMarkerWriter (src/broker/api.ts) of the partition logs: ends a producer's transaction on each of its
 * partitions by appending a COMMIT or ABORT control batch (control-batch.ts), closing the producer's open
 * transaction in the producer state (the partition's last stable offset moves past it), and, for an ABORT, adding
 * the transaction to the aborted-transaction index of the segment holding the marker (txn-index.ts). Resolves
 * once every marker is appended, with its offset: markers follow the partitions' flush policy like any append
 * (no fsync of their own; whenDurable() resolves once the flush made them durable). The coordinator keeps the
 * markers' offsets in its state until then and, after a restart, writes again those a partition lost
 * (logEndOffset), so a marker never needs its own fsync to be correct.
 *
 * Per partition: NONE; UNKNOWN_TOPIC_OR_PARTITION when the topic or partition is gone; INVALID_PRODUCER_EPOCH when
 * the producer's epoch on the partition is newer than the marker's (nothing written); KAFKA_STORAGE_ERROR when the
 * append or the fsync failed (the coordinator writes the marker again later; a second marker for a transaction
 * already ended is harmless: it closes nothing, and a second ABORT entry covers only its own offset).
 *
 * Callers: broker.ts (composes it as Broker.txnMarkers for the transaction coordinator).
 */
import type { LogManager, ProducerTransactionState, TxnMarker, TxnMarkerWriter } from '../api';
import type { Clock } from '../clock';
import type { BrokerEvents } from '../types';
import { ErrorCode, KafkaError } from '../errors';
import type { TopicPartition } from '../../shared/topic-partition';
import { controlBatchHeader, encodeControlBatch } from './control-batch';

export interface LogTxnMarkerWriterDeps {
  logs: Pick<LogManager, 'getTopic' | 'appendValidated' | 'appendAbortedTransaction' | 'whenFlushed' | 'partitionInfo'>;
  producers: Pick<ProducerTransactionState, 'checkTxnMarker' | 'completeTxn' | 'firstUnstableOffset'>;
  clock: Clock;
  /** Receives a 'txnMarker' event for each marker once it is appended (the Broker's onEvent). */
  onEvent?: (event: 'txnMarker', payload: BrokerEvents['txnMarker']) => void;
}

export class LogTxnMarkerWriter implements TxnMarkerWriter {
  constructor(private readonly deps: LogTxnMarkerWriterDeps) {}

  /** The markers follow the flush policy: this waits for its next timer flush and starts none. */
  whenDurable(): Promise<void> {
    return this.deps.logs.whenFlushed();
  }

  logEndOffset(tp: TopicPartition): number | undefined {
    const t = this.deps.logs.getTopic(tp.topic);
    if (!t || !Number.isInteger(tp.partition) || tp.partition < 0 || tp.partition >= t.partitions) return undefined;
    return this.deps.logs.partitionInfo(tp.topic, tp.partition).logEndOffset;
  }

  async writeTxnMarkers(
    marker: TxnMarker,
    partitions: readonly TopicPartition[],
  ): Promise<{ topic: string; partition: number; errorCode: number; offset?: number }[]> {
    const { logs, producers, clock } = this.deps;
    const results: { topic: string; partition: number; errorCode: number; offset?: number }[] = [];
    const written: { topic: string; partition: number; offset: number }[] = [];
    for (const { topic, partition } of partitions) {
      const result: (typeof results)[number] = { topic, partition, errorCode: ErrorCode.NONE };
      results.push(result);
      const t = logs.getTopic(topic);
      if (!t || !Number.isInteger(partition) || partition < 0 || partition >= t.partitions) {
        result.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        continue;
      }
      try {
        producers.checkTxnMarker(topic, partition, marker.producerId, marker.producerEpoch);
        const timestamp = clock.now();
        const batch = encodeControlBatch({ ...marker, timestamp });
        const { baseOffset } = logs.appendValidated(topic, partition, batch, [controlBatchHeader(batch)]);
        const done = producers.completeTxn(
          topic,
          partition,
          marker.producerId,
          marker.producerEpoch,
          baseOffset,
          timestamp,
        );
        if (!marker.commit) {
          logs.appendAbortedTransaction(topic, partition, {
            producerId: marker.producerId,
            firstOffset: done.firstOffset ?? baseOffset,
            lastOffset: baseOffset,
            lastStableOffset: done.lastStableOffset,
          });
        }
        result.offset = baseOffset;
        written.push({ topic, partition, offset: baseOffset });
      } catch (e) {
        result.errorCode = e instanceof KafkaError ? e.code : ErrorCode.KAFKA_STORAGE_ERROR;
      }
    }
    for (const w of written) {
      const info = logs.partitionInfo(w.topic, w.partition);
      const first = producers.firstUnstableOffset(w.topic, w.partition);
      this.deps.onEvent?.('txnMarker', {
        topic: w.topic,
        partition: w.partition,
        producerId: marker.producerId,
        producerEpoch: marker.producerEpoch,
        commit: marker.commit,
        offset: w.offset,
        lastStableOffset:
          first === null ? info.logEndOffset : Math.max(info.logStartOffset, Math.min(first, info.logEndOffset)),
      });
    }
    return results;
  }
}
