/**
 * DescribeProducers (key 61), v0 (flexible): the active producers of partitions (kafka-transactions.sh
 * describe-producers, Admin.describeProducers), from the producer state manager: per producer its id, epoch and
 * last sequence (-1 before any batch), its last timestamp (the max timestamp of its last batch or marker on the
 * partition, from the producer state; -1 when not known); the coordinator epoch is 0 and the current transaction
 * start offset the first offset of the producer's open transaction on the
 * partition when the partition side reports one, else -1 for both (no open transaction). A topic or partition
 * that does not exist is UNKNOWN_TOPIC_OR_PARTITION with a message.
 */
import { ErrorCode } from '../../broker/errors';
import type { ProducerPartitionState } from '../../broker/types';
import { arr, f } from '../codec/schema';
import { defineApi } from './api';

interface ActiveProducer {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: number;
  coordinatorEpoch: number;
  currentTxnStartOffset: number;
}

interface DescribeProducersResponse {
  throttleTimeMs: number;
  topics: {
    name: string;
    partitions: {
      partitionIndex: number;
      errorCode: number;
      errorMessage: string | null;
      activeProducers: ActiveProducer[];
    }[];
  }[];
}

/** The open transaction's first offset when the partition side reports it (a field it may add to the state). */
function txnStartOffset(s: ProducerPartitionState): number {
  const v = (s as ProducerPartitionState & { currentTxnStartOffset?: unknown }).currentTxnStartOffset;
  return typeof v === 'number' && v >= 0 ? v : -1;
}

export const describeProducers = defineApi<
  { topics: { name: string; partitionIndexes: number[] }[] },
  DescribeProducersResponse
>({
  apiKey: 61,
  name: 'DescribeProducers',
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: 0,
  request: [arr('topics', [f('name', 'string'), arr('partitionIndexes', 'int32')])],
  response: [
    f('throttleTimeMs', 'int32'),
    arr('topics', [
      f('name', 'string'),
      arr('partitions', [
        f('partitionIndex', 'int32'),
        f('errorCode', 'int16'),
        f('errorMessage', 'string', '0+', { nullable: true }),
        arr('activeProducers', [
          f('producerId', 'int64'),
          f('producerEpoch', 'int32'),
          f('lastSequence', 'int32'),
          f('lastTimestamp', 'int64'),
          f('coordinatorEpoch', 'int32'),
          f('currentTxnStartOffset', 'int64'),
        ]),
      ]),
    ]),
  ],
  handle(ctx, req) {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => {
        const topic = ctx.broker.getTopic(t.name);
        return {
          name: t.name,
          partitions: t.partitionIndexes.map((p) => {
            if (!topic || p < 0 || p >= topic.partitions)
              return {
                partitionIndex: p,
                errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                errorMessage: topic
                  ? `topic "${t.name}" has partitions 0..${topic.partitions - 1}; there is no partition ${p}`
                  : `there is no topic "${t.name}"`,
                activeProducers: [],
              };
            return {
              partitionIndex: p,
              errorCode: ErrorCode.NONE,
              errorMessage: null,
              activeProducers: ctx.broker.producerState(t.name, p).map((s) => {
                const start = txnStartOffset(s);
                const last = s.batches[s.batches.length - 1];
                return {
                  producerId: s.producerId,
                  producerEpoch: s.producerEpoch,
                  lastSequence: last ? last.lastSequence : -1,
                  lastTimestamp: s.lastTimestamp,
                  coordinatorEpoch: start >= 0 ? 0 : -1,
                  currentTxnStartOffset: start,
                };
              }),
            };
          }),
        };
      }),
    };
  },
});
