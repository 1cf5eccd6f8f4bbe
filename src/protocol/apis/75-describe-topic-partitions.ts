/**
 * DescribeTopicPartitions (key 75), v0 (flexible): what the 4.x Admin's describeTopics() (and so
 * `kafka-topics.sh --describe`) asks once the broker offers it, in place of Metadata. Topics: the named ones, or
 * every topic when the list is empty; answered in name order (a name asked twice once). Paging: at most
 * ResponsePartitionLimit partitions per answer (capped at 2000, Kafka's default max.request.partition.size.limit;
 * a limit below 1 counts as 1); when more remain, NextCursor names the topic and partition to start from, and a
 * request carrying that Cursor starts there (topics before the cursor's are skipped, as are its partitions before
 * the cursor's index). A cursor naming a topic that is not in a non-empty topic list fails the whole request:
 * every requested topic answers INVALID_REQUEST, as Kafka answers it. A named topic that does not exist answers UNKNOWN_TOPIC_OR_PARTITION with a
 * zero id and no partitions. Partitions: this node leads each one and is its only replica (leader epoch -1, no
 * eligible leader replicas: the ELR lists are empty, never null, as Kafka sends them; the 4.x Admin fails on a
 * null one). Authorized operations: every operation a topic supports (no
 * authorizer), as Kafka answers without one.
 */
import { ErrorCode } from '../../broker/errors';
import { topicIdToBytes } from '../../broker/topic-id';
import { arr, f, struct } from '../codec/schema';
import { TOPIC_OPERATIONS } from './03-metadata';
import { defineApi } from './api';

/** Kafka's default max.request.partition.size.limit: the most partitions one answer carries. */
export const MAX_RESPONSE_PARTITIONS = 2000;

const ZERO_ID: Buffer = Buffer.alloc(16);

interface Cursor {
  topicName: string;
  partitionIndex: number;
}

interface DescribeTopicPartitionsRequest {
  topics: { name: string }[];
  responsePartitionLimit: number;
  cursor: Cursor | null;
}

interface ResponsePartition {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  leaderEpoch: number;
  replicaNodes: number[];
  isrNodes: number[];
  eligibleLeaderReplicas: number[];
  lastKnownElr: number[];
  offlineReplicas: number[];
}

interface ResponseTopic {
  errorCode: number;
  name: string | null;
  topicId: Buffer;
  isInternal: boolean;
  partitions: ResponsePartition[];
  topicAuthorizedOperations: number;
}

interface DescribeTopicPartitionsResponse {
  throttleTimeMs: number;
  topics: ResponseTopic[];
  nextCursor: Cursor | null;
}

/** The answer for a named topic that does not exist. */
const unknown = (name: string): ResponseTopic => ({
  errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  name,
  topicId: ZERO_ID,
  isInternal: false,
  partitions: [],
  topicAuthorizedOperations: TOPIC_OPERATIONS,
});

const cursorFields = [f('topicName', 'string'), f('partitionIndex', 'int32')];

export const describeTopicPartitions = defineApi<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse>({
  apiKey: 75,
  name: 'DescribeTopicPartitions',
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: 0,
  request: [
    arr('topics', [f('name', 'string')]),
    f('responsePartitionLimit', 'int32', '0+', { def: MAX_RESPONSE_PARTITIONS }),
    struct('cursor', cursorFields, '0+', { nullable: true }),
  ],
  response: [
    f('throttleTimeMs', 'int32'),
    arr('topics', [
      f('errorCode', 'int16'),
      f('name', 'string', '0+', { nullable: true }),
      f('topicId', 'uuid'),
      f('isInternal', 'bool'),
      arr('partitions', [
        f('errorCode', 'int16'),
        f('partitionIndex', 'int32'),
        f('leaderId', 'int32'),
        f('leaderEpoch', 'int32', '0+', { def: -1 }),
        arr('replicaNodes', 'int32'),
        arr('isrNodes', 'int32'),
        arr('eligibleLeaderReplicas', 'int32', '0+', { nullable: true }),
        arr('lastKnownElr', 'int32', '0+', { nullable: true }),
        arr('offlineReplicas', 'int32'),
      ]),
      f('topicAuthorizedOperations', 'int32', '0+', { def: -2147483648 }),
    ]),
    struct('nextCursor', cursorFields, '0+', { nullable: true }),
  ],
  handle(ctx, req) {
    const { broker, cluster } = ctx;
    const node = cluster.nodeId;
    const { cursor } = req;
    let names: string[];
    if (req.topics.length === 0) names = broker.listTopics().map((t) => t.name);
    else {
      names = [...new Set(req.topics.map((t) => t.name))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      if (cursor && !names.includes(cursor.topicName)) {
        ctx.log(
          'warn',
          `client ${ctx.clientId}: DescribeTopicPartitions cursor names topic "${cursor.topicName}", which is not among the requested topics: INVALID_REQUEST`,
        );
        const refused = (name: string): ResponseTopic => ({ ...unknown(name), errorCode: ErrorCode.INVALID_REQUEST });
        return { throttleTimeMs: 0, topics: names.map(refused), nextCursor: null };
      }
    }
    if (cursor) names = names.filter((n) => n >= cursor.topicName);
    let left = Math.min(Math.max(req.responsePartitionLimit, 1), MAX_RESPONSE_PARTITIONS);
    const topics: ResponseTopic[] = [];
    let nextCursor: Cursor | null = null;
    for (const name of names) {
      const t = broker.getTopic(name);
      if (!t) {
        topics.push(unknown(name));
        continue;
      }
      const first = cursor && name === cursor.topicName ? Math.max(cursor.partitionIndex, 0) : 0;
      if (first >= t.partitions) continue; // a cursor past the topic's end: nothing left of it
      if (left === 0) {
        nextCursor = { topicName: name, partitionIndex: first };
        break;
      }
      const end = Math.min(t.partitions, first + left);
      const partitions: ResponsePartition[] = [];
      for (let p = first; p < end; p++) {
        partitions.push({
          errorCode: 0,
          partitionIndex: p,
          leaderId: node,
          leaderEpoch: -1,
          replicaNodes: [node],
          isrNodes: [node],
          eligibleLeaderReplicas: [],
          lastKnownElr: [],
          offlineReplicas: [],
        });
      }
      left -= end - first;
      topics.push({
        errorCode: 0,
        name,
        topicId: topicIdToBytes(t.topicId),
        isInternal: false,
        partitions,
        topicAuthorizedOperations: TOPIC_OPERATIONS,
      });
      if (end < t.partitions) {
        nextCursor = { topicName: name, partitionIndex: end };
        break;
      }
    }
    return { throttleTimeMs: 0, topics, nextCursor };
  },
});
