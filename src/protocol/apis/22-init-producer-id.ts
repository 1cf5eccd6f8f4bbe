/**
 * InitProducerId (key 22), v0-1: hands an idempotent producer its producer id and epoch. Handing out a new id
 * first writes the next id to disk; when that write fails (a full disk: ENOSPC, EIO, a read-only file system)
 * the answer is KAFKA_STORAGE_ERROR (56), as for a Produce that cannot be written, and the log line names the
 * system error.
 */
import { ErrorCode } from '../../broker/errors';
import { f } from '../codec/schema';
import { defineApi, errorCodeOf, errorMessageOf } from './api';

/** A failed file operation (Node's system errors carry a syscall and an E-code), not a bug or a refusal. */
function isStorageFailure(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException | null;
  return !!err && typeof err.syscall === 'string' && typeof err.code === 'string' && err.code.startsWith('E');
}

export const initProducerId = defineApi<
  { transactionalId: string | null; transactionTimeoutMs: number },
  { throttleTimeMs: number; errorCode: number; producerId: number; producerEpoch: number }
>({
  apiKey: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 2,
  request: [f('transactionalId', 'string', '0+', { nullable: true }), f('transactionTimeoutMs', 'int32')],
  response: [
    f('throttleTimeMs', 'int32'),
    f('errorCode', 'int16'),
    f('producerId', 'int64', '0+', { def: -1 }),
    f('producerEpoch', 'int16'),
  ],
  async handle(ctx, req) {
    try {
      const r = await ctx.broker.initProducerId(req.transactionalId);
      return { throttleTimeMs: 0, errorCode: 0, producerId: r.producerId, producerEpoch: r.producerEpoch };
    } catch (e) {
      if (isStorageFailure(e)) {
        ctx.log(
          'error',
          `client ${ctx.clientId}: InitProducerId failed (${ErrorCode.KAFKA_STORAGE_ERROR}): the next producer id could not be written: ${errorMessageOf(e)}`,
        );
        return { throttleTimeMs: 0, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, producerId: -1, producerEpoch: -1 };
      }
      const errorCode = errorCodeOf(ctx, e, 'InitProducerId');
      // The response has no message field: say why in the broker's log (e.g. "transactions are not supported").
      ctx.log('warn', `client ${ctx.clientId}: InitProducerId refused (${errorCode}): ${errorMessageOf(e)}`);
      return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 };
    }
  },
});
