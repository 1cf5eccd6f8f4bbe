/**
 * EndTxn (key 26), v0-4 (flexible from v3): a transactional producer commits or aborts its transaction. The
 * answer comes once the decision (PrepareCommit / PrepareAbort) is durable and the COMMIT / ABORT markers were
 * written to every partition of the transaction (a marker that failed is retried by the coordinator; the
 * transaction stays in Prepare* and the id answers CONCURRENT_TRANSACTIONS until it is done). A retried EndTxn of
 * a completed transaction answers NONE; the opposite decision, or EndTxn with nothing added, INVALID_TXN_STATE.
 * v1 is v0; v2 allows PRODUCER_FENCED (90), which v0-1 get as INVALID_PRODUCER_EPOCH (47); v4 only allows
 * TRANSACTION_ABORTABLE. v5 (KIP-890 part 2: an epoch bump at every EndTxn) belongs to transaction version 2,
 * which this broker does not advertise, and is not offered.
 */
import { ErrorCode } from '../../broker/errors';
import { f } from '../codec/schema';
import { fencedFor } from './24-add-partitions-to-txn';
import { defineApi, errorCodeOf, errorMessageOf } from './api';

interface EndTxnRequest {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  committed: boolean;
}

export const endTxn = defineApi<EndTxnRequest, { throttleTimeMs: number; errorCode: number }>({
  apiKey: 26,
  name: 'EndTxn',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,
  request: [
    f('transactionalId', 'string'),
    f('producerId', 'int64'),
    f('producerEpoch', 'int16'),
    f('committed', 'bool'),
  ],
  response: [f('throttleTimeMs', 'int32'), f('errorCode', 'int16')],
  async handle(ctx, req) {
    try {
      await ctx.broker.endTxn(req.transactionalId, req.producerId, req.producerEpoch, req.committed);
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE };
    } catch (e) {
      const code = fencedFor(errorCodeOf(ctx, e, `EndTxn "${req.transactionalId}"`), ctx.apiVersion, 2);
      if (code !== ErrorCode.CONCURRENT_TRANSACTIONS)
        ctx.log('info', `client ${ctx.clientId}: EndTxn refused (${code}): ${errorMessageOf(e)}`);
      return { throttleTimeMs: 0, errorCode: code };
    }
  },
});
