/**
 * DeleteTopics (key 20), v0-6 (flexible from v4): deletes each topic with its logs, offsets and producer state.
 * From v5 a failed topic's result carries an error message naming the problem. v6 lists topics as {name, id}:
 * an entry with a non-zero id deletes the topic with that id (UNKNOWN_TOPIC_ID (100) when there is none, so a
 * topic deleted and created again under the same name is never deleted by its old id), one with a zero id
 * deletes by name; an entry with both a name and an id is INVALID_REQUEST, as in Kafka. v6 results carry the
 * name and the id of the topic (null name for an unknown id, zero id for an unknown name; the entry's own name
 * and id when it is refused).
 */
import { ErrorCode, KafkaError } from '../../broker/errors';
import { topicIdFromBytes, topicIdToBytes, ZERO_TOPIC_ID } from '../../broker/topic-id';
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf, errorMessageOf } from './api';

interface DeletableTopicResult {
  name: string | null;
  topicId: Buffer;
  errorCode: number;
  errorMessage: string | null;
}

const ZERO_ID: Buffer = Buffer.alloc(16);

export const deleteTopics = defineApi<
  { topics: { name: string | null; topicId: Buffer }[]; topicNames: string[]; timeoutMs: number },
  { throttleTimeMs: number; responses: DeletableTopicResult[] }
>({
  apiKey: 20,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 6,
  flexibleFrom: 4,
  request: [
    arr('topics', [f('name', 'string', '6+', { nullable: true }), f('topicId', 'uuid', '6+')], '6+'),
    arr('topicNames', 'string', '0-5'),
    f('timeoutMs', 'int32'),
  ],
  response: [
    f('throttleTimeMs', 'int32', '1+'),
    arr('responses', [
      f('name', 'string', '0+', { nullable: true }),
      f('topicId', 'uuid', '6+'),
      f('errorCode', 'int16'),
      f('errorMessage', 'string', '5+', { nullable: true }),
    ]),
  ],
  async handle(ctx, req) {
    const { broker } = ctx;
    const entries =
      ctx.apiVersion >= 6
        ? req.topics.map((t) => ({ name: t.name, id: topicIdFromBytes(t.topicId) }))
        : req.topicNames.map((name) => ({ name: name as string | null, id: ZERO_TOPIC_ID }));
    const responses: DeletableTopicResult[] = [];
    for (const { name, id } of entries) {
      let result: DeletableTopicResult = { name, topicId: ZERO_ID, errorCode: 0, errorMessage: null };
      try {
        if (id !== ZERO_TOPIC_ID) result = { ...result, topicId: topicIdToBytes(id) };
        if (id !== ZERO_TOPIC_ID && name !== null)
          throw new KafkaError(
            ErrorCode.INVALID_REQUEST,
            `topic "${name}" is named by both its name and an id (${id}); name it by one of them`,
          );
        const topic = id !== ZERO_TOPIC_ID ? broker.getTopicById(id) : broker.getTopic(name ?? '');
        if (!topic) {
          if (id !== ZERO_TOPIC_ID) {
            throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_ID, `there is no topic with id ${id}`);
          }
          throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `there is no topic "${name}"`);
        }
        result = { ...result, name: topic.name, topicId: topicIdToBytes(topic.topicId) };
        await broker.deleteTopic(topic.name);
        responses.push(result);
      } catch (e) {
        responses.push({
          ...result,
          errorCode: errorCodeOf(ctx, e, `DeleteTopics "${name ?? id}"`),
          errorMessage: errorMessageOf(e),
        });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});
