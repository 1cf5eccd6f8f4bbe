/**
 * OffsetDelete (key 47), v0: forget committed offsets of some partitions of a group (kafka-consumer-groups
 * --delete-offsets, Admin.deleteConsumerGroupOffsets). A group that does not exist is GROUP_ID_NOT_FOUND at the
 * top level; a partition of a topic the group's live members subscribe to is GROUP_SUBSCRIBED_TO_TOPIC; the
 * others are deleted (a partition with no committed offset is simply reported as done, as Kafka does).
 */
import { ErrorCode } from '../../broker/errors';
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf } from './api';
import { keyOf, topicPartitionKey } from '../../shared/topic-partition';

interface OffsetDeleteRequest {
  groupId: string;
  topics: { name: string; partitions: { partitionIndex: number }[] }[];
}

interface OffsetDeleteResponse {
  errorCode: number;
  throttleTimeMs: number;
  topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

export const offsetDelete = defineApi<OffsetDeleteRequest, OffsetDeleteResponse>({
  apiKey: 47,
  name: 'OffsetDelete',
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: Infinity,
  request: [
    f('groupId', 'string'),
    arr('topics', [f('name', 'string'), arr('partitions', [f('partitionIndex', 'int32')])]),
  ],
  response: [
    f('errorCode', 'int16'),
    f('throttleTimeMs', 'int32'),
    arr('topics', [f('name', 'string'), arr('partitions', [f('partitionIndex', 'int32'), f('errorCode', 'int16')])]),
  ],
  async handle(ctx, req) {
    const wanted = req.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })));
    try {
      const results = await ctx.broker.deleteOffsets(req.groupId, wanted);
      const code = new Map(results.map((r) => [keyOf(r), r.errorCode]));
      return {
        errorCode: ErrorCode.NONE,
        throttleTimeMs: 0,
        topics: req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: code.get(topicPartitionKey(t.name, p.partitionIndex)) ?? ErrorCode.NONE,
          })),
        })),
      };
    } catch (e) {
      return {
        errorCode: errorCodeOf(ctx, e, `OffsetDelete "${req.groupId}"`),
        throttleTimeMs: 0,
        topics: [],
      };
    }
  },
});
