/**
 * Metadata (key 3), v0-13 (flexible from v9). v10+ answer each topic's id (zero for a topic that failed by name);
 * v12+ requests may name a topic by id instead (an unknown id answers UNKNOWN_TOPIC_ID with a null name, ahead
 * of the other topics as in Kafka, and a topic named by id is never auto-created); v10 and v11 ids in a request are ignored, as the spec says
 * (only names count there). v13 adds the top-level error code, always 0 here. One broker (our node id, the advertised IPv4 literal and port), which is also the
 * controller; leader epoch -1 everywhere (clients then skip offset validation). Topics: null (v1+) or an empty
 * array in v0 = all topics; an empty array in v1+ = none. Unknown names are auto-created when the broker allows
 * it (and, from v4, when the request allows it); illegal names get INVALID_TOPIC_EXCEPTION per topic.
 * Authorized operations (v8+): there is no authorizer, so, as Kafka without one, every operation a resource type
 * supports is allowed; the bitfields are sent when the request asks for them, else Kafka's "not requested" value.
 */
import { ErrorCode } from '../../broker/errors';
import type { TopicInfo } from '../../broker/types';
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf } from './api';
import { topicNameProblem } from '../../shared/topic-name';
import { topicIdFromBytes, topicIdToBytes, ZERO_TOPIC_ID } from '../../broker/topic-id';

const ZERO_ID_BYTES: Buffer = Buffer.alloc(16);

interface MetadataRequest {
  topics: { topicId: Buffer; name: string | null }[] | null;
  allowAutoTopicCreation: boolean;
  includeClusterAuthorizedOperations: boolean;
  includeTopicAuthorizedOperations: boolean;
}

interface TopicMetadata {
  errorCode: number;
  name: string | null;
  topicId: Buffer;
  isInternal: boolean;
  partitions: {
    errorCode: number;
    partitionIndex: number;
    leaderId: number;
    leaderEpoch: number;
    replicaNodes: number[];
    isrNodes: number[];
    offlineReplicas: number[];
  }[];
  topicAuthorizedOperations: number;
}

interface MetadataResponse {
  throttleTimeMs: number;
  brokers: { nodeId: number; host: string; port: number; rack: string | null }[];
  clusterId: string | null;
  controllerId: number;
  topics: TopicMetadata[];
  clusterAuthorizedOperations: number;
  errorCode: number;
}

/** Kafka's "authorized operations not requested" value (Integer.MIN_VALUE). */
export const OPS_NOT_REQUESTED = -2147483648;

/** A 32-bit authorized-operations field: bit n set for Kafka's ACL operation code n. */
function opsBitfield(codes: number[]): number {
  return codes.reduce((bits, c) => bits | (1 << c), 0);
}

// Kafka's ACL operation codes: READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9,
// DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12.
/** Every operation a topic supports (read, write, create, delete, alter, describe, describe/alter configs). */
export const TOPIC_OPERATIONS = opsBitfield([3, 4, 5, 6, 7, 8, 10, 11]);
/** Every operation the cluster supports (create, alter, describe, cluster action, configs, idempotent write). */
export const CLUSTER_OPERATIONS = opsBitfield([5, 7, 8, 9, 10, 11, 12]);

