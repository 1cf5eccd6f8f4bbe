/**
 * WriteTxnMarkers (key 27), v0-1 (flexible from v1). In Kafka the transaction coordinator sends it to partition
 * leaders; clients send it for one thing: Admin.abortTransaction (`kafka-transactions.sh abort --topic
 * --partition --producer-id --producer-epoch --coordinator-epoch`), which ends a hanging transaction on a
 * partition by writing an ABORT marker for that producer. That is what this broker accepts: per partition, an
 * ABORT marker written through the partition logs (NONE, UNKNOWN_TOPIC_OR_PARTITION, KAFKA_STORAGE_ERROR as the
 * logs answer). Refused per partition: a COMMIT marker (INVALID_REQUEST: only an abort may be written by hand) and a
 * partition of a transaction this coordinator still owns (INVALID_TXN_STATE: end it with EndTxn, or abort the
 * transactional id). The coordinator epoch is not checked (there is one coordinator, epoch 0).
 */
import { ErrorCode } from '../../broker/errors';
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf, errorMessageOf } from './api';

interface Marker {
  producerId: number;
  producerEpoch: number;
  transactionResult: boolean;
  topics: { name: string; partitionIndexes: number[] }[];
  coordinatorEpoch: number;
}

interface MarkerResult {
  producerId: number;
  topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

export const writeTxnMarkers = defineApi<{ markers: Marker[] }, { markers: MarkerResult[] }>({
  apiKey: 27,
  name: 'WriteTxnMarkers',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 1,
  request: [
    arr('markers', [
      f('producerId', 'int64'),
      f('producerEpoch', 'int16'),
      f('transactionResult', 'bool'),
      arr('topics', [f('name', 'string'), arr('partitionIndexes', 'int32')]),
      f('coordinatorEpoch', 'int32'),
    ]),
  ],
  response: [
    arr('markers', [
      f('producerId', 'int64'),
      arr('topics', [f('name', 'string'), arr('partitions', [f('partitionIndex', 'int32'), f('errorCode', 'int16')])]),
    ]),
  ],
  async handle(ctx, req) {
    const markers: MarkerResult[] = [];
    for (const m of req.markers) {
      const topics: MarkerResult['topics'] = [];
      for (const t of m.topics) {
        const partitions: { partitionIndex: number; errorCode: number }[] = [];
        for (const p of t.partitionIndexes) {
          let errorCode: number;
          if (m.transactionResult) {
            errorCode = ErrorCode.INVALID_REQUEST;
            ctx.log(
              'warn',
              `client ${ctx.clientId}: WriteTxnMarkers refused a COMMIT marker for producer ${m.producerId} on ${t.name}-${p}: only an ABORT marker may be written by hand`,
            );
          } else {
            try {
              errorCode = await ctx.broker.abortHangingTransaction(
                { topic: t.name, partition: p },
                m.producerId,
                m.producerEpoch,
              );
            } catch (e) {
              errorCode = errorCodeOf(ctx, e, `WriteTxnMarkers ${t.name}-${p}`);
              ctx.log('warn', `client ${ctx.clientId}: WriteTxnMarkers refused (${errorCode}): ${errorMessageOf(e)}`);
            }
          }
          partitions.push({ partitionIndex: p, errorCode });
        }
        topics.push({ name: t.name, partitions });
      }
      markers.push({ producerId: m.producerId, topics });
    }
    return { markers };
  },
});
