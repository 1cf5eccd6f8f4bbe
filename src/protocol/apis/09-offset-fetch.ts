/**
 * OffsetFetch (key 9), v1-5 (v0 read offsets from ZooKeeper and is not offered). Topics null (v2+) = every
 * partition the group has committed. A partition without a commit answers offset -1, metadata "".
 */
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf, groupByTopic } from './api';

interface OffsetFetchRequest {
  groupId: string;
  topics: { name: string; partitionIndexes: number[] }[] | null;
}

interface OffsetFetchResponse {
  throttleTimeMs: number;
  topics: {
    name: string;
    partitions: {
      partitionIndex: number;
      committedOffset: number;
      committedLeaderEpoch: number;
      metadata: string | null;
      errorCode: number;
    }[];
  }[];
  errorCode: number;
}

export const offsetFetch = defineApi<OffsetFetchRequest, OffsetFetchResponse>({
  apiKey: 9,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 5,
  flexibleFrom: 6,
  request: [
    f('groupId', 'string', '0-7'),
    arr('topics', [f('name', 'string'), arr('partitionIndexes', 'int32')], '0-7', { nullable: true }),
  ],
  response: [
    f('throttleTimeMs', 'int32', '3+'),
    arr(
      'topics',
      [
        f('name', 'string'),
        arr('partitions', [
          f('partitionIndex', 'int32'),
          f('committedOffset', 'int64'),
          f('committedLeaderEpoch', 'int32', '5-7', { def: -1 }),
          f('metadata', 'string', '0+', { nullable: true }),
          f('errorCode', 'int16'),
        ]),
      ],
      '0-7',
    ),
    f('errorCode', 'int16', '2-7'),
  ],
  handle(ctx, req) {
    const wanted =
      req.topics === null ? null : req.topics.map((t) => ({ topic: t.name, partitions: t.partitionIndexes }));
    try {
      const committed = ctx.broker.fetchOffsets(req.groupId, wanted);
      const topics = groupByTopic(committed, (c) => ({
        partitionIndex: c.partition,
        committedOffset: c.offset,
        committedLeaderEpoch: -1,
        metadata: c.metadata ?? '',
        errorCode: c.errorCode,
      }));
      // keep topics the client asked for even when the store knows nothing about them
      if (req.topics) {
        for (const t of req.topics) {
          if (!topics.some((x) => x.name === t.name)) {
            topics.push({
              name: t.name,
              partitions: t.partitionIndexes.map((p) => ({
                partitionIndex: p,
                committedOffset: -1,
                committedLeaderEpoch: -1,
                metadata: '',
                errorCode: 0,
              })),
            });
          }
        }
      }
      return { throttleTimeMs: 0, topics, errorCode: 0 };
    } catch (e) {
      return { throttleTimeMs: 0, topics: [], errorCode: errorCodeOf(ctx, e, `OffsetFetch "${req.groupId}"`) };
    }
  },
});
