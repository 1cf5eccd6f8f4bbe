/** DeleteTopics (key 20), v0-3: deletes each named topic with its logs, offsets and producer state. */
import { ErrorCode, KafkaError } from '../../broker/errors';
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf } from './api';

export const deleteTopics = defineApi<
  { topicNames: string[]; timeoutMs: number },
  { throttleTimeMs: number; responses: { name: string; errorCode: number }[] }
>({
  apiKey: 20,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 4,
  request: [arr('topicNames', 'string', '0-5'), f('timeoutMs', 'int32')],
  response: [f('throttleTimeMs', 'int32', '1+'), arr('responses', [f('name', 'string'), f('errorCode', 'int16')])],
  async handle(ctx, req) {
    const responses: { name: string; errorCode: number }[] = [];
    for (const name of req.topicNames) {
      try {
        if (!ctx.broker.getTopic(name))
          throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `there is no topic "${name}"`);
        await ctx.broker.deleteTopic(name);
        responses.push({ name, errorCode: 0 });
      } catch (e) {
        responses.push({ name, errorCode: errorCodeOf(ctx, e, `DeleteTopics "${name}"`) });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});
