/**
 * InitProducerId (key 22), v0-5 (flexible from v2): hands an idempotent producer its producer id and epoch. From
 * v3 a producer may name its current id and epoch (both, or neither: else INVALID_REQUEST) to have the epoch
 * bumped instead of getting a new id. v6 (two-phase commit) is unstable in Kafka and not offered.
 * Transactions are not implemented: a transactional id is refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53),
 * the code Kafka gives an id the producer may not use, because the clients treat it as final (Java's
 * initTransactions() throws at once, librdkafka raises a fatal error, kafkajs does not retry it); the engine's
 * reason is logged in one line, since the response has no message field.
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
      const r = await ctx.broker.initProducerId(req.transactionalId, current);
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
      // The engine refuses any transactional id (no transactions yet): answer with a code clients do not retry.
      const transactional = req.transactionalId !== null && req.transactionalId !== '';
      if (transactional && errorCode === ErrorCode.INVALID_REQUEST) {
        errorCode = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
      }
      return refused(errorCode, errorMessageOf(e));
    }
  },
});
