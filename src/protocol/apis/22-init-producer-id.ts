/**
 * InitProducerId (key 22), v0-5 (flexible from v2): hands a producer its producer id and epoch. From v3 a producer
 * may name its current id and epoch (both, or neither: else INVALID_REQUEST) to have the epoch bumped instead of
 * getting a new id. v6 (two-phase commit) is unstable in Kafka and not offered.
 * Without a transactional id (null) it is the idempotent producer's id. With one, the transaction coordinator
 * answers (src/broker/transactions/coordinator.ts): the id's producer id with its epoch bumped (older producers
 * of the id are fenced), after aborting an open transaction; CONCURRENT_TRANSACTIONS (51) while the previous
 * transaction's markers are still being written (clients retry); INVALID_TRANSACTION_TIMEOUT (50) for a
 * transaction.timeout.ms outside 1..900000; PRODUCER_FENCED (90, v4+; INVALID_PRODUCER_EPOCH 47 before) when the
 * id and epoch a v3+ producer names are no longer the current ones. An empty transactional id is INVALID_REQUEST.
 * Every refusal is logged in one line naming the reason, since the response has no message field.
 * Handing out a new id first writes the next id to disk; when that write fails (a full disk: ENOSPC, EIO, a
 * read-only file system) the answer is KAFKA_STORAGE_ERROR (56), as for a Produce that cannot be written, and the
 * log line names the system error.
 */
import { ErrorCode } from '../../broker/errors';
import { f } from '../codec/schema';
import { defineApi, errorCodeOf, errorMessageOf } from './api';

/** A failed file operation (Node's system errors carry a syscall and an E-code), not a bug or a refusal. */
function isStorageFailure(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException | null;
  return !!err && typeof err.syscall === 'string' && typeof err.code === 'string' && err.code.startsWith('E');
}

interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  producerId: number;
  producerEpoch: number;
}

export const initProducerId = defineApi<
  InitProducerIdRequest,
  { throttleTimeMs: number; errorCode: number; producerId: number; producerEpoch: number }
>({
  apiKey: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 2,
  request: [
    f('transactionalId', 'string', '0+', { nullable: true }),
    f('transactionTimeoutMs', 'int32'),
    f('producerId', 'int64', '3+', { def: -1 }),
    f('producerEpoch', 'int16', '3+', { def: -1 }),
  ],
  response: [
    f('throttleTimeMs', 'int32'),
    f('errorCode', 'int16'),
    f('producerId', 'int64', '0+', { def: -1 }),
    f('producerEpoch', 'int16'),
  ],
  async handle(ctx, req) {
    const refused = (errorCode: number, reason: string) => {
      // The response has no message field: say why in the broker's log (e.g. "transactions are not supported").
      ctx.log('warn', `client ${ctx.clientId}: InitProducerId refused (${errorCode}): ${reason}`);
      return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 };
    };
    if ((req.producerId === -1) !== (req.producerEpoch === -1)) {
      return refused(
        ErrorCode.INVALID_REQUEST,
        `a producer id and epoch are given together or not at all; got id ${req.producerId}, epoch ${req.producerEpoch}`,
      );
    }
    const current = req.producerId >= 0 ? { producerId: req.producerId, producerEpoch: req.producerEpoch } : undefined;
    try {
      const r = await ctx.broker.initProducerId(req.transactionalId, current, req.transactionTimeoutMs);
      return { throttleTimeMs: 0, errorCode: 0, producerId: r.producerId, producerEpoch: r.producerEpoch };
    } catch (e) {
      if (isStorageFailure(e)) {
        ctx.log(
          'error',
          `client ${ctx.clientId}: InitProducerId failed (${ErrorCode.KAFKA_STORAGE_ERROR}): the next producer id could not be written: ${errorMessageOf(e)}`,
        );
        return { throttleTimeMs: 0, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, producerId: -1, producerEpoch: -1 };
      }
      let errorCode = errorCodeOf(ctx, e, 'InitProducerId');
      // PRODUCER_FENCED exists from v4; older clients know the same refusal as INVALID_PRODUCER_EPOCH.
      if (errorCode === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < 4) errorCode = ErrorCode.INVALID_PRODUCER_EPOCH;
      // A client retries CONCURRENT_TRANSACTIONS at once: not worth a warning per retry.
      if (errorCode === ErrorCode.CONCURRENT_TRANSACTIONS)
        return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 };
      return refused(errorCode, errorMessageOf(e));
    }
  },
});
