/**
 * CreateTopics (key 19), v0-7 (flexible from v5; v7 answers a created topic's id, zero for a failed topic; as
 * Kafka, a validate-only success answers a fresh random id that no topic has, which says nothing).
 * Partition count -1 (v4) = the broker default; replication factor must be 1 or -1 (one broker); explicit
 * assignments set the partition count; validateOnly (v1+) checks names, counts and configs without creating.
 * From v5 a created (or validated) topic's result carries its partition count, replication factor 1 and every
 * topic config with its value and source (DYNAMIC_TOPIC_CONFIG for the ones set, DEFAULT_CONFIG otherwise), as
 * DescribeConfigs would list them; a failed topic carries -1, -1 and no configs. A name that appears more than
 * once in one request is not created from any of its entries and gets one INVALID_REQUEST result, after the
 * results of the other topics.
 */
import { ErrorCode, KafkaError } from '../../broker/errors';
import type { ConfigEntry } from '../../broker/types';
import { describeConfigs, validateConfigs } from '../../broker/storage/configs';
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf, errorMessageOf } from './api';
import { topicNameProblem } from '../../shared/topic-name';
import { newTopicId, topicIdToBytes } from '../../broker/topic-id';

const ZERO_ID: Buffer = Buffer.alloc(16);

interface CreateTopicsRequest {
  topics: {
    name: string;
    numPartitions: number;
    replicationFactor: number;
    assignments: { partitionIndex: number; brokerIds: number[] }[];
    configs: { name: string; value: string | null }[];
  }[];
  timeoutMs: number;
  validateOnly: boolean;
}

interface CreatableTopicConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  configSource: number;
  isSensitive: boolean;
}

interface CreatableTopicResult {
  name: string;
  topicId: Buffer;
  errorCode: number;
  errorMessage: string | null;
  numPartitions: number;
  replicationFactor: number;
  configs: CreatableTopicConfig[];
}

const SOURCE_DYNAMIC_TOPIC = 1;
const SOURCE_DEFAULT = 5;

function resultConfig(c: ConfigEntry): CreatableTopicConfig {
  return {
    name: c.name,
    value: c.sensitive ? null : c.value,
    readOnly: c.readOnly,
    configSource: c.isDefault ? SOURCE_DEFAULT : SOURCE_DYNAMIC_TOPIC,
    isSensitive: c.sensitive,
  };
}

export const createTopics = defineApi<CreateTopicsRequest, { throttleTimeMs: number; topics: CreatableTopicResult[] }>({
  apiKey: 19,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 7,
  flexibleFrom: 5,
  request: [
    arr('topics', [
      f('name', 'string'),
      f('numPartitions', 'int32'),
      f('replicationFactor', 'int16'),
      arr('assignments', [f('partitionIndex', 'int32'), arr('brokerIds', 'int32')]),
      arr('configs', [f('name', 'string'), f('value', 'string', '0+', { nullable: true })]),
    ]),
    f('timeoutMs', 'int32', '0+', { def: 60000 }),
    f('validateOnly', 'bool', '1+'),
  ],
  response: [
    f('throttleTimeMs', 'int32', '2+'),
    arr('topics', [
      f('name', 'string'),
      f('topicId', 'uuid', '7+'),
      f('errorCode', 'int16'),
      f('errorMessage', 'string', '1+', { nullable: true }),
      f('numPartitions', 'int32', '5+', { def: -1 }),
      f('replicationFactor', 'int16', '5+', { def: -1 }),
      arr(
        'configs',
        [
          f('name', 'string'),
          f('value', 'string', '5+', { nullable: true }),
          f('readOnly', 'bool'),
          f('configSource', 'int8', '5+', { def: -1 }),
          f('isSensitive', 'bool'),
        ],
        '5+',
        { nullable: true },
      ),
    ]),
  ],
  async handle(ctx, req) {
    const { broker } = ctx;
    const topics: CreatableTopicResult[] = [];
    // A name given more than once is not created at all (not even from its first entry) and answered once, after
    // the other topics' results, with INVALID_REQUEST, as Kafka does.
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const t of req.topics) (seen.has(t.name) ? duplicates : seen).add(t.name);
    for (const t of req.topics) {
      if (duplicates.has(t.name)) continue;
      try {
        const reason = topicNameProblem(t.name);
        if (reason) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, reason);
        if (broker.getTopic(t.name))
          throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic "${t.name}" already exists`);
        const partitions =
          t.assignments.length > 0
            ? t.assignments.length
            : t.numPartitions === -1
              ? broker.defaultPartitions
              : t.numPartitions;
        if (!Number.isInteger(partitions) || partitions < 1) {
          throw new KafkaError(
            ErrorCode.INVALID_PARTITIONS,
            `the partition count must be at least 1, got ${t.numPartitions}`,
          );
        }
        if (t.replicationFactor !== -1 && t.replicationFactor !== 1 && t.assignments.length === 0) {
          throw new KafkaError(
            ErrorCode.INVALID_REPLICATION_FACTOR,
            `replication factor ${t.replicationFactor} is larger than the number of brokers (1)`,
          );
        }
        const configs: Record<string, string> = {};
        for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
        let described: ConfigEntry[];
        let topicId: Buffer;
        if (req.validateOnly) {
          topicId = topicIdToBytes(newTopicId());
          described = describeConfigs(validateConfigs(configs));
        } else {
          const created = await broker.createTopic(t.name, partitions, configs);
          topicId = topicIdToBytes(created.topicId);
          described = broker.describeTopicConfigs(t.name);
        }
        topics.push({
          name: t.name,
          topicId,
          errorCode: 0,
          errorMessage: null,
          numPartitions: partitions,
          replicationFactor: 1,
          configs: described.map(resultConfig),
        });
      } catch (e) {
        topics.push({
          name: t.name,
          topicId: ZERO_ID,
          errorCode: errorCodeOf(ctx, e, `CreateTopics "${t.name}"`),
          errorMessage: errorMessageOf(e),
          numPartitions: -1,
          replicationFactor: -1,
          configs: [],
        });
      }
    }
    for (const name of duplicates) {
      topics.push({
        name,
        topicId: ZERO_ID,
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `topic "${name}" appears more than once in the request, so none of its entries was created`,
        numPartitions: -1,
        replicationFactor: -1,
        configs: [],
      });
    }
    return { throttleTimeMs: 0, topics };
  },
});
