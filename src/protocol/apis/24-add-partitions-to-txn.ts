/**
 * AddPartitionsToTxn (key 24), v0-3 (flexible from v3): a transactional producer adds the partitions it is about
 * to write to its transaction, before producing to them (transaction version 1: this broker does not advertise
 * KIP-890's transaction.version 2, see src/broker/transactions/coordinator.ts). v1 is v0; v2 allows
 * PRODUCER_FENCED (90), which v0-1 get as INVALID_PRODUCER_EPOCH (47). v4+ (batches of transactions, VerifyOnly)
 * are broker-to-broker in Kafka and not offered: clients send v3 at most.
 * Every partition gets the transaction-level error when there is one (INVALID_PRODUCER_ID_MAPPING,
 * PRODUCER_FENCED, CONCURRENT_TRANSACTIONS while the previous transaction's markers are being written,
 * INVALID_TXN_STATE); a partition that does not exist is UNKNOWN_TOPIC_OR_PARTITION and then the others are
 * OPERATION_NOT_ATTEMPTED (55): nothing is added.
 */
import { ErrorCode } from '../../broker/errors';
import { TopicPartitionMap } from '../../shared/topic-partition';
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf, errorMessageOf } from './api';

interface AddPartitionsToTxnRequest {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  topics: { name: string; partitions: number[] }[];
}

interface AddPartitionsToTxnResponse {
  throttleTimeMs: number;
  results: { name: string; results: { partitionIndex: number; partitionErrorCode: number }[] }[];
}

/** PRODUCER_FENCED is known to clients of `since` and later; older ones get INVALID_PRODUCER_EPOCH. */
export function fencedFor(errorCode: number, version: number, since: number): number {
  return errorCode === ErrorCode.PRODUCER_FENCED && version < since ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode;
}

export const addPartitionsToTxn = defineApi<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>({
  apiKey: 24,
  name: 'AddPartitionsToTxn',
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 3,
  request: [
    f('transactionalId', 'string'),
    f('producerId', 'int64'),
    f('producerEpoch', 'int16'),
    arr('topics', [f('name', 'string'), arr('partitions', 'int32')]),
  ],
  response: [
    f('throttleTimeMs', 'int32'),
    arr('results', [
      f('name', 'string'),
      arr('results', [f('partitionIndex', 'int32'), f('partitionErrorCode', 'int16')]),
    ]),
  ],
  async handle(ctx, req) {
    const partitions = req.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
    const codes = new TopicPartitionMap<number>();
    try {
      for (const r of await ctx.broker.addPartitionsToTxn(
        req.transactionalId,
        req.producerId,
        req.producerEpoch,
        partitions,
      ))
        codes.set(r.topic, r.partition, r.errorCode);
    } catch (e) {
      const code = fencedFor(errorCodeOf(ctx, e, `AddPartitionsToTxn "${req.transactionalId}"`), ctx.apiVersion, 2);
      if (code !== ErrorCode.CONCURRENT_TRANSACTIONS)
        ctx.log('info', `client ${ctx.clientId}: AddPartitionsToTxn refused (${code}): ${errorMessageOf(e)}`);
      for (const p of partitions) codes.set(p.topic, p.partition, code);
    }
    return {
      throttleTimeMs: 0,
      results: req.topics.map((t) => ({
        name: t.name,
        results: t.partitions.map((p) => ({
          partitionIndex: p,
          partitionErrorCode: codes.get(t.name, p) ?? ErrorCode.NONE,
        })),
      })),
    };
  },
});
