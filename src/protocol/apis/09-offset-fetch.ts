/**
 * OffsetFetch (key 9), v1-9 (v0 read offsets from ZooKeeper and is not offered). v1-7 ask for one group; v8+
 * ask for many groups in one request and answer per group (each group with its own error code). Topics null
 * (v2+; per group in v8+) = every partition the group has committed. A partition without a commit answers
 * offset -1, leader epoch -1, metadata "". v5+ return the committed leader epoch the client sent with OffsetCommit
 * v6+ (-1 when it sent none).
 *
 * requireStable (v7+) asks the broker to hold back offsets of partitions where an open transaction holds offsets
 * (TxnOffsetCommit, not committed or aborted yet): such a partition answers UNSTABLE_OFFSET_COMMIT (88) with offset
 * -1 and the client retries; without requireStable the committed offset is answered as usual. v9's member id and epoch belong to the new consumer group protocol (KIP-848), which Kafka Lite
 * does not run: they are read and ignored.
 */
import { ErrorCode } from '../../broker/errors';
import { TopicPartitionMap } from '../../shared/topic-partition';
import { arr, f } from '../codec/schema';
import type { RequestContext } from './api';
import { defineApi, errorCodeOf, groupByTopic } from './api';

interface TopicRequest {
  name: string;
  partitionIndexes: number[];
}

interface OffsetFetchRequest {
  groupId: string;
  topics: TopicRequest[] | null;
  groups: { groupId: string; memberId: string | null; memberEpoch: number; topics: TopicRequest[] | null }[];
  requireStable: boolean;
}

interface PartitionAnswer {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

interface GroupAnswer {
  groupId: string;
  topics: { name: string; partitions: PartitionAnswer[] }[];
  errorCode: number;
}

interface OffsetFetchResponse {
  throttleTimeMs: number;
  topics: GroupAnswer['topics'];
  errorCode: number;
  groups: GroupAnswer[];
}

const PARTITION = [
  f('partitionIndex', 'int32'),
  f('committedOffset', 'int64'),
  f('committedLeaderEpoch', 'int32', '5+', { def: -1 }),
  f('metadata', 'string', '0+', { nullable: true }),
  f('errorCode', 'int16'),
];

/** One group's answer: its committed offsets, plus every asked-for partition the store knows nothing about. */
function fetchGroup(
  ctx: RequestContext,
  groupId: string,
  topics: TopicRequest[] | null,
  requireStable: boolean,
): GroupAnswer {
  const wanted = topics === null ? null : topics.map((t) => ({ topic: t.name, partitions: t.partitionIndexes }));
  try {
    const committed = ctx.broker.fetchOffsets(groupId, wanted);
    const unstable = new TopicPartitionMap<true>();
    if (requireStable)
      for (const p of ctx.broker.pendingTxnOffsetPartitions(groupId)) unstable.set(p.topic, p.partition, true);
    const answered = groupByTopic(committed, (c) =>
      unstable.has(c.topic, c.partition)
        ? {
            partitionIndex: c.partition,
            committedOffset: -1,
            committedLeaderEpoch: -1,
            metadata: '',
            errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT,
          }
        : {
            partitionIndex: c.partition,
            committedOffset: c.offset,
            committedLeaderEpoch: c.offset < 0 ? -1 : c.leaderEpoch,
            metadata: c.metadata ?? '',
            errorCode: c.errorCode,
          },
    );
    // keep topics the client asked for even when the store knows nothing about them
    for (const t of topics ?? []) {
      if (!answered.some((x) => x.name === t.name)) {
        answered.push({
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
    return { groupId, topics: answered, errorCode: 0 };
  } catch (e) {
    return { groupId, topics: [], errorCode: errorCodeOf(ctx, e, `OffsetFetch "${groupId}"`) };
  }
}

export const offsetFetch = defineApi<OffsetFetchRequest, OffsetFetchResponse>({
  apiKey: 9,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 9,
  flexibleFrom: 6,
  request: [
    f('groupId', 'string', '0-7'),
    arr('topics', [f('name', 'string'), arr('partitionIndexes', 'int32')], '0-7', { nullable: true }),
    arr(
      'groups',
      [
        f('groupId', 'string'),
        f('memberId', 'string', '9+', { nullable: true }),
        f('memberEpoch', 'int32', '9+', { def: -1 }),
        arr('topics', [f('name', 'string'), arr('partitionIndexes', 'int32')], '8+', { nullable: true }),
      ],
      '8+',
    ),
    f('requireStable', 'bool', '7+'),
  ],
  response: [
    f('throttleTimeMs', 'int32', '3+'),
    arr('topics', [f('name', 'string'), arr('partitions', PARTITION)], '0-7'),
    f('errorCode', 'int16', '2-7'),
    arr(
      'groups',
      [
        f('groupId', 'string'),
        arr('topics', [f('name', 'string'), arr('partitions', PARTITION)]),
        f('errorCode', 'int16'),
      ],
      '8+',
    ),
  ],
  handle(ctx, req) {
    if (ctx.apiVersion >= 8) {
      const groups = req.groups.map((g) => fetchGroup(ctx, g.groupId, g.topics, req.requireStable));
      return { throttleTimeMs: 0, topics: [], errorCode: 0, groups };
    }
    const one = fetchGroup(ctx, req.groupId, req.topics, req.requireStable);
    return { throttleTimeMs: 0, topics: one.topics, errorCode: one.errorCode, groups: [] };
  },
});
