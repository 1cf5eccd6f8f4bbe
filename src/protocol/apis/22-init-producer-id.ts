/** InitProducerId (key 22), v0-1: hands an idempotent producer its producer id and epoch. */
import { f } from '../codec/schema';
import { defineApi, errorCodeOf, errorMessageOf } from './api';

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
      const errorCode = errorCodeOf(ctx, e, 'InitProducerId');
      // The response has no message field: say why in the broker's log (e.g. "transactions are not supported").
      ctx.log('warn', `client ${ctx.clientId}: InitProducerId refused (${errorCode}): ${errorMessageOf(e)}`);
      return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 };
    }
  },
});
