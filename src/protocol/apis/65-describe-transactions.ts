/**
 * DescribeTransactions (key 65), v0 (flexible): the coordinator's state of transactional ids (kafka-transactions.sh
 * describe, Admin.describeTransactions): state (Kafka's names: Empty, Ongoing, PrepareCommit, PrepareAbort,
 * CompleteCommit, CompleteAbort), producer id and epoch, transaction.timeout.ms, when the open transaction started
 * (-1 when none is open) and its partitions by topic. Consumer groups added with AddOffsetsToTxn are not listed:
 * Kafka lists them as partitions of __consumer_offsets, a topic this broker does not have. An id the coordinator
 * does not know (never initialised, or forgotten after transactional.id.expiration.ms) is
 * TRANSACTIONAL_ID_NOT_FOUND (105) with empty fields.
 */
import { ErrorCode } from '../../broker/errors';
import { arr, f } from '../codec/schema';
import { defineApi, groupByTopic } from './api';

interface TransactionState {
  errorCode: number;
  transactionalId: string;
  transactionState: string;
  transactionTimeoutMs: number;
  transactionStartTimeMs: number;
  producerId: number;
  producerEpoch: number;
  topics: { topic: string; partitions: number[] }[];
}

export const describeTransactions = defineApi<
  { transactionalIds: string[] },
  { throttleTimeMs: number; transactionStates: TransactionState[] }
>({
  apiKey: 65,
  name: 'DescribeTransactions',
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: 0,
  request: [arr('transactionalIds', 'string')],
  response: [
    f('throttleTimeMs', 'int32'),
    arr('transactionStates', [
      f('errorCode', 'int16'),
      f('transactionalId', 'string'),
      f('transactionState', 'string'),
      f('transactionTimeoutMs', 'int32'),
      f('transactionStartTimeMs', 'int64'),
      f('producerId', 'int64'),
      f('producerEpoch', 'int16'),
      arr('topics', [f('topic', 'string'), arr('partitions', 'int32')]),
    ]),
  ],
  handle(ctx, req) {
    return {
      throttleTimeMs: 0,
      transactionStates: req.transactionalIds.map((id): TransactionState => {
        const d = ctx.broker.describeTransaction(id);
        if (!d)
          return {
            errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND,
            transactionalId: id,
            transactionState: '',
            transactionTimeoutMs: 0,
            transactionStartTimeMs: -1,
            producerId: -1,
            producerEpoch: -1,
            topics: [],
          };
        return {
          errorCode: ErrorCode.NONE,
          transactionalId: id,
          transactionState: d.state,
          transactionTimeoutMs: d.timeoutMs,
          transactionStartTimeMs: d.startTimestamp,
          producerId: d.producerId,
          producerEpoch: d.producerEpoch,
          topics: groupByTopic(d.partitions, (p) => p.partition).map((t) => ({
            topic: t.name,
            partitions: t.partitions,
          })),
        };
      }),
    };
  },
});
