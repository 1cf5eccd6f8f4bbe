/**
 * AddOffsetsToTxn (key 25), v0-4 (flexible from v3): a transactional producer announces that its transaction will
 * carry offsets of a consumer group (TxnOffsetCommit follows; the offsets become the group's committed offsets
 * only when the transaction commits). v1 is v0; v2 allows PRODUCER_FENCED (90), which v0-1 get as
 * INVALID_PRODUCER_EPOCH (47); v4 only allows TRANSACTION_ABORTABLE, which this broker never answers. Errors as
 * AddPartitionsToTxn: INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED, CONCURRENT_TRANSACTIONS, INVALID_TXN_STATE.
 */
import { ErrorCode } from '../../broker/errors';
import { f } from '../codec/schema';
import { fencedFor } from './24-add-partitions-to-txn';
import { defineApi, errorCodeOf, errorMessageOf } from './api';

interface AddOffsetsToTxnRequest {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  groupId: string;
}

export const addOffsetsToTxn = defineApi<AddOffsetsToTxnRequest, { throttleTimeMs: number; errorCode: number }>({
  apiKey: 25,
  name: 'AddOffsetsToTxn',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,
  request: [
    f('transactionalId', 'string'),
    f('producerId', 'int64'),
    f('producerEpoch', 'int16'),
    f('groupId', 'string'),
  ],
  response: [f('throttleTimeMs', 'int32'), f('errorCode', 'int16')],
  async handle(ctx, req) {
    try {
      await ctx.broker.addOffsetsToTxn(req.transactionalId, req.producerId, req.producerEpoch, req.groupId);
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE };
    } catch (e) {
      const code = fencedFor(errorCodeOf(ctx, e, `AddOffsetsToTxn "${req.transactionalId}"`), ctx.apiVersion, 2);
      if (code !== ErrorCode.CONCURRENT_TRANSACTIONS)
        ctx.log('info', `client ${ctx.clientId}: AddOffsetsToTxn refused (${code}): ${errorMessageOf(e)}`);
      return { throttleTimeMs: 0, errorCode: code };
    }
  },
});