export const metadata = defineApi<MetadataRequest, MetadataResponse>({
  apiKey: 3,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 13,
  flexibleFrom: 9,
  request: [
    arr('topics', [f('topicId', 'uuid', '10+'), f('name', 'string', '0+', { nullable: true })], '0+', {
      nullable: true,
    }),
    f('allowAutoTopicCreation', 'bool', '4+', { def: true }),
    f('includeClusterAuthorizedOperations', 'bool', '8-10'),
    f('includeTopicAuthorizedOperations', 'bool', '8+'),
  ],
  response: [
    f('throttleTimeMs', 'int32', '3+'),
    arr('brokers', [
      f('nodeId', 'int32'),
      f('host', 'string'),
      f('port', 'int32'),
      f('rack', 'string', '1+', { nullable: true }),
    ]),
    f('clusterId', 'string', '2+', { nullable: true }),
    f('controllerId', 'int32', '1+', { def: -1 }),
    arr('topics', [
      f('errorCode', 'int16'),
      f('name', 'string', '0+', { nullable: true }),
      f('topicId', 'uuid', '10+'),
      f('isInternal', 'bool', '1+'),
      arr('partitions', [
        f('errorCode', 'int16'),
        f('partitionIndex', 'int32'),
        f('leaderId', 'int32'),
        f('leaderEpoch', 'int32', '7+', { def: -1 }),
        arr('replicaNodes', 'int32'),
        arr('isrNodes', 'int32'),
        arr('offlineReplicas', 'int32', '5+'),
      ]),
      f('topicAuthorizedOperations', 'int32', '8+', { def: OPS_NOT_REQUESTED }),
    ]),
    f('clusterAuthorizedOperations', 'int32', '8-10', { def: OPS_NOT_REQUESTED }),
    f('errorCode', 'int16', '13+'),
  ],
  async handle(ctx, req) {
    const { broker, cluster } = ctx;
    const node = cluster.nodeId;
    const topicOps = req.includeTopicAuthorizedOperations ? TOPIC_OPERATIONS : OPS_NOT_REQUESTED;
    const describe = (t: TopicInfo): TopicMetadata => ({
      errorCode: 0,
      name: t.name,
      topicId: topicIdToBytes(t.topicId),
      isInternal: false,
      partitions: Array.from({ length: t.partitions }, (_, p) => ({
        errorCode: 0,
        partitionIndex: p,
        leaderId: node,
        leaderEpoch: -1,
        replicaNodes: [node],
        isrNodes: [node],
        offlineReplicas: [],
      })),
      topicAuthorizedOperations: topicOps,
    });
    const failed = (name: string | null, errorCode: number, topicId = ZERO_ID_BYTES): TopicMetadata => ({
      errorCode,
      name,
      topicId,
      isInternal: false,
      partitions: [],
      topicAuthorizedOperations: topicOps,
    });
    const all = req.topics === null || (ctx.apiVersion === 0 && req.topics.length === 0);
    let topics: TopicMetadata[];
    if (all) {
      topics = broker.listTopics().map(describe);
    } else {
      const autoCreate = broker.autoCreateTopics && (ctx.apiVersion < 4 || req.allowAutoTopicCreation);
      topics = [];
      // unknown ids are answered first, before the topics in request order, as Kafka orders them
      const unknownIds: TopicMetadata[] = [];
      for (const { topicId, name: maybeName } of req.topics ?? []) {
        const id = ctx.apiVersion >= 12 ? topicIdFromBytes(topicId) : ZERO_TOPIC_ID;
        if (id !== ZERO_TOPIC_ID) {
          const byId = broker.getTopicById(id);
          if (byId) topics.push(describe(byId));
          else unknownIds.push(failed(null, ErrorCode.UNKNOWN_TOPIC_ID, topicId));
          continue;
        }
        if (maybeName === null) {
          topics.push(failed(null, ErrorCode.INVALID_TOPIC_EXCEPTION));
          continue;
        }
        const name = maybeName;
        const existing = broker.getTopic(name);
        if (existing) {
          topics.push(describe(existing));
          continue;
        }
        if (topicNameProblem(name)) {
          topics.push(failed(name, ErrorCode.INVALID_TOPIC_EXCEPTION));
          continue;
        }
        if (!autoCreate) {
          topics.push(failed(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
          continue;
        }
        try {
          const created = await broker.ensureTopic(name);
          topics.push(created ? describe(created) : failed(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        } catch (e) {
          topics.push(failed(name, errorCodeOf(ctx, e, `Metadata auto-create of "${name}"`)));
        }
      }
      topics.unshift(...unknownIds);
    }
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: node, host: cluster.host, port: cluster.port, rack: null }],
      clusterId: cluster.clusterId,
      controllerId: node,
      topics,
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : OPS_NOT_REQUESTED,
      errorCode: 0,
    };
  },
});
