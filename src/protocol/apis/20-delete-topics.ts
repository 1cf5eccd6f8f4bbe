/**
 * DeleteTopics (key 20), v0-5 (flexible from v4; v6 names topics by id, which Kafka Lite does not have yet):
 * deletes each named topic with its logs, offsets and producer state. From v5 a failed topic's result carries
 * an error message naming the problem.
 */
import { ErrorCode, KafkaError } from '../../broker/errors';
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf, errorMessageOf } from './api';

interface DeletableTopicResult {
  name: string;
  errorCode: number;
  errorMessage: string | null;
}

export const deleteTopics = defineApi<
  { topicNames: string[]; timeoutMs: number },
  { throttleTimeMs: number; responses: DeletableTopicResult[] }
>({
  apiKey: 20,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 4,
  request: [arr('topicNames', 'string', '0-5'), f('timeoutMs', 'int32')],
  response: [
    f('throttleTimeMs', 'int32', '1+'),
    arr('responses', [
      f('name', 'string'),
      f('errorCode', 'int16'),
      f('errorMessage', 'string', '5+', { nullable: true }),
    ]),
  ],
  async handle(ctx, req) {
    const responses: DeletableTopicResult[] = [];
    for (const name of req.topicNames) {
      try {
        if (!ctx.broker.getTopic(name))
          throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `there is no topic "${name}"`);
        await ctx.broker.deleteTopic(name);
        responses.push({ name, errorCode: 0, errorMessage: null });
      } catch (e) {
        responses.push({
          name,
          errorCode: errorCodeOf(ctx, e, `DeleteTopics "${name}"`),
          errorMessage: errorMessageOf(e),
        });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});
