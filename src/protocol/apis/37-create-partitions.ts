/**
 * CreatePartitions (key 37), v0-3 (flexible from v2; v3 only allows a quota error this broker never sends): grows
 * a topic to a new total partition count (never shrinks it).
 */
import { ErrorCode, KafkaError } from '../../broker/errors';
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf, errorMessageOf } from './api';

interface CreatePartitionsRequest {
  topics: { name: string; count: number; assignments: { brokerIds: number[] }[] | null }[];
  timeoutMs: number;
  validateOnly: boolean;
}

export const createPartitions = defineApi<
  CreatePartitionsRequest,
  { throttleTimeMs: number; results: { name: string; errorCode: number; errorMessage: string | null }[] }
>({
  apiKey: 37,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 2,
  request: [
    arr('topics', [
      f('name', 'string'),
      f('count', 'int32'),
      arr('assignments', [arr('brokerIds', 'int32')], '0+', { nullable: true }),
    ]),
    f('timeoutMs', 'int32'),
    f('validateOnly', 'bool'),
  ],
  response: [
    f('throttleTimeMs', 'int32'),
    arr('results', [
      f('name', 'string'),
      f('errorCode', 'int16'),
      f('errorMessage', 'string', '0+', { nullable: true }),
    ]),
  ],
  async handle(ctx, req) {
    const results: { name: string; errorCode: number; errorMessage: string | null }[] = [];
    for (const t of req.topics) {
      try {
        const topic = ctx.broker.getTopic(t.name);
        if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `there is no topic "${t.name}"`);
        if (t.count <= topic.partitions) {
          throw new KafkaError(
            ErrorCode.INVALID_PARTITIONS,
            `topic "${t.name}" already has ${topic.partitions} partition(s); the new count must be larger, got ${t.count}`,
          );
        }
        if (!req.validateOnly) await ctx.broker.createPartitions(t.name, t.count);
        results.push({ name: t.name, errorCode: 0, errorMessage: null });
      } catch (e) {
        results.push({
          name: t.name,
          errorCode: errorCodeOf(ctx, e, `CreatePartitions "${t.name}"`),
          errorMessage: errorMessageOf(e),
        });
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
